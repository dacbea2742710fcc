"""An Admin creates a spend alert from the Reporting page and sees it listed; billing in a browser."""

import pytest
from playwright.sync_api import expect

from accounts.permissions import Role
from accounts.plans import PlanCode
from reporting.models import BillingSettings, SpendAlert
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin_of_acme():
    owner = account_with_owner(name="Acme", plan=PlanCode.PAYG)
    account = owner.account
    account.projects.create(name="Production")
    MembershipFactory(account=account, role=Role.READER, user__email="reader@acme.test")
    admin = MembershipFactory(account=account, role=Role.ADMIN, user__email="admin@acme.test")
    return admin


def test_admin_creates_a_spend_alert(page, admin_of_acme):
    log_in(page, "admin@acme.test", PASSWORD)
    page.click("nav >> text=Reporting")
    page.click("#alerts-link")
    expect(page.locator("main")).to_contain_text("No spend alerts yet.")
    page.click("#new-alert")

    # A mistake first: a project alert without a project.
    page.check("input[name=scope][value=project]")
    page.fill("#id_thresholds", "100, 250")
    page.click("button:has-text('Create alert')")
    expect(page.locator("main")).to_contain_text("Choose one of this account's projects.")
    assert not SpendAlert.objects.exists()

    page.select_option("#id_project", label="Production")
    page.check("input[name=kind][value=pace]")
    page.check("input[name=notify][value=chosen]")
    page.check("label:has-text('reader@acme.test') input")
    page.click("button:has-text('Create alert')")
    expect(page.locator(".messages")).to_contain_text("Created the spend alert.")
    alert = SpendAlert.objects.get()
    row = page.locator(f"#alert-{alert.pk}")
    expect(row).to_contain_text("Project Production")
    expect(row).to_contain_text("$100.00, $250.00")
    expect(row).to_contain_text("On pace to pass each")
    expect(row).to_contain_text("reader@acme.test")
    expect(row).to_contain_text("Never")
    assert alert.kind == "pace" and alert.thresholds == [100_000_000, 250_000_000]
    assert [m.user.email for m in alert.recipients.all()] == ["reader@acme.test"]


def test_admin_turns_autopay_on_from_the_billing_page(page, admin_of_acme):
    log_in(page, "admin@acme.test", PASSWORD)
    page.click("nav >> text=Billing")
    expect(page.locator("#billing-email")).to_have_text(admin_of_acme.account.billing_email)
    page.check("#id_autopay_enabled")
    page.fill("#id_threshold", "20")
    page.fill("#id_amount", "50")
    page.click("button:has-text('Save autopay')")
    expect(page.locator(".messages")).to_contain_text("Saved the autopay settings.")
    expect(page.locator("#autopay-status")).to_contain_text(
        "$50.00 when the balance is below $20.00"
    )
    assert BillingSettings.objects.get().autopay_enabled
