"""Usage and costs from the admin API equal the Reporting page's CSV (and the invoices)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from reporting import pricing
from reporting.billing.selectors import spend_by_model
from reporting.usage.services import usage_aggregate
from reporting.usage.values import period_range
from tests.reporting.conftest import record, usage_world  # noqa: F401 (fixtures)
from tests.reporting.support import hours_ago

pytestmark = pytest.mark.django_db

API_GROUP = {"product": "product", "model": "model", "project": "project", "key": "api_key"}


@pytest.fixture
def usage(usage_world, record):  # noqa: F811
    w = usage_world
    record(account=w.account, project=w.production, api_key=w.prod_key, quantity=7200)
    record(account=w.account, project=w.staging, api_key=w.staging_key, model="nano", quantity=61)
    record(account=w.account, product="llm_gateway", model="gpt-4.1", quantity=500_000)
    record(
        account=w.account,
        project=w.production,
        api_key=w.prod_key,
        quantity=3601,
        occurred_at=hours_ago(24 * 3),
    )
    record(account=w.other_account, project=w.other_project, api_key=w.other_key, quantity=999)
    usage_aggregate()
    return w


def csv_rows(client, **query):
    response = client.get("/reporting/usage.csv", query)
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return lines[1:]


def api_rows(api, *, start, end, bucket, group):
    params = {"start": start.isoformat(), "end": end.isoformat(), "bucket": bucket}
    params["group_by"] = API_GROUP[group]
    usage = api.get("/usage", **params)
    costs = api.get("/costs", **params)
    assert usage.status_code == costs.status_code == 200, (usage.content, costs.content)
    fmt = "%Y-%m-%d %H:00" if bucket == "1h" else "%Y-%m-%d"
    rows = []
    for used, cost in zip(usage.json()["data"], costs.json()["data"], strict=True):
        assert used["bucket_start"] == cost["bucket_start"]
        label = {
            "product": lambda r: pricing.PRODUCT_LABELS[r["product"]],
            "model": lambda r: f"{pricing.PRODUCT_LABELS[r['product']]} · {r['model']}",
            "project": lambda r: r["project"],
            "key": lambda r: r["api_key"],
        }[group](used)
        bucket_start = datetime.fromisoformat(used["bucket_start"].replace("Z", "+00:00"))
        rows.append(
            [
                bucket_start.strftime(fmt),
                label,
                str(used["events"]),
                used["audio_hours"],
                str(used["tokens"]),
                cost["cost_usd"],
            ]
        )
    return rows, costs.json()


@pytest.mark.parametrize("group", ["product", "model", "project", "key"])
def test_daily_and_hourly_numbers_equal_the_reporting_csv(clients, api, usage, group):
    today = datetime.now(UTC).date()
    first = today - timedelta(days=6)
    start, end = period_range("custom", start=first, end=today)
    page = csv_rows(
        clients["reader"],
        period="custom",
        start=first.isoformat(),
        end=today.isoformat(),
        group=group,
        granularity="day",
    )
    rows, _costs = api_rows(api, start=start, end=end, bucket="1d", group=group)
    assert page and rows == page
    start, end = period_range("24h")
    page = csv_rows(clients["reader"], period="24h", group=group, granularity="hour")
    rows, _costs = api_rows(api, start=start, end=end, bucket="1h", group=group)
    assert page and rows == page


def test_costs_of_a_month_equal_its_invoice_spend(api, usage):
    now = datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    start = start.replace(day=1)
    end = (now.replace(day=1) + timedelta(days=32)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    costs = api.get(
        "/costs", start=start.isoformat(), end=end.isoformat(), bucket="1d", group_by="model"
    ).json()
    spend = spend_by_model(account=usage.account, start=start, end=end)
    assert costs["total_micros"] == spend.total_micros > 0


def test_minute_buckets_come_from_raw_events_grouped_several_ways(api, usage_world, record):  # noqa: F811
    w = usage_world
    minute = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    for seconds, offset in ((10, 5), (20, 50), (30, 65)):
        record(
            account=w.account,
            project=w.production,
            api_key=w.prod_key,
            quantity=seconds,
            occurred_at=minute + timedelta(seconds=offset),
        )
    record(account=w.account, quantity=7, occurred_at=minute + timedelta(seconds=1))
    # Not folded into rollups: 1-minute buckets read the events themselves.
    response = api.get(
        "/usage",
        start=minute.isoformat(),
        end=(minute + timedelta(minutes=2)).isoformat(),
        bucket="1m",
        group_by=["project", "api_key"],
    )
    assert response.status_code == 200, response.content
    got = [
        (r["bucket_start"][11:16], r["project"], r["api_key"], r["events"], r["audio_seconds"])
        for r in response.json()["data"]
    ]
    first, second = minute.strftime("%H:%M"), (minute + timedelta(minutes=1)).strftime("%H:%M")
    assert got == [
        (first, "No project (account level)", "No API key", 1, 7),
        (first, "Production", "Prod key · Production", 2, 30),
        (second, "Production", "Prod key · Production", 1, 30),
    ]


def test_bad_windows_name_the_field(api):
    day = datetime(2026, 5, 1, tzinfo=UTC)
    cases = [
        ({"start": day, "end": day + timedelta(days=2), "bucket": "1m"}, "end"),
        ({"start": day, "end": day, "bucket": "1d"}, "end"),
        (
            {"start": day + timedelta(minutes=5), "end": day + timedelta(hours=2), "bucket": "1h"},
            "start",
        ),
        ({"start": datetime(1990, 1, 1, tzinfo=UTC), "end": day, "bucket": "1d"}, "start"),
    ]
    for params, field in cases:
        query = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in params.items()}
        response = api.get("/usage", **query)
        assert response.status_code == 400, (params, response.content)
        assert response.json()["error"]["field"] == field
    unknown = api.get("/costs", start=day.isoformat(), end=day.isoformat(), group_by="colour")
    assert unknown.status_code == 422
    assert "group_by" in unknown.json()["error"]["field"]
