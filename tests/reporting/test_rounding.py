"""One rounding rule: the Reporting page, its CSV and the invoice show the same hours and dollars."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from reporting.billing.services import invoice_close
from reporting.usage.services import usage_aggregate

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)


def test_page_csv_and_invoice_round_audio_hours_and_money_alike(team, clients, record):
    at = datetime(2026, 9, 10, 12, tzinfo=UTC)
    # 54 s is 0.015 h: 0.02 h rounded half up (a float makes it 0.01).
    # At $0.37 an hour they cost 5,550 µ$.
    record(account=team.account, model="best", quantity=54, occurred_at=at, key="r:audio")
    # 9,725 tokens at $2 a million are 19,450 µ$: with the audio, exactly 2.5 cents.
    record(
        account=team.account,
        product="llm_gateway",
        model="gpt-4.1",
        unit="input_token",
        quantity=9725,
        occurred_at=at,
        key="r:tokens",
    )
    usage_aggregate()
    invoice, _ = invoice_close(account=team.account, month=SEPTEMBER)
    client = clients["owner"]
    query = {"period": "custom", "start": "2026-09-01", "end": "2026-09-30", "group": "none"}

    page = client.get(reverse("reporting:usage"), query).content.decode()
    totals = re.search(r'id="report-totals">.*?</div>\s*</div>', page, re.S).group(0)
    page_spend = re.search(r"Spend</span><strong>\$([0-9.]+)<", totals).group(1)
    page_hours = re.search(r"Audio hours</span><strong>([0-9.]+)<", totals).group(1)

    response = client.get(reverse("reporting:usage_csv"), query)
    header, *rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert len(rows) == 1
    csv_row = dict(zip(header, rows[0], strict=True))

    detail = client.get(reverse("reporting:invoice", args=[invoice.pk])).content.decode()
    invoice_spend = re.search(r'id="invoice-total">\$([0-9.]+)<', detail).group(1)
    audio_line = re.search(r"<td>best</td><td class=\"num\">([0-9.]+)</td>", detail).group(1)

    assert page_hours == csv_row["Audio hours"] == audio_line == "0.02"
    assert page_spend == csv_row["Spend (USD)"] == invoice_spend == "0.03"
