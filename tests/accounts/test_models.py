"""Database constraints behind R1: one Owner per account, one membership per user and account."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Membership
from accounts.permissions import Role
from accounts.plans import PlanCode, Resource, limit_for
from tests.factories import AccountFactory, MembershipFactory, UserFactory, account_with_owner

pytestmark = pytest.mark.django_db


def test_second_owner_is_refused_by_the_database():
    owner = account_with_owner()
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(account=owner.account, role=Role.OWNER)


def test_owners_of_different_accounts_are_fine():
    # "One Owner" is per account: neither another account's Owner nor the same
    # person owning a second account trips the constraint.
    first, second = account_with_owner(), account_with_owner()
    also_first = account_with_owner(owner=first.user)
    owners = Membership.objects.filter(role=Role.OWNER)
    assert set(owners.values_list("account_id", "user_id")) == {
        (first.account_id, first.user_id),
        (second.account_id, second.user_id),
        (also_first.account_id, first.user_id),
    }


def test_duplicate_membership_is_refused():
    membership = MembershipFactory(role=Role.READER)
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(user=membership.user, account=membership.account, role=Role.ADMIN)


def test_unknown_role_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(role="superuser")


def test_one_person_may_hold_different_roles_in_different_accounts():
    user = UserFactory()
    MembershipFactory(user=user, role=Role.OWNER)
    MembershipFactory(user=user, role=Role.READER)
    assert sorted(user.memberships.values_list("role", flat=True)) == ["owner", "reader"]


@pytest.mark.parametrize(
    ("plan", "projects", "keys", "members"),
    [
        (PlanCode.FREE, 2, 2, 2),
        (PlanCode.PAYG, 2, 4, 20),
        (PlanCode.CONTRACTED, 5, 25, 20),
        (PlanCode.ENTERPRISE, 5, 25, 20),
    ],
)
def test_plan_table(plan, projects, keys, members):
    account = AccountFactory(plan=plan)
    assert limit_for(account, Resource.PROJECTS) == projects
    assert limit_for(account, Resource.API_KEYS) == keys
    assert limit_for(account, Resource.MEMBERS) == members


def test_enterprise_custom_limits_override_the_plan():
    account = AccountFactory(
        plan=PlanCode.ENTERPRISE, custom_max_projects=40, custom_max_api_keys=300
    )
    assert limit_for(account, Resource.PROJECTS) == 40
    assert limit_for(account, Resource.API_KEYS) == 300
    assert limit_for(account, Resource.MEMBERS) == 20


def test_custom_limits_do_not_apply_to_other_plans():
    account = AccountFactory(plan=PlanCode.FREE, custom_max_projects=40)
    assert limit_for(account, Resource.PROJECTS) == 2


def test_billing_email_follows_the_owner():
    owner = account_with_owner(owner=UserFactory(email="boss@example.com"))
    assert owner.account.billing_email == "boss@example.com"
