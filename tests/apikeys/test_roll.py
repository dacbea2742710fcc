"""Rolling a key (K6): the successor, the overlap, one successor under a race, the pages."""

import re
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.plans import PlanCode, Resource, usage_of
from apikeys.auth import EXPIRED, KeyAuthError, authenticate
from apikeys.models import ApiKey
from apikeys.services import account_key_lifetime_update, apikey_create, apikey_roll
from projects.models import Project
from tests.factories import account_with_owner

pytestmark = pytest.mark.django_db


def _issue(team, project, **fields):
    return apikey_create(account=team.account, actor=team.owner, project=project, **fields)


def test_the_successor_copies_the_key_and_both_work_during_the_overlap(team, project):
    old = _issue(
        team,
        project,
        name="Backend",
        scope="transcribe",
        allowed_ips=["203.0.113.0/24", "2001:db8::/32"],
        expires_at=timezone.now() + timedelta(days=90),
    )
    rolled = apikey_roll(
        account=team.account, actor=team.admin, api_key=old.api_key, overlap=timedelta(hours=1)
    )
    new = rolled.api_key
    assert new.name == "Backend (rolled)"
    assert (new.project, new.scope, new.allowed_ips) == (
        project,
        "transcribe",
        ["203.0.113.0/24", "2001:db8::/32"],
    )
    assert new.rolled_from_id == old.api_key.pk
    assert abs(new.lifetime - timedelta(days=90)) < timedelta(seconds=5)
    assert rolled.secret != old.secret

    # The overlap: both authenticate until the old key's end, to the second.
    ends = ApiKey.objects.get(pk=old.api_key.pk).expires_at
    assert timedelta(minutes=59) < ends - timezone.now() <= timedelta(hours=1)
    assert authenticate(old.secret).pk == old.api_key.pk
    assert authenticate(rolled.secret).pk == new.pk
    ApiKey.objects.filter(pk=old.api_key.pk).update(
        expires_at=timezone.now() + timedelta(seconds=1)
    )
    assert authenticate(old.secret).pk == old.api_key.pk
    ApiKey.objects.filter(pk=old.api_key.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(KeyAuthError, match=EXPIRED):
        authenticate(old.secret)
    assert authenticate(rolled.secret).pk == new.pk

    roll_event = AuditEvent.objects.get(action="apikey.roll")
    assert roll_event.actor == team.admin
    assert roll_event.target_id == str(old.api_key.pk)
    assert roll_event.metadata["successor"] == new.prefix
    created = AuditEvent.objects.get(action="apikey.create", target_id=str(new.pk))
    assert created.metadata["rolled_from"] == old.api_key.prefix
    assert rolled.secret not in repr(roll_event.metadata) + repr(created.metadata)


def test_an_overlap_of_now_stops_the_old_key_at_once(team, project):
    old = _issue(team, project, name="k")
    rolled = apikey_roll(
        account=team.account, actor=team.owner, api_key=old.api_key, overlap=timedelta(0)
    )
    with pytest.raises(KeyAuthError, match=EXPIRED):
        authenticate(old.secret)
    assert authenticate(rolled.secret)
    assert rolled.api_key.expires_at is None  # the old key never expired: neither does this one


def test_the_overlap_never_extends_a_key_and_the_policy_bounds_the_successor(team, project):
    old = _issue(team, project, name="k", expires_at=timezone.now() + timedelta(hours=2))
    account_key_lifetime_update(account=team.account, actor=team.owner, max_days=7)
    team.account.refresh_from_db()
    forever = ApiKey.objects.create(
        project=project, name="Legacy", prefix="ak_live_xxxx", digest="0" * 64
    )
    apikey_roll(account=team.account, actor=team.owner, api_key=old.api_key, overlap=timedelta(7))
    assert ApiKey.objects.get(pk=old.api_key.pk).expires_at <= timezone.now() + timedelta(hours=2)
    successor = apikey_roll(
        account=team.account, actor=team.owner, api_key=forever, overlap=timedelta(hours=1)
    ).api_key
    assert abs(successor.lifetime - timedelta(days=7)) < timedelta(seconds=5)


def test_rolled_keys_are_not_rolled_again_nor_are_expired_ones(team, project):
    old = _issue(team, project, name="k")
    apikey_roll(account=team.account, actor=team.owner, api_key=old.api_key, overlap=timedelta(1))
    with pytest.raises(ValidationError, match="already rolled"):
        apikey_roll(
            account=team.account, actor=team.owner, api_key=old.api_key, overlap=timedelta(1)
        )
    stale = _issue(team, project, name="stale", expires_at=timezone.now() + timedelta(days=1))
    ApiKey.objects.filter(pk=stale.api_key.pk).update(expires_at=timezone.now())
    with pytest.raises(ValidationError, match="has expired"):
        apikey_roll(
            account=team.account, actor=team.owner, api_key=stale.api_key, overlap=timedelta(0)
        )
    with pytest.raises(PermissionDenied):
        apikey_roll(
            account=team.account, actor=team.reader, api_key=old.api_key, overlap=timedelta(0)
        )


def test_a_roll_at_the_plan_limit_works_and_keeps_the_count():
    owner = account_with_owner(plan=PlanCode.FREE)
    project = Project.objects.create(account=owner.account, name="P")
    issued = [
        apikey_create(account=owner.account, actor=owner.user, project=project, name=f"k{i}")
        for i in range(2)
    ]
    assert usage_of(owner.account, Resource.API_KEYS) == 2
    apikey_roll(
        account=owner.account, actor=owner.user, api_key=issued[0].api_key, overlap=timedelta(7)
    )
    assert usage_of(owner.account, Resource.API_KEYS) == 2
    assert ApiKey.objects.for_account(owner.account).count() == 3


@pytest.mark.django_db(transaction=True)
def test_rolling_twice_at_once_makes_one_successor():
    owner = account_with_owner(plan=PlanCode.CONTRACTED)
    project = Project.objects.create(account=owner.account, name="P")
    old = apikey_create(account=owner.account, actor=owner.user, project=project, name="k")
    barrier = threading.Barrier(4)
    outcomes = []

    def roll():
        try:
            barrier.wait()
            apikey_roll(
                account=owner.account, actor=owner.user, api_key=old.api_key, overlap=timedelta(1)
            )
            outcomes.append("rolled")
        except ValidationError as error:
            outcomes.append("refused" if "already rolled" in str(error) else repr(error))
        except Exception as error:  # an IntegrityError here is the bug this test is for
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=roll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 3 + ["rolled"]
    assert ApiKey.objects.filter(rolled_from=old.api_key).count() == 1
    assert AuditEvent.objects.filter(action="apikey.roll").count() == 1


def test_the_roll_page_shows_the_successor_once_and_the_list_shows_the_pair(team, clients, project):
    old = _issue(team, project, name="Backend")
    client = clients["admin"]
    confirm = client.get(reverse("apikeys:roll", args=[old.api_key.pk]))
    assert confirm.status_code == 200 and "Roll the key Backend?" in confirm.content.decode()
    response = client.post(reverse("apikeys:roll", args=[old.api_key.pk]), {"overlap": "24h"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    secret = re.search(r'id="secret" class="secret" value="(ak_live_\w+)"', page).group(1)
    new = authenticate(secret)
    assert new.rolled_from_id == old.api_key.pk
    assert "API key rolled" in page and "keeps working until" in page

    listing = client.get(reverse("apikeys:list")).content.decode()
    assert secret not in listing
    rows = re.findall(r'<tr id="key-(\d+)"', listing)
    assert rows[:2] == [str(new.pk), str(old.api_key.pk)]  # the pair, successor first
    assert re.search(r"Rolled to <code>[^<]+</code>: works for 23\xa0hours", listing)

    again = client.post(reverse("apikeys:roll", args=[old.api_key.pk]), {"overlap": "1h"})
    assert again.status_code == 302
    messages = client.get(reverse("apikeys:list")).content.decode()
    assert "already rolled" in messages
    assert ApiKey.objects.filter(rolled_from=old.api_key).count() == 1
