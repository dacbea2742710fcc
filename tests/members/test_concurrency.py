"""The member limit holds under concurrent invites (M1; DESIGN "Limits ... hold under concurrent requests")."""

import threading

import pytest
from django.db import connections

from accounts.plans import LimitReached, PlanCode
from members import services
from members.models import Invitation
from tests.factories import MembershipFactory, account_with_owner

pytestmark = pytest.mark.django_db(transaction=True)


def test_sixteen_concurrent_invites_with_two_seats_left():
    owner = account_with_owner(plan=PlanCode.PAYG)
    account = owner.account
    for _ in range(17):
        MembershipFactory(account=account)
    assert account.seats_used() == 18

    barrier = threading.Barrier(16)
    outcomes = []

    def invite(n):
        try:
            barrier.wait()
            services.invitation_create(
                account=account, actor=owner.user, email=f"race{n}@example.test", role="reader"
            )
            outcomes.append("ok")
        except LimitReached:
            outcomes.append("limit")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=invite, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["limit"] * 14 + ["ok"] * 2
    assert Invitation.objects.pending_for_account(account).count() == 2
    assert account.seats_used() == 20
