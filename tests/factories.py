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
