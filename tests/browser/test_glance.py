"""Dense data and first minutes in a real browser at 1280x800 (issue 17); screenshots in var/screenshots/."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.models import SealedTOTPDevice
from projects.models import Project
from reporting.usage.services import usage_aggregate, usage_event_record
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, account_with_owner, totp_code
from tests.reporting.support import hours_ago

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.VAR_DIR) / "screenshots"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def owner(page):
    membership = account_with_owner(name="Glance Co", plan="contracted")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, membership.user.email, PASSWORD)
    return membership


def test_thirty_days_of_three_products_fit_in_one_screenful_and_a_half(page, owner):
    project = Project.objects.create(account=owner.account, name="Production")
    products = [
        ("speech_to_text", "best", 1800),
        ("streaming", "universal-streaming", 900),
        ("llm_gateway", "gpt-4.1", 250_000),
    ]
    for day in range(30):
        for product, model, quantity in products:
            usage_event_record(
                account=owner.account,
                project=project,
                api_key=None,
                product=product,
                model=model,
                quantity=quantity,
                occurred_at=hours_ago(24 * day + 1),
                idempotency_key=f"g:{product}:{day}",
            )
    usage_aggregate()
    page.goto("/reporting/?period=30d&group=product")
    expect(page.locator("#usage-chart")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#report-summary tbody tr")).to_have_count(3)
    height = page.evaluate("document.documentElement.scrollHeight")
    shot(page, "reporting-30-days")
    assert height < 1500, f"the Reporting page is {height} px tall"
    # The detail is one click away, and the CSV has it too.
    detail = page.locator("#report-table")
    expect(detail).to_be_hidden()
    page.get_by_text("Per day detail").click()
    expect(detail).to_be_visible()
    assert page.locator("#report-table tbody tr").count() >= 90


def test_a_long_project_name_wraps_and_create_is_inline(page, owner):
    Project.objects.create(account=owner.account, name="x" * 100)
    page.goto("/projects/")
    delete = page.get_by_role("link", name="Delete").first
    box = delete.bounding_box()
    assert box["x"] + box["width"] <= 1280, "Delete is pushed out of view"
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Project name").fill("Mobile")
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#project-created")).to_have_text("Created the project Mobile.")
    expect(page.get_by_role("cell", name="Mobile", exact=True)).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True  # swapped by htmx, no reload
    shot(page, "projects-long-name")


def test_buttons_stand_clear_of_fields_and_recovery_codes_stay_in_their_box(page, owner):
    def gap(field, button):
        above, below = page.locator(field).bounding_box(), page.locator(button).bounding_box()
        return below["y"] - (above["y"] + above["height"])

    page.goto("/account/settings/")
    assert gap("input[name=name]", "button:text-is('Save')") >= 8
    shot(page, "account-settings")
    page.goto("/account/security/setup/")
    page.get_by_role("button", name="Start").click()
    assert gap("input[name=code]", "button:has-text('Turn on MFA')") >= 8
    shot(page, "mfa-setup")
    device = SealedTOTPDevice.objects.get(user=owner.user)
    page.fill("input[name=code]", totp_code(device))
    page.get_by_role("button", name="Turn on MFA").click()
    codes = page.locator("ol.recovery-codes")
    expect(codes.locator("li")).to_have_count(10)
    # The widest number ("10.") fits in the list's padding, inside its shaded box.
    fits = page.evaluate(
        """() => {
          const ol = document.querySelector('ol.recovery-codes');
          const style = getComputedStyle(ol);
          const ctx = document.createElement('canvas').getContext('2d');
          ctx.font = style.font;
          return parseFloat(style.paddingLeft) >= ctx.measureText('10. ').width;
        }"""
    )
    assert fits
    shot(page, "recovery-codes")


def test_a_new_accounts_dashboard_says_what_to_do_first(page, owner, live_server):
    page.goto("/")
    card = page.locator("#getting-started")
    expect(card).to_contain_text("Get started (0 of 4 done)")
    expect(page.locator("#sdk-snippet")).to_contain_text(f'base_url = "{live_server.url}"')
    expect(page.locator("#attention")).to_be_visible()
    shot(page, "dashboard-new-account")
