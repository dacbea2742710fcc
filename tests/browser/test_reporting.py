"""The Reporting page in a real browser: the chart draws, htmx swaps it, and it works without JS."""

import pytest
from playwright.sync_api import expect

from projects.models import Project
from reporting.usage.services import usage_aggregate, usage_event_record
from tests.browser.conftest import log_in, wait_until
from tests.factories import PASSWORD, account_with_owner
from tests.reporting.support import hours_ago

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_datasets(page, count):
    wait_until(page, f"Chart.getChart('usage-chart')?.data.datasets.length === {count}")


@pytest.fixture
def owner_with_usage():
    membership = account_with_owner(name="Chart Co")
    account = membership.account
    for i, name in enumerate(["Web", "Mobile"]):
        project = Project.objects.create(account=account, name=name)
        for day in range(3):
            usage_event_record(
                account=account,
                project=project,
                api_key=None,
                product="speech_to_text",
                model="best" if i else "nano",
                quantity=1800 * (day + 1),
                occurred_at=hours_ago(24 * day + 1),
                idempotency_key=f"b:{name}:{day}",
            )
    usage_event_record(
        account=account,
        project=None,
        api_key=None,
        product="llm_gateway",
        model="gpt-4.1",
        quantity=40_000,
        occurred_at=hours_ago(1),
        idempotency_key="b:llm",
    )
    usage_aggregate()
    return membership.user


def test_chart_draws_and_htmx_swaps_chart_and_table(page, owner_with_usage):
    log_in(page, owner_with_usage.email, PASSWORD)
    page.goto("/reporting/?period=7d&group=product")
    expect(page.locator("#usage-chart")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#report-table thead")).to_contain_text("Product")
    wait_for_datasets(page, 2)

    page.evaluate("window.__sameDocument = true")
    page.select_option("select[name=group]", "project")
    expect(page.locator("#report-table thead")).to_contain_text("Project")
    expect(page.locator("#report-table tbody")).to_contain_text("Mobile")
    # Swapped in place (no full page load), URL updated so it can be shared.
    assert page.evaluate("window.__sameDocument") is True
    assert "group=project" in page.url
    expect(page.locator("#usage-chart")).to_have_attribute("data-drawn", "true")
    wait_for_datasets(page, 3)

    page.check("input[name=metric][value=usage]")
    expect(page.locator("#report h2").first).to_contain_text("Usage")
    wait_until(
        page,
        "(Chart.getChart('usage-chart')?.data.datasets || [])"
        ".map(d => d.stack).sort().join(',') === 'hours,hours,tokens'",
    )


def test_the_filters_work_without_javascript(browser, live_server, owner_with_usage):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, owner_with_usage.email, PASSWORD)
        page.goto("/reporting/")
        page.select_option("select[name=group]", "project")
        page.select_option("select[name=product]", "speech_to_text")
        page.click("#report-filters button[type=submit]")
        expect(page.locator("#report-table thead")).to_contain_text("Project")
        expect(page.locator("#report-table tbody")).not_to_contain_text("No project")
        assert "group=project" in page.url and "product=speech_to_text" in page.url
    finally:
        context.close()
