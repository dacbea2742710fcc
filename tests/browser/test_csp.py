"""The main pages, htmx swaps and the support admin run with the CSP enforced: no violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_reporting import owner_with_usage, wait_for_datasets  # noqa: F401
from tests.factories import PASSWORD, UserFactory, enrol_mfa, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collected in the page itself: every violation fires this event, whatever the console says.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watched(page):
    messages = []
    page.on(
        "console",
        lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(WATCH)
    return messages


def violations(page, messages):
    return messages + page.evaluate("window.__csp || []")


def test_main_pages_and_htmx_swaps_have_no_csp_violation(page, owner_with_usage):  # noqa: F811
    messages = watched(page)
    log_in(page, owner_with_usage.email, PASSWORD)
    for path in ["/", "/projects/", "/keys/", "/members/", "/account/", "/account/security/"]:
        response = page.goto(path)
        assert "script-src" in response.headers["content-security-policy"]
        assert violations(page, messages) == [], path

    page.goto("/reporting/?period=7d&group=product")
    expect(page.locator("#usage-chart")).to_have_attribute("data-drawn", "true")
    wait_for_datasets(page, 2)
    page.select_option("select[name=group]", "project")  # an htmx swap
    expect(page.locator("#report-table tbody")).to_contain_text("Mobile")
    assert violations(page, messages) == []
    wait_for_datasets(page, 3)
    assert page.evaluate("typeof htmx") == "object"  # htmx loaded with its nonce
    assert page.locator("head style").count() == 0  # htmx added no <style>
    assert violations(page, messages) == []


def test_the_support_admin_has_no_csp_violation(page):
    staff = UserFactory(email="support@console.test", is_staff=True, is_superuser=True)
    device, _codes = enrol_mfa(staff)
    messages = watched(page)
    page.goto("/support/")
    page.fill("input[name=login]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action^='/auth/login/'] button[type=submit]")
    page.fill("input[name=code]", totp_code(device))
    page.click("button[name=verify]")
    expect(page.locator("#site-name")).to_contain_text("support")
    for path in [
        "/support/accounts/account/",
        "/support/accounts/user/",
        f"/support/accounts/user/{staff.pk}/change/",
    ]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        assert violations(page, messages) == [], path
