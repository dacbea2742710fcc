from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import services as account_services
from accounts.errors import SERVICE_ERRORS, show_error
from accounts.mfa import services
from accounts.mfa.forms import CodeForm, ConfirmDeviceForm, RequireMfaForm, SessionEndForm
from accounts.mfa.selectors import (
    has_mfa,
    members_without_mfa,
    pending_totp_device,
    recovery_codes_left,
    user_sessions,
)
from accounts.mfa.stages import STAGE_KEY, LoginStageController
from accounts.permissions import Action, requires


def _next_url(request, default="home"):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return default


def _required_by(request):
    """The current account, when it is the reason the user must enrol."""
    account = request.account
    if account is not None and account.require_mfa and not has_mfa(request.user):
        return account
    return None


def qr_svg(data: str) -> str:
    """The otpauth URL as an inline SVG QR code, drawn on the server."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _codes_page(request, codes, *, title):
    return render(
        request,
        "accounts/mfa/recovery_codes.html",
        {"nav": "security", "codes": codes, "title": title},
    )


@login_required
def security(request):
    """The user's own security page: MFA status, recovery codes, disable."""
    return render(
        request,
        "accounts/mfa/security.html",
        {
            "nav": "security",
            "enrolled": has_mfa(request.user),
            "codes_left": recovery_codes_left(request.user),
            "code_form": CodeForm(),
            "required_by": _required_by(request),
            "sessions": user_sessions(request.user, request.session.session_key),
        },
    )


@login_required
def setup(request):
    """Enrol an authenticator: start, scan the QR code, confirm with a code (A6)."""
    if has_mfa(request.user):
        return redirect("accounts:mfa:security")
    form = ConfirmDeviceForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "start":
            services.totp_device_start(user=request.user)
            return redirect("accounts:mfa:setup")
        if form.is_valid():
            try:
                device, codes = services.totp_device_confirm(
                    user=request.user, code=form.cleaned_data["code"]
                )
            except SERVICE_ERRORS as error:
                show_error(request, error, form=form, field="code")
            else:
                # The code just given proves the second factor for this session.
                otp_login(request, device)
                messages.success(request, "MFA is on. Keep your recovery codes somewhere safe.")
                return _codes_page(request, codes, title="MFA is on: your recovery codes")
    device = pending_totp_device(request.user)
    context = {"nav": "security", "form": form, "device": device}
    if device is not None:
        context["qr_svg"] = mark_safe(qr_svg(device.config_url))  # noqa: S308 (our own SVG)
        context["secret"] = _grouped(b32encode(device.bin_key).decode())
    context["required_by"] = _required_by(request)
    status = 400 if form.errors else 200
    return render(request, "accounts/mfa/setup.html", context, status=status)


@login_required
@require_POST
def recovery_codes(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = services.recovery_codes_regenerate(
                user=request.user, code=form.cleaned_data["code"]
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            return _codes_page(request, codes, title="Your new recovery codes")
    else:
        messages.error(request, "Enter a code to create new recovery codes.")
    return redirect("accounts:mfa:security")


@login_required
@require_POST
def disable(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.mfa_disable(user=request.user, code=form.cleaned_data["code"])
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, "MFA is off for your login.")
    else:
        messages.error(request, "Enter a code to turn MFA off.")
    return redirect("accounts:mfa:security")


@login_required
def verify(request):
    """The code prompt for a signed-in session that has not given its second factor."""
    if request.user.is_verified() or not has_mfa(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(user=request.user, code=form.cleaned_data["code"])
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form, field="code")
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    return render(
        request,
        "accounts/mfa/verify.html",
        {"form": form, "next": _next_url(request, "")},
        status=400 if form.errors else 200,
    )


def login_code(request):
    """The login step after the password for users with MFA (allauth login stage)."""
    stage = LoginStageController.enter(request, STAGE_KEY)
    if stage is None:
        return redirect("account_login")
    if request.method == "POST" and "cancel" in request.POST:
        return stage.abort()
    user = stage.login.user
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.mfa_verify(user=user, code=form.cleaned_data["code"])
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form, field="code")
        else:
            # django-otp's user_logged_in receiver marks the session verified.
            user.otp_device = device
            return stage.exit()
    return render(
        request,
        "accounts/mfa/login.html",
        {"form": form, "email": user.email},
        status=400 if form.errors else 200,
    )


@requires(Action.MANAGE_SETTINGS)
@require_POST
def require(request):
    """Turn "Require MFA for all members" on or off (Account settings)."""
    form = RequireMfaForm(request.POST)
    if form.is_valid():
        try:
            account = services.account_set_require_mfa(
                account=request.account,
                actor=request.user,
                require=form.cleaned_data["require_mfa"],
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            state = "on" if account.require_mfa else "off"
            messages.success(request, f"Required MFA is {state} for {account.name}.")
    return redirect("accounts:settings")


def require_mfa_context(request) -> dict:
    """What the Account settings page shows beside the Require-MFA switch."""
    return {
        "form": RequireMfaForm(initial={"require_mfa": request.account.require_mfa}),
        "without_mfa": list(members_without_mfa(request.account)),
        "actor_has_mfa": has_mfa(request.user),
    }


@login_required
@require_POST
def session_end(request):
    """End one of the user's sessions (the Security page's Sessions list)."""
    form = SessionEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a session to end.")
        return redirect("accounts:mfa:security")
    try:
        ended = account_services.user_session_end(
            user=request.user, session_id=form.cleaned_data["session"]
        )
    except SERVICE_ERRORS as error:
        show_error(request, error)
        return redirect("accounts:mfa:security")
    if ended.session_key == request.session.session_key:
        logout(request)
        return redirect("account_login")
    messages.success(request, "That session is signed out.")
    return redirect(reverse("accounts:mfa:security") + "#sessions")
