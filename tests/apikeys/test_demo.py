"""`seed_demo` makes demo projects and prints a fresh working key for each, every run."""

import re

import pytest

from accounts import demo as accounts_demo
from apikeys import demo as apikeys_demo
from apikeys.auth import KeyAuthError, authenticate
from apikeys.models import ApiKey
from projects import demo as projects_demo
from projects.models import Project

pytestmark = pytest.mark.django_db

LINE = re.compile(r"apikey (?P<account>.+)/(?P<project>[^/ ]+) (?P<key>ak_live_\w+)")


def _seed():
    data = accounts_demo.seed()
    lines = projects_demo.seed(data) + apikeys_demo.seed(data)
    return data, [LINE.fullmatch(line) for line in lines]


def test_seed_prints_one_working_key_per_demo_project_and_replaces_them_each_run():
    data, first = _seed()
    assert all(first)
    printed = {(m["account"], m["project"]) for m in first}
    assert printed == {
        (account.name, name)
        for account in data.accounts.values()
        for name in ("Production", "Staging")
    }
    for match in first:
        project = authenticate(match["key"]).project
        assert (project.account.name, project.name) == (match["account"], match["project"])

    data, second = _seed()
    # Idempotent projects, fresh keys; the old demo keys no longer work.
    assert Project.objects.count() == 4
    assert ApiKey.objects.live().count() == 4
    for old in first:
        with pytest.raises(KeyAuthError):
            authenticate(old["key"])
    for new in second:
        assert authenticate(new["key"])
