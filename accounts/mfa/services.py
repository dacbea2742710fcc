"""MFA state changes for the signed-in user. Each writes an audit entry in the user's accounts."""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.audit import audit_log
from accounts.mfa.selectors import has_mfa
from accounts.models import Account, AuditAction, SealedTOTPDevice, TOTPSecret, User
from accounts.permissions import Action
from accounts.sealing import reseal
from accounts.services import ensure_can, locked_account

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
WRONG_CODE = (
    "That code is not right. Check your authenticator app (or the recovery code) and try again."
)


def normalize_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: django-otp keeps static tokens in clear, we don't.

    SHA-256 without salt is enough here: each code is ~49 random bits, and the
    16 characters kept fit django-otp's StaticToken column.
    """
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()[:16]


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _audit_everywhere(user, action) -> None:
    for membership in user.memberships.select_related("account"):
        audit_log(
            account=membership.account,
            actor=user,
            action=action,
            target=user,
            target_label=user.email,
        )


def _replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(code)) for code in codes
    )
    return codes


def _throttled_message(devices) -> str:
    waits = []
    now = timezone.now()
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append(max(1, int((data["locked_until"] - now).total_seconds()) + 1))
    if waits:
        wait = min(waits)
        return (
            f"Too many wrong codes. Wait {wait} second{'s' if wait != 1 else ''}, then try again."
        )
    return ""


@transaction.atomic
def totp_device_start(*, user) -> SealedTOTPDevice:
    """A new, unconfirmed authenticator for the user to scan (or the one already started)."""
    if has_mfa(user):
        raise ValidationError("MFA is already on for your login.")
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        # django-otp's `key` keeps its random default: a decoy, never the secret.
        device = SealedTOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False
        )
        TOTPSecret.objects.create(device=device, sealed=SealedTOTPDevice.new_sealed_secret())
    return device


def totp_device_confirm(*, user, code: str) -> tuple[SealedTOTPDevice, list[str]]:
    """Confirm the started authenticator with a code from it; returns the recovery codes."""
    codes = []
    with transaction.atomic():
        device = (
            SealedTOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None or has_mfa(user):
            raise ValidationError("Start the set-up again: there is no authenticator waiting.")
        throttled = _throttled_message([device])
        # A failed check records its failure (the rate limit), so it must commit: no raise here.
        verified = not throttled and device.verify_token(normalize_code(code))
        if verified:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            SealedTOTPDevice.objects.filter(user=user, confirmed=False).delete()
            codes = _replace_recovery_codes(user)
            _audit_everywhere(user, AuditAction.USER_MFA_ENABLE)
    if not verified:
        raise ValidationError(throttled or WRONG_CODE)
    return device, codes


def mfa_verify(*, user, code: str):
    """The device that accepts `code` (a TOTP code or an unused recovery code), or ValidationError.

    A recovery code is used up by a match. Wrong codes are throttled per device
    (django-otp's exponential back-off).
    """
    code = normalize_code(code)
    matched = None
    with transaction.atomic():
        if code.isdigit():
            devices = list(
                SealedTOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
            token = code
        else:
            devices = list(
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            )
            token = recovery_code_digest(code)
        throttled = _throttled_message(devices)
        if not throttled and code:
            for device in devices:
                if device.verify_token(token):
                    matched = device
                    break
    if matched is None:
        raise ValidationError(throttled or WRONG_CODE)
    return matched


def recovery_codes_regenerate(*, user, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a valid code."""
    mfa_verify(user=user, code=code)
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        _audit_everywhere(user, AuditAction.USER_RECOVERY_CODES_REGENERATE)
    return codes


def mfa_disable(*, user, code: str) -> None:
    """Remove the user's authenticator and recovery codes, after a valid code."""
    mfa_verify(user=user, code=code)
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _audit_everywhere(user, AuditAction.USER_MFA_DISABLE)


@transaction.atomic
def account_set_require_mfa(*, account: Account, actor: User, require: bool) -> Account:
    """Turn "Require MFA for all members" on or off (A6); only someone with MFA turns it on."""
    ensure_can(actor=actor, account=account, action=Action.MANAGE_SETTINGS)
    account = locked_account(account)
    if require and not account.require_mfa and not has_mfa(actor):
        raise ValidationError(
            "Set up MFA for your own login first (Security, in your user menu): "
            "requiring it would otherwise lock you out."
        )
    if account.require_mfa != require:
        account.require_mfa = require
        account.save(update_fields=["require_mfa"])
        audit_log(
            account=account,
            actor=actor,
            action=AuditAction.ACCOUNT_REQUIRE_MFA_ON
            if require
            else AuditAction.ACCOUNT_REQUIRE_MFA_OFF,
            target=account,
        )
    return account


def sealed_secrets_rotate() -> int:
    """Reseal every authenticator secret with the first of MFA_SEALING_KEYS; the count.

    An operator's step after adding a key (no actor, no account: nothing an audit log
    of an account would show). Each row is resealed under its own lock.
    """
    count = 0
    for pk in TOTPSecret.objects.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            row = TOTPSecret.objects.select_for_update().filter(pk=pk).first()
            if row is not None:
                row.sealed = reseal(row.sealed)
                row.save(update_fields=["sealed"])
                count += 1
    return count
