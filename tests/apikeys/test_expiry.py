"""Expiry (K5): the boundary to the second, the account's maximum lifetime, the notices."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from apikeys import keys
from apikeys.auth import EXPIRED, INVALID, KeyAuthError, authenticate
from apikeys.models import ApiKey, ExpiryNotice
from apikeys.services import account_key_lifetime_update, apikey_create, apikey_expiry_notices_send
from apikeys.signals import api_key_expired, api_key_expiring

pytestmark = pytest.mark.django_db


def _expire_at(api_key, moment):
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=moment)


def test_one_second_before_expiry_the_key_works_and_one_second_after_it_is_expired(issue_key):
    issued = issue_key()
    _expire_at(issued.api_key, timezone.now() + timedelta(seconds=1))
    assert authenticate(issued.secret).pk == issued.api_key.pk
    _expire_at(issued.api_key, timezone.now() - timedelta(seconds=1))
    with pytest.raises(KeyAuthError, match=EXPIRED):
        authenticate(issued.secret)


def test_the_api_tells_an_expired_key_from_an_unknown_one(issue_key):
    issued = issue_key()
    _expire_at(issued.api_key, timezone.now() - timedelta(seconds=1))
    client = Client()
    expired = client.get("/v2/transcript", HTTP_AUTHORIZATION=issued.secret)
    assert (expired.status_code, expired.json()) == (401, {"error": "API key expired"})
    unknown = client.get("/v2/transcript", HTTP_AUTHORIZATION=keys.generate_key())
    assert (unknown.status_code, unknown.json()) == (401, {"error": INVALID})


@pytest.mark.parametrize("days", [7, 30, 90, 365])
def test_create_with_a_lifetime(team, project, days):
    before = timezone.now()
    issued = apikey_create(
        account=team.account,
        actor=team.owner,
        project=project,
        name="k",
        expires_at=before + timedelta(days=days),
    )
    assert issued.api_key.lifetime is not None
    assert abs(issued.api_key.lifetime - timedelta(days=days)) < timedelta(seconds=5)


def test_the_policy_refuses_never_and_longer_lifetimes_on_create(team, project):
    account_key_lifetime_update(account=team.account, actor=team.admin, max_days=30)
    team.account.refresh_from_db()
    now = timezone.now()
    for expires_at in (None, now + timedelta(days=31), now - timedelta(seconds=1)):
        with pytest.raises(ValidationError) as refused:
            apikey_create(
                account=team.account,
                actor=team.owner,
                project=project,
                name="k",
                expires_at=expires_at,
            )
        assert "expires" in refused.value.error_dict
    ok = apikey_create(
        account=team.account,
        actor=team.owner,
        project=project,
        name="k",
        expires_at=now + timedelta(days=30),
    )
    assert not ok.api_key.out_of_policy(30)


def test_the_form_offers_only_what_the_policy_allows_and_says_why(team, clients, project):
    account_key_lifetime_update(account=team.account, actor=team.owner, max_days=30)
    client = clients["owner"]
    page = client.get(reverse("apikeys:list")).content.decode()
    assert 'value="never"' not in page
    assert 'value="90"' not in page
    assert "keys expire within 30 days" in page
    day = (timezone.now() + timedelta(days=45)).date().isoformat()
    response = client.post(
        reverse("apikeys:create"),
        {"project": project.pk, "name": "Too long", "expires": "date", "expires_on": day},
    )
    assert response.status_code == 200
    assert "policy requires keys to expire within 30 days" in response.content.decode()
    assert not ApiKey.objects.filter(name="Too long").exists()
    # Left out of the post, the expiry is the policy's longest.
    client.post(reverse("apikeys:create"), {"project": project.pk, "name": "Defaulted"})
    defaulted = ApiKey.objects.get(name="Defaulted")
    assert abs(defaulted.lifetime - timedelta(days=30)) < timedelta(seconds=5)


def test_a_date_expiry_starts_that_day(team, clients, project):
    day = (timezone.now() + timedelta(days=3)).date()
    clients["owner"].post(
        reverse("apikeys:create"),
        {"project": project.pk, "name": "Dated", "expires": "date", "expires_on": day.isoformat()},
    )
    dated = ApiKey.objects.get(name="Dated")
    assert dated.expires_at.date() == day
    assert (dated.expires_at.hour, dated.expires_at.minute) == (0, 0)


def test_existing_keys_are_listed_out_of_policy_and_keep_working(team, clients, issue_key):
    issued = issue_key("Forever key")
    account_key_lifetime_update(account=team.account, actor=team.owner, max_days=90)
    assert authenticate(issued.secret).pk == issued.api_key.pk
    row = clients["reader"].get(reverse("apikeys:list")).content.decode()
    assert "Out of policy" in row
    event = AuditEvent.objects.get(action="account.key_lifetime")
    assert event.metadata == {"from": "No maximum", "to": "90 days"}


def test_readers_cannot_set_the_policy(team, clients):
    with pytest.raises(PermissionDenied):
        account_key_lifetime_update(account=team.account, actor=team.reader, max_days=7)
    assert clients["reader"].post(reverse("apikeys:policy"), {"max_days": "7"}).status_code == 403
    with pytest.raises(ValidationError):
        account_key_lifetime_update(account=team.account, actor=team.owner, max_days=12)


def test_the_policy_is_set_on_the_account_settings_page(team, clients):
    client = clients["admin"]
    page = client.get(reverse("accounts:settings")).content.decode()
    assert 'action="/keys/policy/"' in page and "Maximum API key lifetime" in page
    response = client.post(reverse("apikeys:policy"), {"max_days": "7"})
    assert response.status_code == 302
    team.account.refresh_from_db()
    assert team.account.max_key_lifetime_days == 7
    client.post(reverse("apikeys:policy"), {"max_days": ""})
    team.account.refresh_from_db()
    assert team.account.max_key_lifetime_days is None


class Heard:
    def __init__(self):
        self.calls = []

    def __call__(self, sender, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def heard():
    expiring, expired = Heard(), Heard()
    api_key_expiring.connect(expiring)
    api_key_expired.connect(expired)
    yield expiring, expired
    api_key_expiring.disconnect(expiring)
    api_key_expired.disconnect(expired)


def test_notices_go_7_days_and_1_day_ahead_and_on_expiry_each_once(
    team, issue_key, heard, django_capture_on_commit_callbacks
):
    expiring, expired = heard
    issued = issue_key("Nightly")
    now = timezone.now()
    _expire_at(issued.api_key, now + timedelta(days=8))

    def run(at):
        with django_capture_on_commit_callbacks(execute=True):
            return apikey_expiry_notices_send(now=at)

    assert run(now) == 0
    assert run(now + timedelta(days=1, seconds=1)) == 1  # 7 days minus a second ahead
    assert run(now + timedelta(days=1, seconds=2)) == 0  # once only
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("API key “Nightly” expires in 7 days")
    assert sorted(mail.outbox[0].to) == ["admin@acme.test", "owner@acme.test"]
    assert f"/keys/{issued.api_key.pk}/" in mail.outbox[0].body
    assert [c["days_left"] for c in expiring.calls] == [7]

    assert run(now + timedelta(days=7, seconds=1)) == 1
    assert run(now + timedelta(days=7, seconds=2)) == 0
    assert mail.outbox[-1].subject.endswith("expires in 1 day")
    assert [c["days_left"] for c in expiring.calls] == [7, 1]

    assert run(now + timedelta(days=8)) == 1
    assert run(now + timedelta(days=9)) == 0
    assert mail.outbox[-1].subject.endswith("API key “Nightly” has expired")
    assert [c["api_key"].pk for c in expired.calls] == [issued.api_key.pk]
    assert len(mail.outbox) == 3
    assert ApiKey.objects.get(pk=issued.api_key.pk).expiry_notice == ExpiryNotice.EXPIRED
    event = AuditEvent.objects.get(action="apikey.expire")
    assert event.actor is None and event.target_id == str(issued.api_key.pk)


def test_a_key_found_late_gets_only_the_latest_notice(team, issue_key):
    soon = issue_key("Soon")
    _expire_at(soon.api_key, timezone.now() + timedelta(hours=5))
    gone = issue_key("Gone")
    _expire_at(gone.api_key, timezone.now() - timedelta(hours=5))
    deleted = issue_key("Deleted")
    ApiKey.objects.filter(pk=deleted.api_key.pk).update(
        expires_at=timezone.now(), deleted_at=timezone.now()
    )
    assert apikey_expiry_notices_send() == 2
    assert ApiKey.objects.get(pk=soon.api_key.pk).expiry_notice == ExpiryNotice.DAYS_1
    assert ApiKey.objects.get(pk=gone.api_key.pk).expiry_notice == ExpiryNotice.EXPIRED
    assert ApiKey.objects.get(pk=deleted.api_key.pk).expiry_notice == ExpiryNotice.NONE


def test_the_beat_task_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "apikeys.tasks.send_expiry_notices" in tasks
