from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, error_text, show_error
from accounts.middleware import select_account
from accounts.models import Membership
from accounts.permissions import Action, requires
from accounts.plans import Resource, limit_message
from members import services
from members.forms import InviteForm, RoleForm
from members.models import Invitation
from members.selectors import member_rows, seat_usage


def _render_list(request, *, invite_form=None, error="", status=200):
    account = request.account
    seats = seat_usage(account)
    return render(
        request,
        "members/list.html",
        {
            "nav": "members",
            "memberships": member_rows(account),
            "invitations": Invitation.objects.pending_for_account(account).select_related(
                "invited_by"
            ),
            "seats": seats,
            "limit_message": limit_message(account, Resource.MEMBERS),
            "invite_form": invite_form or InviteForm(),
            "roles": RoleForm.base_fields["role"].choices,
            "error": error,
        },
        status=status,
    )


@requires(Action.VIEW)
def list_view(request):
    """Members and pending invites in one list (M6); Readers see it read-only."""
    return _render_list(request)


@requires(Action.MANAGE_MEMBERS)
@require_POST
def invite(request):
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                account=request.account,
                actor=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email} as {invitation.get_role_display()}.",
            )
            return redirect("members:list")
    return _render_list(request, invite_form=form, status=400)


@requires(Action.MANAGE_MEMBERS)
@require_POST
def invite_resend(request, pk):
    invitation = get_object_or_404(Invitation.objects.pending_for_account(request.account), pk=pk)
    try:
        services.invitation_resend(
            account=request.account, actor=request.user, invitation=invitation
        )
    except SERVICE_ERRORS as error:
        show_error(request, error)
    else:
        messages.success(
            request, f"Invitation sent again to {invitation.email}; it expires in 7 days."
        )
    return redirect("members:list")


@requires(Action.MANAGE_MEMBERS)
def invite_delete(request, pk):
    """One Delete for both kinds of row (M3): for an invite it revokes the link."""
    invitation = get_object_or_404(Invitation.objects.pending_for_account(request.account), pk=pk)
    if request.method == "POST":
        try:
            services.invitation_revoke(
                account=request.account, actor=request.user, invitation=invitation
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, f"Invitation to {invitation.email} deleted.")
        return redirect("members:list")
    return render(
        request,
        "members/delete.html",
        {"nav": "members", "invitation": invitation, "label": invitation.email},
    )


def _member(request, pk) -> Membership:
    # SECURITY: another account's membership is a 404, like one that does not exist.
    return get_object_or_404(
        Membership.objects.for_account(request.account).select_related("user"), pk=pk
    )


@requires(Action.MANAGE_MEMBERS)
def member_delete(request, pk):
    membership = _member(request, pk)
    if membership.is_owner:
        return _render_list(request, error=services.OWNER_UNTOUCHABLE, status=400)
    if request.method == "POST":
        try:
            services.membership_remove(
                account=request.account, actor=request.user, membership=membership
            )
        except SERVICE_ERRORS as error:
            return _render_list(request, error=error_text(error), status=400)
        messages.success(request, f"{membership.user.email} was removed from the account.")
        if membership.user_id == request.user.pk:
            return redirect("home")
        return redirect("members:list")
    return render(
        request,
        "members/delete.html",
        {"nav": "members", "membership": membership, "label": membership.user.email},
    )


@requires(Action.MANAGE_MEMBERS)
@require_POST
def member_role(request, pk):
    """Reader <-> Admin; htmx swaps the row in place (M4)."""
    membership = _member(request, pk)
    form = RoleForm(request.POST)
    error = ""
    if not form.is_valid():
        error = " ".join(form.errors["role"])
    else:
        try:
            membership = services.membership_change_role(
                account=request.account,
                actor=request.user,
                membership=membership,
                role=form.cleaned_data["role"],
            )
        except SERVICE_ERRORS as exc:
            error = error_text(exc)
    if request.htmx:
        membership = get_object_or_404(member_rows(request.account), pk=pk)
        return render(
            request,
            "members/list.html#member_row",
            {
                "m": membership,
                "roles": RoleForm.base_fields["role"].choices,
                "row_error": error,
                "row_saved": not error,
            },
        )
    if error:
        return _render_list(request, error=error, status=400)
    messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
    return redirect("members:list")


@requires(Action.LEAVE_ACCOUNT)
def leave(request):
    """GET asks for confirmation; POST takes the member out of the current account."""
    account = request.account
    if request.method == "POST":
        try:
            services.membership_leave(account=account, actor=request.user)
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, f"You left {account.name}.")
        return redirect("home")
    return render(request, "members/leave.html", {"nav": "account"})


def accept(request, token):
    """The invite link: shows the account and role, then joins (M2)."""
    invitation = Invitation.objects.by_token(token)
    problem = services.invitation_problem(invitation, request.user)
    if request.method == "POST" and not problem:
        if not request.user.is_authenticated:
            return redirect("members:accept", token=token)
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            problem = error.error_list[0].code or "invalid"
        else:
            select_account(request, membership.account_id)
            messages.success(
                request,
                f"You joined {membership.account.name} as {membership.get_role_display()}.",
            )
            return redirect("home")
    if not problem and not request.user.is_authenticated:
        # Accepted by members.signals once the person signs up or logs in.
        request.session[services.PENDING_INVITE_SESSION_KEY] = invitation.pk
    status = {"invalid": 404, "used": 410, "revoked": 410, "expired": 410, "wrong_user": 403}
    return render(
        request,
        "members/accept.html",
        {
            "invitation": invitation if problem != "invalid" else None,
            "problem": problem,
            "message": services.PROBLEMS.get(problem, ""),
        },
        status=status.get(problem, 200),
    )
