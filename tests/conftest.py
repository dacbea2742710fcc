"""Named personas (owner, admin, reader of one account; outsider owns another)."""

import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client

from accounts.middleware import SEEN_KEY, SESSION_KEY
from accounts.permissions import Role
from accounts.plans import PlanCode
from tests.factories import AccountFactory, MembershipFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Team:
    account: object
    owner: object
    admin: object
    reader: object
    outsider: object
    outsider_account: object

    def user(self, persona):
        return getattr(self, persona)


@pytest.fixture
def team(db):
    account = AccountFactory(name="Acme", plan=PlanCode.CONTRACTED)
    owner = MembershipFactory(account=account, role=Role.OWNER, user__email="owner@acme.test").user
    admin = MembershipFactory(account=account, role=Role.ADMIN, user__email="admin@acme.test").user
    reader = MembershipFactory(
        account=account, role=Role.READER, user__email="reader@acme.test"
    ).user
    outsider_account = AccountFactory(name="Other Co")
    outsider = MembershipFactory(
        account=outsider_account, role=Role.OWNER, user__email="owner@other.test"
    ).user
    return Team(account, owner, admin, reader, outsider, outsider_account)


def login_client(user, account=None) -> Client:
    """A test client logged in as `user`, with `account` chosen in the session."""
    client = Client()
    client.force_login(user)
    session = client.session
    # As after a real login: the session's activity was just recorded (accounts.middleware).
    session[SEEN_KEY] = int(time.time())
    if account is not None:
        session[SESSION_KEY] = account.pk
    session.save()
    return client


def support_client(staff) -> Client:
    """A test client of a staff user with MFA, whose session gave its second factor."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.factories import enrol_mfa

    device, _codes = enrol_mfa(staff)
    client = login_client(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def clients(team):
    """One client per persona; members of the team's account have it chosen."""
    return {
        "anonymous": Client(),
        "reader": login_client(team.reader, team.account),
        "admin": login_client(team.admin, team.account),
        "owner": login_client(team.owner, team.account),
        "outsider": login_client(team.outsider, team.outsider_account),
    }


@pytest.fixture
def eager_celery(settings):
    """Run Celery tasks in-process, at the commit that enqueues them."""
    from config.celery import app

    # Read before changing settings: Celery's conf reads through to them.
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    """A WAV of clear English speech, made once per run."""
    from tests.transcripts.api_support import espeak

    return espeak(tmp_path_factory.mktemp("speech") / "speech.wav")


@pytest.fixture
def local_http():
    """A threaded HTTP server on 127.0.0.1 (tests/local_http.py), stopped afterwards."""
    from tests.local_http import serve

    state, server = serve()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    """Outbound requests may reach 127.0.0.1 (and only it, of the loopback range)."""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
