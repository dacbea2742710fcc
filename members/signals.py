"""Accept the invite a logged-out person opened, once they sign up or log in (M2)."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.dispatch import receiver

from accounts.middleware import select_account
from members import services
from members.models import Invitation
from members.services import PENDING_INVITE_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="members.accept_pending_invite")
def accept_pending_invite(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    invitation_id = session.pop(PENDING_INVITE_SESSION_KEY, None)
    if invitation_id is None:
        return
    invitation = Invitation.objects.select_related("account").filter(pk=invitation_id).first()
    try:
        if invitation is None:
            raise ValidationError(services.PROBLEMS["invalid"])
        membership = services.invitation_accept(invitation=invitation, user=user)
    except ValidationError as error:
        if hasattr(request, "_messages"):
            messages.error(request, f"The invitation was not accepted: {' '.join(error.messages)}")
        return
    select_account(request, membership.account_id)
    if hasattr(request, "_messages"):
        messages.success(
            request, f"You joined {membership.account.name} as {membership.get_role_display()}."
        )
