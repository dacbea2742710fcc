"""Spend limits where their targets are: the API keys and Projects tables, a key's page (C1)."""

import functools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditAction, AuditEvent
from projects.models import Project
from reporting.limits import selectors, services
from reporting.limits.models import SpendLimit
from tests.reporting.support import make_key

DOLLAR = 1_000_000


@pytest.fixture
def record(record):
    """Usage of this very moment: a limit counts the calendar month's (UTC)."""
    return functools.partial(record, occurred_at=timezone.now())


def _set(team, amount, **target):
    return services.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=amount * DOLLAR, **target
    )


def _row(page: str, row_id: str) -> str:
    return page.split(f'id="{row_id}"')[1].split("</tr>")[0]


def test_key_and_project_rows_show_their_limits(usage_world, team, clients):
    world = usage_world
    _set(team, 25, api_key=world.prod_key)
    project_limit = _set(team, 50, project=world.production)
    keys = clients["reader"].get("/keys/").content.decode()
    assert "<th>Spend limit</th>" in keys
    prod = _row(keys, f"key-{world.prod_key.pk}")
    assert "$25.00 / month" in prod
    assert f'href="/keys/{world.prod_key.pk}/#spend-limit"' in prod
    assert "No limit" in _row(keys, f"key-{world.staging_key.pk}")
    projects = clients["reader"].get("/projects/").content.decode()
    production = _row(projects, f"project-{world.production.pk}")
    assert "$50.00 / month" in production
    assert f'href="/reporting/limits/#limit-{project_limit.pk}"' in production
    assert "No limit" in _row(projects, f"project-{world.staging.pk}")
    # The row it links to is on the Spend limits page.
    assert (
        f'id="limit-{project_limit.pk}"'
        in clients["reader"].get("/reporting/limits/").content.decode()
    )


def test_no_limit_on_a_project_links_to_the_form_with_it_chosen(usage_world, clients):
    staging = usage_world.staging
    projects = clients["admin"].get("/projects/").content.decode()
    link = f"/reporting/limits/?target=project:{staging.pk}#set-limit-heading"
    assert link in _row(projects, f"project-{staging.pk}")
    page = clients["admin"].get(link).content.decode()
    assert re.search(rf'<option value="project:{staging.pk}" selected>', page)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/keys/", "/projects/"])
def test_the_rows_limits_are_read_at_once(usage_world, team, clients, url):
    world = usage_world
    _set(team, 25, api_key=world.prod_key)
    _set(team, 50, project=world.production)
    owner = clients["owner"]
    _queries(owner, url)  # Session and caches warmed.
    few = _queries(owner, url)
    for n in range(4):
        key = make_key(world.staging, f"More {n}")
        _set(team, 10 + n, api_key=key)
        _set(
            team,
            10 + n,
            project=Project.objects.create(account=team.account, name=f"P{n}"),
        )
    page = owner.get(url).content.decode()
    assert page.count("/ month") == 5
    assert _queries(owner, url) == few


def test_readers_see_a_keys_limit_and_spend_without_forms(usage_world, team, clients, record):
    world = usage_world
    _set(team, 1, api_key=world.prod_key)
    record(account=world.account, project=world.production, api_key=world.prod_key)
    page = clients["reader"].get(f"/keys/{world.prod_key.pk}/").content.decode()
    card = page.split('id="spend-limit"')[1].split("</section>")[0]
    assert "$1.00 / month" in card
    assert 'id="key-limit-spent">$0.37<' in card
    assert 'id="key-limit-remaining">$0.63<' in card
    assert "<form" not in card
    assert (
        "<form"
        not in _row(
            clients["reader"].get("/keys/").content.decode(), f"key-{world.prod_key.pk}"
        ).split("Spend limit")[1]
    )
    other = clients["reader"].get(f"/keys/{world.staging_key.pk}/").content.decode()
    assert 'id="key-limit-amount">No limit<' in other


def test_admin_sets_and_clears_a_keys_limit_from_its_page(usage_world, team, clients):
    key = usage_world.prod_key
    admin = clients["admin"]
    page = admin.get(f"/keys/{key.pk}/").content.decode()
    assert 'id="key-limit-form"' in page and 'id="key-limit-clear"' not in page
    assert f'name="limit-target" value="key:{key.pk}"' in page
    response = admin.post(
        "/reporting/limits/set/",
        {"limit-target": f"key:{key.pk}", "limit-amount": "30", "limit-back": "key"},
    )
    assert response.url == f"/keys/{key.pk}/#spend-limit"
    page = admin.get(response.url).content.decode()
    assert "The monthly spend limit for API key Prod key is $30.00." in page
    assert 'id="key-limit-amount">$30.00 / month' in page
    assert 'value="30.00"' in page and 'id="key-limit-clear"' in page
    limit = selectors.live_limit(account=team.account, api_key=key)
    assert limit.amount_micros == 30 * DOLLAR
    event = AuditEvent.objects.for_account(team.account).get(action=AuditAction.SPEND_LIMIT_SET)
    assert event.actor == team.admin and event.metadata["target"] == "API key Prod key"

    response = admin.post(
        "/reporting/limits/clear/", {"limit-target": f"key:{key.pk}", "limit-back": "key"}
    )
    assert response.url == f"/keys/{key.pk}/#spend-limit"
    assert "Cleared the spend limit." in admin.get(response.url).content.decode()
    assert selectors.live_limit(account=team.account, api_key=key) is None
    assert (
        AuditEvent.objects.for_account(team.account)
        .filter(action=AuditAction.SPEND_LIMIT_CLEAR)
        .exists()
    )


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "between $0.01 and $10000000.00"), ("lots", "Enter an amount in dollars")],
)
def test_bad_input_on_the_key_page_is_a_message_and_changes_nothing(
    usage_world, clients, amount, message
):
    key = usage_world.prod_key
    response = clients["owner"].post(
        "/reporting/limits/set/",
        {"limit-target": f"key:{key.pk}", "limit-amount": amount, "limit-back": "key"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/keys/{key.pk}/#spend-limit"
    assert message in response.content.decode()
    assert not SpendLimit.objects.exists()


def test_another_accounts_key_goes_back_to_no_key_page(usage_world, clients):
    response = clients["owner"].post(
        "/reporting/limits/set/",
        {
            "limit-target": f"key:{usage_world.other_key.pk}",
            "limit-amount": "5",
            "limit-back": "key",
        },
    )
    assert response.url == "/reporting/limits/"
    assert not SpendLimit.objects.exists()
    assert (
        clients["reader"]
        .post(
            "/reporting/limits/set/",
            {
                "limit-target": f"key:{usage_world.prod_key.pk}",
                "limit-amount": "5",
                "limit-back": "key",
            },
        )
        .status_code
        == 403
    )
