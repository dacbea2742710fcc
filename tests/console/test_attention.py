"""The dashboard tells what needs attention, each item linking to its fix; a new account's first steps."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, Membership
from accounts.permissions import Role
from apikeys.models import ApiKey
from apikeys.services import apikey_create
from console.selectors import needs_attention
from members.services import invitation_create
from projects.models import Project
from projects.services import project_create
from reporting.alerts.services import spend_alert_create
from reporting.amounts import dollars
from reporting.limits.selectors import spend_of
from reporting.limits.services import spend_limit_set
from reporting.models import SpendAlertFiring
from reporting.usage.services import usage_event_record
from tests.conftest import login_client
from tests.factories import account_with_owner, enrol_mfa

pytestmark = pytest.mark.django_db

DOLLAR = 1_000_000


def _item(page: str, key: str) -> str:
    match = re.search(
        rf'<li class="attention-item (\w+)" id="attention-{key}">(.*?)</li>', page, re.S
    )
    if not match:
        return ""
    text = re.sub(r"\s+", " ", re.sub(r"</?span>", "", match.group(2))).strip()
    return f"{match.group(1)}: {text}"


def test_each_item_says_what_and_links_to_where_it_is_fixed(team, clients):
    account = team.account
    project = Project.objects.create(account=account, name="Production")
    now = timezone.now()
    old = ApiKey.objects.create(project=project, name="Old batch", prefix="k1", digest="d1")
    ApiKey.objects.filter(pk=old.pk).update(last_used_at=now - timedelta(days=91))
    never = ApiKey.objects.create(project=project, name="Never used", prefix="k2", digest="d2")
    ApiKey.objects.filter(pk=never.pk).update(created_at=now - timedelta(days=120))
    fresh = ApiKey.objects.create(project=project, name="Fresh", prefix="k3", digest="d3")
    ApiKey.objects.filter(pk=fresh.pk).update(last_used_at=now - timedelta(days=2))
    alert = spend_alert_create(
        account=account, actor=team.owner, scope="account", thresholds=[10_000]
    )
    SpendAlertFiring.objects.create(
        account=account, alert=alert, period=now.date().replace(day=1), spend_micros=5
    )
    # Last month's firing is not news.
    SpendAlertFiring.objects.create(
        account=account,
        alert=alert,
        period=(now.date().replace(day=1) - timedelta(days=1)).replace(day=1),
        spend_micros=5,
        generation=2,
    )
    Account.objects.filter(pk=account.pk).update(custom_max_projects=None)
    page = clients["admin"].get(reverse("home")).content.decode()

    # Not required yet: Owners and Admins without MFA are advised.
    assert _item(page, "mfa-advisable").startswith("warn: 2 Owners or Admins without MFA.")
    assert f'href="{reverse("accounts:settings")}#require-mfa"' in _item(page, "mfa-advisable")
    stale = _item(page, "stale-keys")
    assert "2 API keys unused for 90 days (Old batch, Never used)" in stale
    assert "Fresh" not in stale and f'href="{reverse("apikeys:list")}"' in stale
    alerts = _item(page, "alerts-fired")
    assert "1 spend alert fired this month." in alerts and reverse("reporting:alerts") in alerts
    assert not _item(page, "limit-projects")  # 1 of 5

    # Required: every member without MFA is a danger, listed first, linking to Members.
    # (Read through the selector: a session without its second factor sees no dashboard.)
    Account.objects.filter(pk=account.pk).update(require_mfa=True)
    enrol_mfa(team.owner)
    items = needs_attention(Account.objects.get(pk=account.pk))
    assert items[0].key == "mfa-required" and items[0].level == "danger"
    assert items[0].text.startswith("2 members without MFA, which Acme requires")
    assert items[0].url == reverse("members:list")


def test_plan_limits_near_and_at_their_cap(team, clients):
    # Contracted: 5 projects. 4 is near the cap, 5 is at it.
    for n in range(4):
        Project.objects.create(account=team.account, name=f"P{n}")
    page = clients["reader"].get(reverse("home")).content.decode()
    assert _item(page, "limit-projects").startswith(
        "warn: 4 of 5 projects on the Contracted plan: close to the limit."
    )
    assert reverse("projects:list") in _item(page, "limit-projects")
    Project.objects.create(account=team.account, name="P4")
    page = clients["reader"].get(reverse("home")).content.decode()
    assert _item(page, "limit-projects").startswith("danger: 5 of 5 projects")


def test_spend_limits_near_and_at_their_amount(team, clients):
    project = Project.objects.create(account=team.account, name="Production")
    limit = spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=10 * DOLLAR, project=project
    )
    spend_limit_set(account=team.account, actor=team.owner, amount_micros=1000 * DOLLAR)
    # $8.50 of $10 on the project: close; the account's $1,000 is far off.
    usage_event_record(
        account=team.account,
        project=project,
        api_key=None,
        product="speech_to_text",
        model="best",
        quantity=82_700,  # about $8.50 at $0.37 an hour
        occurred_at=timezone.now(),
        idempotency_key="near",
    )
    spent = spend_of(limit).total
    assert 8 * DOLLAR <= spent < 10 * DOLLAR
    page = clients["reader"].get(reverse("home")).content.decode()
    item = _item(page, f"spend-limit-{limit.pk}")
    assert item.startswith(
        f"warn: ${dollars(spent)} of the $10.00 monthly spend limit for project Production: "
        "close to the limit."
    )
    assert reverse("reporting:limits") in item
    assert "account Acme" not in page
    spend_limit_set(account=team.account, actor=team.owner, amount_micros=DOLLAR, project=project)
    page = clients["reader"].get(reverse("home")).content.decode()
    assert _item(page, f"spend-limit-{limit.pk}").startswith(
        f"danger: ${dollars(spent)} of the $1.00 monthly spend limit for project Production: "
        "reached, requests it covers are refused."
    )


def test_nothing_to_do_says_so_and_another_accounts_state_never_shows(team, clients):
    other = Project.objects.create(account=team.outsider_account, name="Theirs")
    key = ApiKey.objects.create(project=other, name="Their old key", prefix="k9", digest="d9")
    ApiKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - timedelta(days=200))
    enrol_mfa(team.owner)
    enrol_mfa(team.admin)
    page = clients["reader"].get(reverse("home")).content.decode()
    assert 'id="attention-none"' in page
    assert "Their old key" not in page


def test_getting_started_until_every_step_is_done(client, settings):
    owner = account_with_owner(name="Fresh Co", plan="payg")
    account, user = owner.account, owner.user
    client = login_client(user, account)
    page = client.get(reverse("home")).content.decode()
    assert 'id="getting-started"' in page and "(0 of 4 done)" in page
    assert f'href="{reverse("projects:list")}#new-project"' in page
    # The SDK snippet names this server's address.
    assert 'aai.settings.base_url = "http://testserver"' in page

    project = project_create(account=account, actor=user, name="Production")
    issued = apikey_create(account=account, actor=user, project=project, name="Backend")
    page = client.get(reverse("home")).content.decode()
    assert "(2 of 4 done)" in page
    # The newest key's prefix, never the secret.
    assert f'aai.settings.api_key = "{issued.api_key.prefix}…"' in page
    assert issued.secret not in page

    ApiKey.objects.filter(pk=issued.api_key.pk).update(last_used_at=timezone.now())
    invitation_create(account=account, actor=user, email="mate@example.com", role="reader")
    page = client.get(reverse("home")).content.decode()
    assert 'id="getting-started"' not in page

    # Readers get no checklist of things they cannot do.
    fresh = account_with_owner(name="Other new")
    reader = Membership.objects.create(account=fresh.account, user=user, role=Role.READER)
    page = login_client(user, reader.account).get(reverse("home")).content.decode()
    assert 'id="getting-started"' not in page
