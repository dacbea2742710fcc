"""Tenant rows have one door: every console model that belongs to an account is reached
through TenantQuerySet.for_account, with the lookup to its account as its one setting."""

import pytest
from django.apps import apps

from accounts.models import Account
from accounts.tenancy import TenantQuerySet
from projects.models import Project

OUR_APPS = {"accounts", "members", "projects", "apikeys", "reporting", "transcripts"}
# Rows that belong to an account but are never listed by it: the pending-fold
# queue, the idempotency keys and the aggregation cursor (no account at all), uploads (reached
# through their project by the API), alert firings (through their alert),
# invoice lines (through their invoice).
NOT_LISTED_BY_ACCOUNT = {
    "reporting.pendingusage",
    "reporting.usageeventkey",
    "reporting.aggregationstate",
    "reporting.spendalertfiring",
    "reporting.invoiceline",
    "transcripts.upload",
    "accounts.user",
    "accounts.account",
    "accounts.sealedtotpdevice",
    "accounts.totpsecret",  # a user's, reached through their device
}


def _models():
    return [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]


def _queryset_class(model):
    return type(model._default_manager.all())


def test_every_tenant_model_uses_the_one_door():
    checked = []
    for model in _models():
        if model._meta.label_lower in NOT_LISTED_BY_ACCOUNT:
            continue
        queryset_class = _queryset_class(model)
        assert issubclass(queryset_class, TenantQuerySet), model._meta.label
        for klass in queryset_class.__mro__:
            if klass is TenantQuerySet:
                break
            assert "for_account" not in vars(klass), f"{klass.__name__} writes its own door"
        checked.append(model._meta.label)
    assert "projects.Project" in checked
    assert "transcripts.Transcript" in checked
    assert "reporting.UsageEvent" in checked


def test_each_door_leads_to_an_account():
    for model in _models():
        queryset_class = _queryset_class(model)
        if not issubclass(queryset_class, TenantQuerySet):
            continue
        target = model
        for name in queryset_class.account_lookup.split("__"):
            target = target._meta.get_field(name).related_model
        assert target is Account, f"{model._meta.label}: {queryset_class.account_lookup}"


@pytest.mark.django_db
def test_a_door_shows_one_accounts_rows(team):
    mine = Project.objects.create(account=team.account, name="Mine")
    Project.objects.create(account=team.outsider_account, name="Theirs")
    assert list(Project.objects.for_account(team.account)) == [mine]
