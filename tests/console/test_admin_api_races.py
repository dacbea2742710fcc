"""Plan limits hold through the admin API under concurrent requests (real threads, PostgreSQL)."""

import threading

import pytest
from django.db import connections

from accounts.plans import PlanCode
from projects.models import Project
from tests.console.api_support import Api, issue_admin_key
from tests.factories import account_with_owner

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    """Run each call at once on its own thread and connection; their responses' statuses."""
    barrier = threading.Barrier(len(calls))
    statuses = []

    def run(call):
        try:
            barrier.wait()
            statuses.append(call().status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(statuses)


def test_sixteen_concurrent_project_creates_at_the_limit():
    owner = account_with_owner(plan=PlanCode.FREE)
    account = owner.account
    api = Api(issue_admin_key(account, owner.user))
    Project.objects.create(account=account, name="Existing")

    statuses = race([lambda n=n: api.post("/projects", {"name": f"Race {n}"}) for n in range(16)])

    assert statuses == [201] + [409] * 15
    assert Project.objects.for_account(account).count() == 2
