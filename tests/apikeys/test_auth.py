"""Key authentication for the API (K1, K3, R3): one lookup, no stale cache, rare writes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership
from apikeys import keys
from apikeys.auth import LAST_USED_RESOLUTION, KeyAuthError, authenticate, record_use
from apikeys.models import ApiKey
from apikeys.services import apikey_delete
from projects.services import project_delete

pytestmark = pytest.mark.django_db


def test_a_live_key_authenticates_to_its_project(issue_key, project):
    issued = issue_key()
    api_key = authenticate(issued.secret)
    assert api_key.pk == issued.api_key.pk
    assert api_key.project == project


def test_bearer_form_is_accepted(issue_key):
    issued = issue_key()
    assert authenticate(f"Bearer {issued.secret}").pk == issued.api_key.pk
    assert authenticate(f"bearer  {issued.secret} ").pk == issued.api_key.pk


@pytest.mark.parametrize("value", [None, "", "   ", "Bearer ", "not-a-key", "ak_live_short"])
def test_missing_or_malformed_keys_are_refused(value, issue_key):
    issue_key()
    with pytest.raises(KeyAuthError):
        authenticate(value)


def test_bad_checksum_is_refused_before_any_query(issue_key, django_assert_num_queries):
    secret = issue_key().secret
    typo = secret[:-1] + ("0" if secret[-1] != "0" else "1")
    with django_assert_num_queries(0), pytest.raises(KeyAuthError):
        authenticate(typo)


def test_a_well_formed_unknown_key_is_refused():
    with pytest.raises(KeyAuthError):
        authenticate(keys.generate_key())


def test_a_deleted_key_is_refused_on_the_next_request(team, issue_key):
    issued = issue_key()
    authenticate(issued.secret)
    apikey_delete(account=team.account, actor=team.admin, api_key=issued.api_key)
    with pytest.raises(KeyAuthError):
        authenticate(issued.secret)


def test_keys_of_a_deleted_project_are_refused(team, issue_key, project):
    issued = issue_key()
    project_delete(account=team.account, actor=team.owner, project=project)
    with pytest.raises(KeyAuthError):
        authenticate(issued.secret)


def test_a_removed_creators_key_keeps_working(team, issue_key):
    issued = issue_key(actor=team.admin)
    Membership.objects.filter(account=team.account, user=team.admin).delete()
    api_key = authenticate(issued.secret)
    assert api_key.pk == issued.api_key.pk
    assert api_key.project.account == team.account
    assert api_key.created_by_email == "admin@acme.test"


def _use(secret, address="203.0.113.9"):
    record_use(authenticate(secret), address)


def test_last_used_is_written_at_most_once_per_window(issue_key, django_assert_num_queries):
    """Time and address (K7), with at most one write per key per window."""
    issued = issue_key()
    assert issued.api_key.last_used_at is None
    with django_assert_num_queries(2):  # the lookup and the first write
        _use(issued.secret)
    first = ApiKey.objects.get(pk=issued.api_key.pk)
    assert first.last_used_at is not None
    assert first.last_used_ip == "203.0.113.9"
    for _ in range(5):
        with django_assert_num_queries(1):  # the lookup only
            _use(issued.secret, "2001:db8::1")
    again = ApiKey.objects.get(pk=issued.api_key.pk)
    assert (again.last_used_at, again.last_used_ip) == (first.last_used_at, "203.0.113.9")

    # Once the window has passed, the next request writes again.
    stale = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    ApiKey.objects.filter(pk=issued.api_key.pk).update(last_used_at=stale)
    with django_assert_num_queries(2):
        _use(issued.secret, "2001:db8::1")
    written = ApiKey.objects.get(pk=issued.api_key.pk)
    assert written.last_used_at > stale
    assert written.last_used_ip == "2001:db8::1"
