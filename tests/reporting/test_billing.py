"""Billing (U6): invoices equal reports to the cent, closing is idempotent, the ledger and autopay."""

import random
import re
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, AuditEvent
from accounts.services import account_delete
from reporting.amounts import MICROS_PER_CENT, MICROS_PER_DOLLAR, cents, dollars
from reporting.billing import selectors as sel
from reporting.billing import services as billing
from reporting.billing.values import month_bounds, month_of, previous_month
from reporting.models import (
    AppendOnly,
    BillingSettings,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    UsageEvent,
)
from reporting.usage.services import usage_aggregate, usage_events_record
from reporting.usage.simulate import simulate
from reporting.usage.values import NewUsageEvent
from tests.factories import account_with_owner
from tests.reporting.support import make_key, rows_of

pytestmark = pytest.mark.django_db

SEPTEMBER = date(2026, 9, 1)
MIX = [
    ("speech_to_text", "best", None),
    ("speech_to_text", "universal", None),
    ("speech_to_text", "nano", None),
    ("streaming", "universal-streaming", None),
    ("llm_gateway", "claude-sonnet-4", "input_token"),
    ("llm_gateway", "claude-sonnet-4", "output_token"),
    ("llm_gateway", "gpt-4.1", "output_token"),
]


def record_month(account, month: date, *, events=400, seed=1, project=None, prefix="m"):
    """A month of varied usage (fractions of a second, sub-cent costs), plus neighbours' edges."""
    rng = random.Random(seed)
    start, end = month_bounds(month)
    span = int((end - start).total_seconds())
    batch = []
    for i in range(events):
        product, model, unit = rng.choice(MIX)
        quantity = rng.randrange(1, 50_000)
        if product == "speech_to_text" and i % 3 == 0:
            quantity = Decimal(quantity) + Decimal(rng.randrange(1, 10)) / 10
        batch.append(
            NewUsageEvent(
                account_id=account.pk,
                project_id=project.pk if project else None,
                product=product,
                model=model,
                unit=unit,
                quantity=quantity,
                occurred_at=start + timedelta(seconds=rng.randrange(span)),
                idempotency_key=f"{prefix}:{account.pk}:{month}:{i}",
            )
        )
    # The last instant before the month and its end belong to the neighbours.
    for key, at in (("before", start - timedelta(microseconds=1)), ("after", end)):
        batch.append(
            NewUsageEvent(
                account_id=account.pk,
                product="speech_to_text",
                model="best",
                quantity=3601,
                occurred_at=at,
                idempotency_key=f"{prefix}:{account.pk}:{month}:{key}",
            )
        )
    usage_events_record(events=batch)


def page_total(client, month: date) -> str:
    """The Spend total the Reporting page shows for the calendar month."""
    last_day = month_bounds(month)[1].date() - timedelta(days=1)
    response = client.get(
        reverse("reporting:usage"),
        {
            "period": "custom",
            "start": month.isoformat(),
            "end": last_day.isoformat(),
            "group": "model",
        },
    )
    content = response.content.decode()
    totals = re.search(r'id="report-totals">.*?\$([0-9.]+)</strong>', content, re.S).group(1)
    footer = re.search(r"<tfoot>.*?</tfoot>", content, re.S).group(0)
    assert f'<th class="num">{totals}</th>' in footer
    return totals


def test_invoice_total_equals_the_report_total_to_the_cent(team, clients):
    record_month(team.account, SEPTEMBER, events=600)
    usage_aggregate()
    invoice, created = billing.invoice_close(account=team.account, month=SEPTEMBER)
    assert created
    exact = UsageEvent.objects.filter(
        account=team.account,
        occurred_at__gte=datetime(2026, 9, 1, tzinfo=UTC),
        occurred_at__lt=datetime(2026, 10, 1, tzinfo=UTC),
    ).aggregate(s=Sum("cost_micros"))["s"]
    assert invoice.total_micros == exact
    # Sub-cent costs make rounding matter: the total is rounded once.
    assert exact % MICROS_PER_CENT
    assert page_total(clients["admin"], SEPTEMBER) == dollars(exact)
    assert invoice.total_cents == cents(exact)
    lines = list(invoice.lines.all())
    assert sum(line.amount_cents for line in lines) == invoice.total_cents
    assert sum(line.amount_micros for line in lines) == exact
    assert {(line.get_product_display(), line.model) for line in lines} >= {
        ("Speech-to-text", "best"),
        ("LLM Gateway", "claude-sonnet-4"),
    }
    # The invoice pages show that same total.
    detail = clients["owner"].get(reverse("reporting:invoice", args=[invoice.pk]))
    printable = clients["owner"].get(reverse("reporting:invoice_print", args=[invoice.pk]))
    for response in (detail, printable):
        assert f'id="invoice-total">${dollars(exact)}<' in response.content.decode()


def test_invoice_of_simulated_usage_equals_the_report(team, clients):
    production = team.account.projects.create(name="Production")
    make_key(production)
    simulate(accounts=[team.account], events=1500, days=95, seed=11, key_prefix="bill")
    usage_aggregate()
    # The month before last: entirely inside the simulated 95 days, long closed.
    month = previous_month(previous_month(month_of(timezone.now())))
    invoice, _ = billing.invoice_close(account=team.account, month=month)
    assert invoice.total_micros > 0
    assert page_total(clients["reader"], month) == dollars(invoice.total_micros)
    assert sum(invoice.lines.values_list("amount_cents", flat=True)) == invoice.total_cents


def test_closing_a_month_twice_makes_one_invoice(team, django_capture_on_commit_callbacks):
    record_month(team.account, SEPTEMBER, events=50)
    usage_aggregate()
    with django_capture_on_commit_callbacks(execute=True):
        first, created = billing.invoice_close(account=team.account, month=SEPTEMBER)
        again, created_again = billing.invoice_close(account=team.account, month=SEPTEMBER)
    assert created and not created_again and first == again
    assert Invoice.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="charge").count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@acme.test"]
    assert AuditEvent.objects.filter(action="invoice.close").count() == 1


def test_the_beat_task_closes_complete_months_once(team):
    from reporting.tasks import close_invoices

    record_month(team.account, SEPTEMBER, events=30, prefix="sep")
    record_month(team.account, date(2026, 10, 1), events=30, prefix="oct")
    usage_aggregate()
    mid_october = datetime(2026, 10, 15, tzinfo=UTC)
    # September, and August for its edge event.
    assert billing.invoices_close_due(now=mid_october) == 2
    assert billing.invoices_close_due(now=mid_october) == 0
    assert set(Invoice.objects.values_list("month", flat=True)) == {date(2026, 8, 1), SEPTEMBER}
    # Early on the 1st, before the grace: October stays open.
    assert billing.invoices_close_due(now=datetime(2026, 11, 1, 0, 30, tzinfo=UTC)) == 0
    assert billing.invoices_close_due(now=datetime(2026, 11, 1, 2, tzinfo=UTC)) == 1
    # The real task, now, for another account's usage of the month before last.
    month = previous_month(previous_month(month_of(timezone.now())))
    record_month(team.outsider_account, month, events=5, prefix="real")
    usage_aggregate()
    assert close_invoices.apply().get() >= 1
    assert close_invoices.apply().get() == 0
    assert Invoice.objects.filter(account=team.outsider_account, month=month).count() == 1


def test_usage_recorded_after_a_month_closed_goes_on_one_supplementary_invoice(
    team, clients, django_capture_on_commit_callbacks
):
    # The month before last: closable now, and its whole usage reads on the Reporting page.
    month = previous_month(previous_month(month_of(timezone.now())))
    record_month(team.account, month, events=200, seed=3, prefix="first")
    usage_aggregate()
    # The month and its neighbours (record_month's edge events).
    assert billing.invoices_close_due() == 3
    first = Invoice.objects.get(month=month)
    # A producer reports some of the month's usage late.
    record_month(team.account, month, events=37, seed=4, prefix="late")
    usage_aggregate()
    with django_capture_on_commit_callbacks(execute=True):
        assert billing.invoices_close_due() == 3
    assert billing.invoices_close_due() == 0
    supplement = Invoice.objects.get(month=month, sequence=2)
    assert supplement.is_supplement and supplement.number == f"{first.number}-2"
    # Only the late usage is on it, line by line...
    assert sum(supplement.lines.values_list("events", flat=True)) == 37
    assert sum(supplement.lines.values_list("amount_cents", flat=True)) == supplement.total_cents
    # ...and the month's invoices add up to the Reporting page's total, to the cent.
    invoices = Invoice.objects.filter(account=team.account, month=month)
    total_cents = sum(invoices.values_list("total_cents", flat=True))
    assert dollars(total_cents * MICROS_PER_CENT) == page_total(clients["reader"], month)
    assert (
        sum(invoices.values_list("total_micros", flat=True))
        == sel.spend_by_model(
            account=team.account, start=month_bounds(month)[0], end=month_bounds(month)[1]
        ).total_micros
    )
    charges = LedgerEntry.objects.filter(kind="charge", invoice=supplement)
    assert charges.get().amount_micros == -supplement.total_cents * MICROS_PER_CENT
    assert any(
        supplement.number in m.subject and "recorded after its invoice closed" in m.body
        for m in mail.outbox
    )
    page = clients["owner"].get(reverse("reporting:invoice", args=[supplement.pk])).content.decode()
    assert "Supplementary invoice" in page and 'id="invoice-supplement"' in page


def test_a_month_still_being_counted_cannot_be_closed(team):
    with pytest.raises(ValidationError, match="still being counted"):
        billing.invoice_close(account=team.account, month=month_of(timezone.now()))
    assert not Invoice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_closing_at_once_make_one_invoice():
    owner = account_with_owner(name="Race")
    record_month(owner.account, SEPTEMBER, events=20)
    usage_aggregate()
    barrier, results = threading.Barrier(2), []

    def close():
        try:
            barrier.wait()
            results.append(billing.invoice_close(account=owner.account, month=SEPTEMBER)[1])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert Invoice.objects.count() == 1 and LedgerEntry.objects.count() == 1


# The ledger and autopay -------------------------------------------------------------


def enable_autopay(team, threshold, amount):
    return billing.billing_settings_update(
        account=team.account,
        actor=team.admin,
        autopay_enabled=True,
        threshold_micros=threshold * MICROS_PER_DOLLAR,
        amount_micros=amount * MICROS_PER_DOLLAR,
    )


def record_spend(account, dollars: int, key: str, at=None):
    """Usage worth exactly `dollars`, counted: nano hours at $0.12 (25 hours = $3.00)."""
    usage_events_record(
        events=[
            NewUsageEvent(
                account_id=account.pk,
                product="speech_to_text",
                model="nano",
                quantity=3600 * dollars * 25 // 3,
                occurred_at=at or timezone.now() - timedelta(minutes=5),
                idempotency_key=key,
            )
        ]
    )
    usage_aggregate()


def test_autopay_tops_up_below_the_threshold_once(team, django_capture_on_commit_callbacks):
    enable_autopay(team, threshold=50, amount=20)
    with django_capture_on_commit_callbacks(execute=True):
        first = billing.autopay_top_up(account=team.account)
        second = billing.autopay_top_up(account=team.account)
    # From 0: three top-ups of $20 in one entry bring it to $60, above $50.
    assert first.amount_micros == 60 * MICROS_PER_DOLLAR
    assert first.memo == "Autopay: 3 x $20.00"
    assert second is None
    assert mail.outbox[0].to == ["owner@acme.test"]
    record_spend(team.account, 15, "spend-15")
    assert sel.available_micros(team.account) == 45 * MICROS_PER_DOLLAR
    assert billing.autopay_top_up(account=team.account).amount_micros == 20_000_000
    assert billing.autopay_top_up(account=team.account) is None
    assert sel.ledger_balance(team.account) == 80 * MICROS_PER_DOLLAR
    assert sel.available_micros(team.account) == 65 * MICROS_PER_DOLLAR
    assert AuditEvent.objects.filter(action="billing.autopay_top_up").count() == 2


def test_autopay_run_task_skips_accounts_without_autopay(team):
    from reporting.tasks import autopay_top_ups

    other = account_with_owner(name="No autopay")
    BillingSettings.objects.create(account=other.account, autopay_enabled=False)
    enable_autopay(team, threshold=10, amount=10)
    assert autopay_top_ups.apply().get() == 1
    assert autopay_top_ups.apply().get() == 0
    assert not LedgerEntry.objects.filter(account=other.account).exists()


def test_the_balance_is_exact_through_top_ups_and_charges(team):
    enable_autopay(team, threshold=100, amount=100)
    billing.autopay_top_up(account=team.account)
    record_month(team.account, SEPTEMBER, events=120)
    usage_aggregate()
    invoice, _ = billing.invoice_close(account=team.account, month=SEPTEMBER)
    expected = 100 * MICROS_PER_DOLLAR - invoice.total_cents * MICROS_PER_CENT
    assert sel.ledger_balance(team.account) == expected
    assert invoice.charge.amount_micros == -invoice.total_cents * MICROS_PER_CENT


def test_ledger_entries_are_never_changed_or_deleted(team):
    entry = LedgerEntry.objects.create(
        account=team.account, kind=LedgerEntry.Kind.TOP_UP, amount_micros=5_000_000
    )
    entry.amount_micros = 1
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount_micros == 5_000_000


# The Billing page ------------------------------------------------------------------


def test_billing_page_shows_plan_owner_email_and_month_to_date(team, clients):
    record_spend(team.account, 3, "mtd")
    content = clients["admin"].get(reverse("reporting:billing")).content.decode()
    assert 'id="billing-plan">Contracted<' in content
    assert 'id="billing-email">owner@acme.test<' in content
    month = month_of(timezone.now())
    last_day = month_bounds(month)[1].date() - timedelta(days=1)
    report = clients["admin"].get(
        reverse("reporting:usage"),
        {"period": "custom", "start": month, "end": last_day, "group": "none"},
    )
    assert "$3.00" in report.content.decode()
    assert 'id="month-to-date">$3.00<' in content
    assert 'href="/reporting/alerts/"' in content


def test_billing_email_follows_the_owner(team, clients):
    from accounts.services import support_transfer_ownership
    from tests.factories import UserFactory

    staff = UserFactory(email="staff@console.test", is_staff=True)
    support_transfer_ownership(account=team.account, new_owner=team.admin, actor=staff)
    content = clients["admin"].get(reverse("reporting:billing")).content.decode()
    assert 'id="billing-email">admin@acme.test<' in content


def test_autopay_form_saves_and_audits(team, clients):
    response = clients["admin"].post(
        reverse("reporting:billing_autopay"),
        {"autopay_enabled": "on", "threshold": "25.50", "amount": "40"},
    )
    assert response.status_code == 302
    row = BillingSettings.objects.get(account=team.account)
    assert row.autopay_enabled
    assert (row.autopay_threshold_micros, row.autopay_amount_micros) == (25_500_000, 40_000_000)
    event = AuditEvent.objects.get(action="billing.autopay_update")
    assert event.metadata["threshold"] == {"from": "0.00", "to": "25.50"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"threshold": "-5", "amount": "20"}, "between $0.00 and $50000.00"),
        ({"threshold": "1e12", "amount": "20"}, "between $0.00 and $50000.00"),
        ({"threshold": "abc", "amount": "20"}, "Enter an amount in dollars"),
        ({"threshold": "10", "amount": "1"}, "at least $5.00"),
        ({"threshold": "10", "amount": ""}, "at least $5.00"),
        ({"threshold": "10.001", "amount": "20"}, "two decimals"),
    ],
)
def test_bad_autopay_input_gets_a_message_and_changes_nothing(team, clients, data, message):
    response = clients["owner"].post(
        reverse("reporting:billing_autopay"), {"autopay_enabled": "on", **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BillingSettings.objects.exists()
    assert not AuditEvent.objects.filter(action="billing.autopay_update").exists()


def test_the_service_refuses_bad_amounts_and_readers(team):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(ValidationError):
        billing.billing_settings_update(
            account=team.account,
            actor=team.owner,
            autopay_enabled=True,
            threshold_micros=-1,
            amount_micros=10_000_000,
        )
    with pytest.raises(PermissionDenied):
        billing.billing_settings_update(
            account=team.account,
            actor=team.reader,
            autopay_enabled=False,
            threshold_micros=0,
            amount_micros=0,
        )
    assert not BillingSettings.objects.exists()


def test_invoice_pages_list_and_hide_other_accounts(team, clients):
    record_month(team.account, SEPTEMBER, events=20)
    record_month(team.outsider_account, SEPTEMBER, events=20, prefix="other")
    usage_aggregate()
    ours, _ = billing.invoice_close(account=team.account, month=SEPTEMBER)
    theirs, _ = billing.invoice_close(account=team.outsider_account, month=SEPTEMBER)
    content = clients["admin"].get(reverse("reporting:invoices")).content.decode()
    assert ours.number in content and theirs.number not in content
    assert "September 2026" in content
    for name in ("reporting:invoice", "reporting:invoice_print"):
        assert clients["admin"].get(reverse(name, args=[theirs.pk])).status_code == 404
        assert clients["reader"].get(reverse(name, args=[ours.pk])).status_code == 403


# Account deletion with billing data ---------------------------------------------------


def test_account_deletion_removes_invoices_ledger_and_alerts(django_capture_on_commit_callbacks):
    from accounts.models import Membership
    from reporting.alerts.services import spend_alert_create, spend_alerts_check
    from reporting.models import SpendAlert, SpendAlertFiring

    owner = account_with_owner(name="Closing Co")
    account, user = owner.account, owner.user
    billing.billing_settings_update(
        account=account,
        actor=user,
        autopay_enabled=True,
        threshold_micros=10_000_000,
        amount_micros=10_000_000,
    )
    billing.autopay_top_up(account=account)
    project = account.projects.create(name="Main")
    record_month(account, SEPTEMBER, events=20, project=project)
    usage_aggregate()
    billing.invoice_close(account=account, month=SEPTEMBER)
    spend_alert_create(
        account=account, actor=user, scope="project", project=project, thresholds=[1_000_000]
    )
    spend_alert_create(
        account=account,
        actor=user,
        scope="account",
        thresholds=[2_000_000],
        all_managers=False,
        recipients=[Membership.objects.get(account=account)],
    )
    assert spend_alerts_check(now=datetime(2026, 9, 30, 23, 59, tzinfo=UTC)) == 2
    kept = account_with_owner(name="Kept")
    billing.billing_settings_update(
        account=kept.account,
        actor=kept.user,
        autopay_enabled=True,
        threshold_micros=5_000_000,
        amount_micros=5_000_000,
    )
    billing.autopay_top_up(account=kept.account)
    assert Invoice.objects.filter(account=account).exists()
    assert InvoiceLine.objects.filter(account=account).exists()
    assert SpendAlertFiring.objects.filter(account=account).count() == 2

    account_id = account.pk
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(account=account, actor=user, confirm_name="Closing Co")
    assert rows_of(account_id) == {}
    assert not SpendAlert.recipients.through.objects.exists()
    assert not Account.objects.filter(pk=account_id).exists()
    # Another account's ledger is untouched.
    assert sel.ledger_balance(kept.account) == 5_000_000
