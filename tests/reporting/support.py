"""Helpers shared by the reporting tests (and the browser tests of the Reporting page)."""

import itertools
from datetime import UTC, datetime, timedelta

from django.apps import apps

from accounts.models import Account
from apikeys.models import ApiKey

_keys = itertools.count(1)


def make_key(project, name="Backend key"):
    n = next(_keys)
    return ApiKey.objects.create(
        project=project, name=name, prefix=f"k{n}", digest=f"test-digest-{n}-{project.pk}"
    )


def hours_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=n)


def rows_of(account_id):
    """Rows left in any table that reaches the account through an `account` field."""
    left = {}
    for model in apps.get_models():
        field_names = {f.name for f in model._meta.get_fields()}
        if model is Account:
            count = model.objects.filter(pk=account_id).count()
        elif "account" in field_names:
            count = model.objects.filter(account_id=account_id).count()
        elif "project" in field_names and model._meta.app_label != "accounts":
            count = model.objects.filter(project__account_id=account_id).count()
        else:
            continue
        if count:
            left[model._meta.label] = count
    return left
