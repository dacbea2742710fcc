"""Issuing and deleting keys: limits, shown once, never stored in clear (K2-K4, R3)."""

import logging
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from accounts.models import AuditEvent
from accounts.plans import LimitReached, PlanCode
from apikeys import keys
from apikeys.auth import authenticate
from apikeys.models import ApiKey
from apikeys.services import AlreadyCreated, apikey_create, apikey_delete
from projects.models import Project
from projects.services import project_delete
from tests.factories import account_with_owner


def _all_database_text() -> str:
    """Every row of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.mark.django_db
def test_create_returns_the_secret_and_stores_only_digest_and_prefix(team, project, caplog):
    caplog.set_level(logging.DEBUG)
    issued = apikey_create(
        account=team.account, actor=team.admin, project=project, name=" Production API "
    )
    api_key = ApiKey.objects.get(pk=issued.api_key.pk)
    assert api_key.name == "Production API"
    assert api_key.project == project
    assert api_key.digest == keys.digest(issued.secret)
    assert issued.secret.startswith(api_key.prefix)
    assert api_key.created_by == team.admin
    assert api_key.created_by_email == "admin@acme.test"

    # No column of any table holds the secret, nor its random part; nor do the logs.
    everything = _all_database_text()
    assert issued.secret not in everything
    assert issued.secret[len(keys.KEY_PREFIX) : -6] not in everything
    assert issued.secret not in caplog.text

    event = AuditEvent.objects.get(action="apikey.create")
    assert event.actor == team.admin
    assert event.target_id == str(api_key.pk)
    assert issued.secret not in repr(event.metadata)


@pytest.mark.django_db
def test_readers_cannot_create_or_delete(team, project, issue_key):
    with pytest.raises(PermissionDenied):
        apikey_create(account=team.account, actor=team.reader, project=project, name="x")
    issued = issue_key()
    with pytest.raises(PermissionDenied):
        apikey_delete(account=team.account, actor=team.reader, api_key=issued.api_key)
    with pytest.raises(PermissionDenied):
        apikey_delete(account=team.account, actor=team.outsider, api_key=issued.api_key)
    assert authenticate(issued.secret)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "x" * 200])
def test_bad_names_are_refused(team, project, name):
    with pytest.raises(ValidationError):
        apikey_create(account=team.account, actor=team.owner, project=project, name=name)
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_a_foreign_or_deleted_project_gets_no_key(team, project):
    foreign = Project.objects.create(account=team.outsider_account, name="Theirs")
    with pytest.raises(ValidationError):
        apikey_create(account=team.account, actor=team.owner, project=foreign, name="x")
    project_delete(account=team.account, actor=team.owner, project=project)
    with pytest.raises(ValidationError, match="no longer exists"):
        apikey_create(account=team.account, actor=team.owner, project=project, name="x")
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_a_form_submitted_twice_makes_one_key(team, project):
    first = apikey_create(
        account=team.account, actor=team.owner, project=project, name="API", create_token="t1"
    )
    with pytest.raises(AlreadyCreated) as caught:
        apikey_create(
            account=team.account, actor=team.owner, project=project, name="API", create_token="t1"
        )
    assert caught.value.api_key == first.api_key
    assert ApiKey.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "limit"), [(PlanCode.FREE, 2), (PlanCode.PAYG, 4), (PlanCode.CONTRACTED, 25)]
)
def test_the_key_limit_counts_the_whole_account(plan, limit):
    owner = account_with_owner(plan=plan)
    account, user = owner.account, owner.user
    projects = [Project.objects.create(account=account, name=f"P{i}") for i in range(2)]
    for i in range(limit):
        apikey_create(account=account, actor=user, project=projects[i % 2], name=f"k{i}")
    with pytest.raises(LimitReached) as caught:
        apikey_create(account=account, actor=user, project=projects[0], name="one more")
    plan_name = {"free": "Free", "payg": "PAYG", "contracted": "Contracted"}[plan]
    assert str(caught.value) == f"Your {plan_name} plan allows {limit} API keys."
    assert ApiKey.objects.for_account(account).count() == limit

    # A deleted key frees its place.
    apikey_delete(account=account, actor=user, api_key=ApiKey.objects.for_account(account)[0])
    apikey_create(account=account, actor=user, project=projects[0], name="replacement")


@pytest.mark.django_db
def test_enterprise_limit_is_per_account():
    owner = account_with_owner(plan=PlanCode.ENTERPRISE, custom_max_api_keys=1)
    project = Project.objects.create(account=owner.account, name="P")
    apikey_create(account=owner.account, actor=owner.user, project=project, name="a")
    with pytest.raises(LimitReached, match="Enterprise plan allows 1 API keys"):
        apikey_create(account=owner.account, actor=owner.user, project=project, name="b")


@pytest.mark.django_db
def test_delete_stops_the_key_and_is_audited(team, issue_key):
    issued = issue_key()
    apikey_delete(account=team.account, actor=team.admin, api_key=issued.api_key)
    assert ApiKey.objects.get(pk=issued.api_key.pk).deleted_at is not None
    assert not ApiKey.objects.for_account(team.account).exists()
    event = AuditEvent.objects.get(action="apikey.delete")
    assert event.actor == team.admin
    assert event.target_label == "Backend key"
    # Deleting it again, or from another account, is refused with a message.
    with pytest.raises(ValidationError):
        apikey_delete(account=team.account, actor=team.admin, api_key=issued.api_key)


@pytest.mark.django_db
def test_another_accounts_key_cannot_be_deleted(team, issue_key):
    issued = issue_key()
    with pytest.raises(ValidationError):
        apikey_delete(account=team.outsider_account, actor=team.outsider, api_key=issued.api_key)
    assert authenticate(issued.secret)


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_at_the_limit_never_exceed_it():
    owner = account_with_owner(plan=PlanCode.FREE)
    account, user = owner.account, owner.user
    project = Project.objects.create(account=account, name="P")
    barrier = threading.Barrier(16)
    outcomes = []

    def create(i):
        try:
            barrier.wait()
            apikey_create(account=account, actor=user, project=project, name=f"k{i}")
            outcomes.append("created")
        except LimitReached:
            outcomes.append("limit")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] * 2 + ["limit"] * 14
    assert ApiKey.objects.for_account(account).count() == 2
