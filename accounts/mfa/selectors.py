"""Who has MFA: reads shared by the middleware, the members page and the settings page."""

from dataclasses import dataclass
from datetime import datetime

from allauth.usersessions.models import UserSession
from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticToken
from user_agents import parse as parse_user_agent

from accounts.models import Account, Membership, SealedTOTPDevice


def has_mfa(user) -> bool:
    """Whether the user has a confirmed authenticator app (recovery codes come with it)."""
    if user is None or not user.is_authenticated:
        return False
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).exists()


def with_mfa_status(memberships):
    """Annotate a Membership queryset with `mfa_enrolled`."""
    return memberships.annotate(
        mfa_enrolled=Exists(
            SealedTOTPDevice.objects.filter(user=OuterRef("user_id"), confirmed=True)
        )
    )


def members_without_mfa(account: Account) -> QuerySet[Membership]:
    return (
        with_mfa_status(Membership.objects.for_account(account).select_related("user"))
        .filter(mfa_enrolled=False)
        .order_by("user__email")
    )


def pending_totp_device(user):
    """The authenticator being set up and not yet confirmed, if any."""
    return SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class SessionRow:
    id: int
    device: str
    ip: str
    last_seen: datetime
    started: datetime
    is_current: bool


def describe_device(user_agent: str) -> str:
    """ "Firefox 128 on Ubuntu" from a User-Agent header (what the person recognises)."""
    if not user_agent:
        return "Unknown device"
    parsed = parse_user_agent(user_agent)
    browser = f"{parsed.browser.family} {parsed.browser.version_string}".strip()
    system = f"{parsed.os.family} {parsed.os.version_string}".strip()
    return f"{browser} on {system}" if system and system != "Other" else browser


def user_sessions(user, current_key: str | None) -> list[SessionRow]:
    """The user's signed-in sessions, the current first, then the most recently seen."""
    rows = [
        SessionRow(
            id=session.pk,
            device=describe_device(session.user_agent),
            ip=session.ip,
            last_seen=session.last_seen_at,
            started=session.created_at,
            is_current=session.session_key == current_key,
        )
        for session in UserSession.objects.purge_and_list(user)
    ]
    return sorted(rows, key=lambda row: (not row.is_current, -row.last_seen.timestamp()))
