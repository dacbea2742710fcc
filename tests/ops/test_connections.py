"""Connections and per-request reads: pooled PostgreSQL connections, sessions in Redis, one membership lookup."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from accounts.permissions import Action, Role
from accounts.services import ensure_can, remember_memberships
from projects.models import Project

pytestmark = pytest.mark.django_db

MEMBERSHIP_TABLE = Membership._meta.db_table


def membership_reads(queries) -> list[str]:
    """Reads of the signed-in user's own memberships (counts of an account's members aside)."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT")
        and re.search(rf'"{MEMBERSHIP_TABLE}"\."user_id" = \d', q["sql"])
    ]


def test_postgresql_connections_come_from_a_pool():
    assert connection.vendor == "postgresql"
    assert connection.pool is not None
    # A connection is checked before it is lent out: a restarted database costs no request.
    assert settings.DATABASES["default"]["OPTIONS"]["pool"]["check"] is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.pool.get_stats()["pool_size"] >= 1


def test_sessions_are_read_from_redis_and_kept_in_the_database(clients, team):
    assert settings.REDIS_URL
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    client = clients["owner"]
    assert client.get("/").status_code == 200
    key = client.session.session_key
    assert cache.get(KEY_PREFIX + key) is not None
    # The database copy survives the cache losing it: nobody is signed out by a Redis restart.
    cache.clear()
    assert client.get("/").context["user"] == team.owner


@pytest.mark.parametrize("path", ["/", "/projects/", "/members/", "/reporting/"])
def test_a_page_reads_the_membership_once(clients, path):
    client = clients["admin"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert len(membership_reads(queries.captured_queries)) == 1, membership_reads(
        queries.captured_queries
    )
    # The switcher still lists the memberships, from that one read.
    assert [m.account.name for m in response.context["switcher_memberships"]] == ["Acme"]


def test_a_service_reuses_the_membership_the_request_loaded(clients, team):
    with CaptureQueriesContext(connection) as queries:
        response = clients["admin"].post("/projects/new/", {"name": "Once"})
    assert response.status_code == 302
    assert Project.objects.for_account(team.account).filter(name="Once").exists()
    assert len(membership_reads(queries.captured_queries)) == 1


def test_a_role_changed_during_the_request_is_read_again(clients, team):
    # ensure_can reuses a loaded membership only while no membership changed since.
    membership = Membership.objects.get(user=team.admin, account=team.account)
    remember_memberships(team.admin, [membership])
    Membership.objects.filter(pk=membership.pk).update(role=Role.READER)
    # update() sends no signal: the loaded copy is reused, as the request saw it...
    assert ensure_can(actor=team.admin, account=team.account, action=Action.MANAGE_PROJECTS)
    # ...but a save (as every service does) makes the next check read again.
    membership.refresh_from_db()
    membership.save()
    with pytest.raises(PermissionDenied):
        ensure_can(actor=team.admin, account=team.account, action=Action.MANAGE_PROJECTS)


def test_a_membership_of_another_account_is_never_reused(team):
    own = Membership.objects.get(user=team.outsider, account=team.outsider_account)
    remember_memberships(team.outsider, [own])
    with pytest.raises(PermissionDenied):
        ensure_can(actor=team.outsider, account=team.account, action=Action.VIEW)
