"""Demo users and accounts for `manage.py seed_demo`."""

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.db import transaction

from accounts import services
from accounts.models import Account, Membership, User
from accounts.permissions import Role
from accounts.plans import PlanCode

DEMO_PASSWORD = "demo-console-2026"


@dataclass
class DemoData:
    """What the accounts seed made, handed to the other apps' seed functions."""

    users: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    # {(account name, project name): Project}, filled by projects.demo.
    projects: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)


def _user(email, name, *, staff=False):
    user, _ = User.objects.get_or_create(email=email, defaults={"name": name})
    user.name = name
    user.is_staff = user.is_superuser = staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"primary": True, "verified": True}
    )
    return user


def _account(name, owner, plan):
    account = Account.objects.filter(
        name=name, memberships__user=owner, memberships__role=Role.OWNER
    ).first()
    if account is None:
        account = services.account_create(owner=owner, name=name, plan=plan)
    elif account.plan != plan:
        account.plan = plan
        account.save(update_fields=["plan"])
    return account


def _member(account, user, role):
    Membership.objects.update_or_create(account=account, user=user, defaults={"role": role})


@transaction.atomic
def seed() -> DemoData:
    data = DemoData()
    owner = _user("owner@example.com", "Olivia Owner")
    admin = _user("admin@example.com", "Adam Admin")
    reader = _user("reader@example.com", "Rita Reader")
    support = _user("support@example.com", "Sam Support", staff=True)
    acme = _account("Acme Speech", owner, PlanCode.CONTRACTED)
    studio = _account("Rita's Studio", reader, PlanCode.FREE)
    _member(acme, admin, Role.ADMIN)
    _member(acme, reader, Role.READER)
    data.users = {"owner": owner, "admin": admin, "reader": reader, "support": support}
    data.accounts = {"acme": acme, "studio": studio}
    data.lines = [
        f"login {owner.email} {DEMO_PASSWORD} owner@{acme.name}",
        f"login {admin.email} {DEMO_PASSWORD} admin@{acme.name}",
        f"login {reader.email} {DEMO_PASSWORD} reader@{acme.name}",
        f"login {reader.email} {DEMO_PASSWORD} owner@{studio.name}",
        f"login {support.email} {DEMO_PASSWORD} staff@support (Django admin at /support/)",
    ]
    return data
