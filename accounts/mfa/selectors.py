"""Who has MFA: reads shared by the middleware, the members page and the settings page."""

from django.db.models import Exists, OuterRef, QuerySet
from django_otp.plugins.otp_static.models import StaticToken

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
