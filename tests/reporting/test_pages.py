"""The Reporting page and its CSV (U1, U2, U4)."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from projects.models import Project
from reporting.models import AggregationState, StreamingSession
from reporting.usage.services import usage_aggregate
from tests.reporting.support import hours_ago


class TableParser(HTMLParser):
    """The cells of `<table id="report-table">`'s header and body rows."""

    def __init__(self):
        super().__init__()
        self.rows, self.header, self._in, self._cell, self._row, self._part = (
            [],
            [],
            False,
            None,
            None,
            None,
        )

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "report-table") in attrs:
            self._in = True
        elif self._in and tag in ("thead", "tbody", "tfoot"):
            self._part = tag
        elif self._in and tag == "tr":
            self._row = []
        elif self._in and tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self._in = False
        elif self._in and tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif self._in and tag == "tr":
            if self._part == "thead":
                self.header = self._row
            elif self._part == "tbody":
                self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def table(response):
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser.header, parser.rows


@pytest.fixture
def usage(usage_world, record):
    w = usage_world
    record(account=w.account, project=w.production, api_key=w.prod_key, model="best", quantity=7200)
    record(account=w.account, project=w.staging, api_key=w.staging_key, model="nano", quantity=1800)
    record(account=w.account, product="llm_gateway", model="gpt-4.1", quantity=500_000)
    record(
        account=w.account,
        project=w.production,
        api_key=w.prod_key,
        model="best",
        quantity=3600,
        occurred_at=hours_ago(24 * 3),
    )
    record(
        account=w.other_account,
        project=w.other_project,
        api_key=w.other_key,
        model="slam-1",
        quantity=99_999,
    )
    usage_aggregate()
    return w


def test_grouped_by_project_with_the_right_sums(clients, usage):
    response = clients["reader"].get("/reporting/?period=7d&group=project&granularity=day")
    assert response.status_code == 200
    header, rows = table(response)
    assert header == ["Day (UTC)", "Project", "Events", "Audio hours", "Tokens", "Spend (USD)"]
    by_project = {}
    for row in rows:
        by_project.setdefault(row[1], []).append(row)
    assert set(by_project) == {"Production", "Staging", "No project (account level)"}
    assert sum(float(r[3]) for r in by_project["Production"]) == 3.0
    assert [r[5] for r in by_project["Staging"]] == ["0.06"]  # half an hour of nano
    assert "Their project" not in response.content.decode()


def test_filters_narrow_the_table(clients, usage):
    w = usage
    response = clients["owner"].get(f"/reporting/?period=7d&group=key&project={w.staging.pk}")
    _, rows = table(response)
    assert [r[1] for r in rows] == ["Staging key · Staging"]
    response = clients["owner"].get("/reporting/?period=7d&group=model&product=llm_gateway")
    _, rows = table(response)
    assert [r[1] for r in rows] == ["LLM Gateway · gpt-4.1"]
    assert rows[0][4] == "500,000"  # thousands separated for people (the CSV has 500000)
    response = clients["owner"].get("/reporting/?period=24h&group=none&granularity=hour")
    header, rows = table(response)
    assert header[0] == "Hour (UTC)" and "Project" not in header
    assert sum(int(r[1]) for r in rows) == 3  # the event of 3 days ago is outside


def test_another_accounts_project_or_key_id_gives_nothing_not_an_error(clients, usage):
    for query in (f"project={usage.other_project.pk}", f"key={usage.other_key.pk}"):
        response = clients["admin"].get(f"/reporting/?period=30d&group=project&{query}")
        assert response.status_code == 200
        assert table(response)[1] == []
        assert "No usage in this period" in response.content.decode()
        assert "Their project" not in response.content.decode()


def test_the_outsider_sees_only_their_own_account(clients, usage):
    response = clients["outsider"].get("/reporting/?period=7d&group=project")
    _, rows = table(response)
    assert {r[1] for r in rows} == {"Their project"}
    assert "Production" not in response.content.decode()


def test_a_deleted_project_keeps_its_name_marked_deleted(clients, usage, team):
    from projects.services import project_delete

    project_delete(account=team.account, actor=team.owner, project=usage.staging)
    response = clients["reader"].get("/reporting/?period=7d&group=project")
    assert "Staging (deleted)" in {r[1] for r in table(response)[1]}
    response = clients["reader"].get("/reporting/?period=7d&group=key")
    assert "Staging key (deleted) · Staging" in {r[1] for r in table(response)[1]}


@pytest.mark.parametrize("group", ["none", "product", "model", "project", "key"])
def test_the_csv_is_exactly_the_table(clients, usage, group):
    query = f"period=30d&group={group}&granularity=day"
    page = clients["reader"].get(f"/reporting/?{query}")
    header, rows = table(page)
    assert rows
    match = re.search(r'id="csv-link" href="([^"]+)"', page.content.decode())
    csv_url = match.group(1).replace("&amp;", "&")
    response = clients["reader"].get(csv_url)
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[0] == header
    # The page separates thousands for people; the CSV has plain numbers.
    assert lines[1:] == [row[:1] + [c.replace(",", "") for c in row[1:]] for row in rows]


def test_bad_filters_get_a_message_and_the_default_period(clients, usage):
    response = clients["reader"].get("/reporting/?period=custom&start=2026-05-10&end=2026-05-01")
    assert response.status_code == 200
    content = response.content.decode()
    assert "The end date must be on or after the start date." in content
    assert table(response)[1]  # the default period's data
    assert clients["reader"].get("/reporting/?group=bogus&project=abc").status_code == 200
    # The last representable day cannot end a range (it has no next midnight).
    response = clients["reader"].get("/reporting/?period=custom&start=9999-12-31&end=9999-12-31")
    assert "Choose an earlier end date." in response.content.decode()
    csv_response = clients["reader"].get(
        "/reporting/usage.csv?period=custom&start=9999-12-31&end=9999-12-31"
    )
    assert csv_response.status_code == 200


def test_a_custom_range_includes_both_days(clients, usage):
    day = (timezone.now() - timedelta(days=3)).date()
    response = clients["reader"].get(f"/reporting/?period=custom&start={day}&end={day}&group=none")
    _, rows = table(response)
    assert [r[0] for r in rows] == [day.isoformat()]


def test_the_freshness_line(clients, usage):
    AggregationState.objects.filter(pk=1).update(
        completed_at=timezone.now() - timedelta(seconds=12)
    )
    content = clients["reader"].get("/reporting/").content.decode()
    assert re.search(r"Data as of 1[2-4] s ago", content)
    AggregationState.objects.all().delete()
    content = clients["reader"].get("/reporting/").content.decode()
    assert "Usage has not been aggregated yet." in content


def test_open_streaming_sessions_are_announced(clients, usage_world):
    StreamingSession.objects.create(
        account=usage_world.account,
        project=usage_world.production,
        model="universal-streaming",
        opened_at=datetime.now(UTC),
    )
    content = clients["reader"].get("/reporting/").content.decode()
    assert "1 streaming session open, counted when it closes." in content


def test_empty_state_says_what_to_do(clients, usage_world):
    content = clients["reader"].get("/reporting/").content.decode()
    assert "No usage in this period." in content
    assert "/keys/" in content


def test_htmx_gets_the_chart_and_table_fragment(clients, usage):
    response = clients["reader"].get("/reporting/?group=product", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="report">')
    assert "<html" not in content
    assert 'id="usage-chart-data"' in content and 'id="report-table"' in content


def test_the_page_works_without_javascript_and_vendors_chartjs(clients, usage):
    content = clients["reader"].get("/reporting/").content.decode()
    assert '<form method="get" action="/reporting/"' in content
    assert '<button type="submit">Show</button>' in content
    assert "vendor/chart.umd-4.6.1.min.js" in content


def test_reports_read_rollups_only(clients, usage, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        clients["reader"].get("/reporting/?group=key")
    assert not [q for q in queries if "reporting_usageevent" in q["sql"]]


def test_rename_shows_in_history_under_the_new_name(clients, usage):
    Project.objects.filter(pk=usage.production.pk).update(name="Live")
    rows = table(clients["reader"].get("/reporting/?period=7d&group=project"))[1]
    assert "Live" in {r[1] for r in rows}
