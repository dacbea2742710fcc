import factory
from factory.django import DjangoModelFactory

from accounts.models import Account, Membership, User
from accounts.permissions import Role
from accounts.plans import PlanCode

PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    plan = PlanCode.FREE


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Role.READER


def account_with_owner(owner=None, **account_fields):
    """An account and its Owner's membership."""
    account = AccountFactory(**account_fields)
    return MembershipFactory(account=account, user=owner or UserFactory(), role=Role.OWNER)


def totp_code(device, steps_ahead=0) -> str:
    """The code an authenticator app would show now (or `steps_ahead` periods later)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol_mfa(user):
    """Turn MFA on for `user` as the Security page does; returns (device, recovery codes).

    The device then accepts the current code again, as if enrolled some time ago.
    """
    from accounts.mfa import services
    from accounts.models import SealedTOTPDevice

    device = services.totp_device_start(user=user)
    device, codes = services.totp_device_confirm(user=user, code=totp_code(device))
    SealedTOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return device, codes
