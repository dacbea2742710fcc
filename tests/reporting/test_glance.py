"""The Reporting page at a glance: totals with their change, one row per group, detail on demand."""

import re

import pytest

from reporting.usage.services import usage_aggregate
from tests.reporting.support import hours_ago

pytestmark = pytest.mark.django_db


def _summary(content: str) -> list[list[str]]:
    body = re.search(r'<table id="report-summary".*?<tbody>(.*?)</tbody>', content, re.S).group(1)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_totals_change_then_chart_then_one_row_per_group_then_the_detail(
    clients, usage_world, record
):
    w = usage_world
    # This week: 2 h of best in Production on two days, 1.5 M tokens; the week before: 1 h.
    record(
        account=w.account,
        project=w.production,
        model="best",
        quantity=3600,
        occurred_at=hours_ago(2),
    )
    record(
        account=w.account,
        project=w.production,
        model="best",
        quantity=3600,
        occurred_at=hours_ago(30),
    )
    record(
        account=w.account,
        product="llm_gateway",
        model="gpt-4.1",
        quantity=1_500_000,
        occurred_at=hours_ago(3),
    )
    record(
        account=w.account,
        project=w.production,
        model="best",
        quantity=3600,
        occurred_at=hours_ago(24 * 9),
    )
    usage_aggregate()

    content = clients["reader"].get("/reporting/?period=7d&group=product").content.decode()
    # Order on the page: totals, chart, the compact table, the per-day detail behind a toggle.
    positions = [
        content.index(marker)
        for marker in (
            'id="report-totals"',
            'id="usage-chart"',
            'id="report-summary"',
            '<details class="report-detail"',
        )
    ]
    assert positions == sorted(positions)
    assert re.search(
        r'<details class="report-detail" id="report-detail">\s*<summary>Per day detail \(3 rows\)',
        content,
    )

    totals = re.search(r'id="report-totals">(.*?)</div>\s*</div>', content, re.S).group(1)
    assert "Audio hours</span><strong>2.00</strong>" in totals
    assert "Tokens</span><strong>1,500,000</strong>" in totals  # thousands separated
    # 2 h against 1 h the week before; tokens are new this period.
    assert re.search(
        r"Audio hours</span><strong>2.00</strong><span class=\"change up\"[^>]*>▲ \+100%", totals
    )
    assert re.search(
        r"Tokens</span><strong>1,500,000</strong><span class=\"change up\"[^>]*>▲ new", totals
    )

    rows = _summary(content)
    # One row per product, biggest spend first, with the change of its spend beside it.
    assert rows == [
        ["LLM Gateway", "3.00", "new", "0.00", "1,500,000", "1"],
        ["Speech-to-text", "0.74", "+100%", "2.00", "0", "2"],
    ]


def test_grouped_by_project_is_one_row_per_project_whatever_the_days(clients, usage_world, record):
    w = usage_world
    for day in range(5):
        record(
            account=w.account,
            project=w.production,
            quantity=1800,
            occurred_at=hours_ago(24 * day + 1),
        )
        record(
            account=w.account,
            project=w.staging,
            model="nano",
            quantity=900,
            occurred_at=hours_ago(24 * day + 1),
        )
    usage_aggregate()
    content = clients["reader"].get("/reporting/?period=7d&group=project").content.decode()
    rows = _summary(content)
    assert [r[0] for r in rows] == ["Production", "Staging"]
    assert rows[0][3] == "2.50" and rows[1][3] == "1.25"
    assert "Their project" not in content


def test_a_change_down_and_no_usage_before(clients, usage_world, record):
    w = usage_world
    record(account=w.account, project=w.production, quantity=3600, occurred_at=hours_ago(2))
    record(
        account=w.account, project=w.production, quantity=4 * 3600, occurred_at=hours_ago(24 * 10)
    )
    usage_aggregate()
    content = clients["reader"].get("/reporting/?period=7d&group=none").content.decode()
    assert re.search(
        r'Audio hours</span><strong>1.00</strong><span class="change down"[^>]*>▼ -75%', content
    )
