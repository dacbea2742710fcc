"""An Owner invites a Reader who joins from the emailed link; then the Owner requires MFA (M1, M2, A3, A6)."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.plans import PlanCode
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, account_with_owner, enrol_mfa, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_accept_then_required_mfa(new_page):
    owner = account_with_owner(name="Acme Speech", plan=PlanCode.PAYG).user
    device, _ = enrol_mfa(owner)

    # The Owner logs in with password and authenticator code.
    boss = new_page()
    log_in(boss, owner.email, PASSWORD)
    expect(boss.locator("h1")).to_have_text("Enter your code")
    boss.fill("input[name=code]", totp_code(device))
    boss.click("button[name=verify]")
    expect(boss.locator("h1")).to_have_text("Acme Speech")

    # Invite a Reader (preselected) from the Members page.
    boss.click("nav >> text=Members")
    expect(boss.locator("#id_role")).to_have_value("reader")
    boss.fill("#id_email", "newcomer@example.com")
    boss.click("text=Send invite")
    expect(boss.locator(".messages")).to_contain_text("Invitation sent to newcomer@example.com")
    expect(boss.locator("tr.invite")).to_contain_text("newcomer@example.com")
    expect(boss.locator("#seats")).to_have_text("2 of 20 seats used (1 pending)")

    link = re.search(r"https?://\S+(/members/join/\S+/)", mail.outbox[-1].body).group(1)

    # The invitee opens the link in another browser, signs up and lands in the account.
    invitee = new_page()
    invitee.goto(link)
    expect(invitee.locator("h1")).to_have_text("Join Acme Speech")
    expect(invitee.locator("main")).to_contain_text("as Reader")
    invitee.locator("main").get_by_role("link", name="Sign up", exact=True).click()
    expect(invitee.locator("input[name=email]")).to_have_value("newcomer@example.com")
    invitee.fill("input[name=password1]", "a-long-unusual-password-42")
    invitee.fill("input[name=password2]", "a-long-unusual-password-42")
    invitee.fill("input[name=account_name]", "Newcomer Labs")
    invitee.click("main form button[type=submit]")
    expect(invitee.locator("h1")).to_have_text("Acme Speech")
    expect(invitee.locator(".messages")).to_contain_text("You joined Acme Speech as Reader")
    invitee.click(".switcher summary")
    expect(invitee.locator(".switcher .switcher-menu button")).to_have_count(2)
    expect(invitee.locator(".switcher .switcher-menu")).to_contain_text("Newcomer Labs")
    expect(invitee.locator(".switcher .switcher-menu")).to_contain_text("Acme Speech")

    # The Owner sees the new member, without MFA, and requires MFA.
    boss.reload()
    row = boss.locator("tr", has_text="newcomer@example.com")
    expect(row).to_contain_text("Reader")
    expect(row).to_contain_text("Not enrolled")
    # Choosing a role saves it at once (htmx), with no Save button to press.
    expect(row.locator("button:has-text('Save')")).to_have_count(0)
    row.locator("select[name=role]").select_option("admin")
    expect(row.locator("[role=status]")).to_have_text("Saved")
    boss.reload()
    expect(row.locator("select[name=role]")).to_have_value("admin")
    with boss.expect_response(lambda response: response.request.method == "POST"):
        row.locator("select[name=role]").select_option("reader")
    boss.reload()
    expect(row.locator("select[name=role]")).to_have_value("reader")
    boss.click("nav >> text=Account")
    boss.click("text=Edit settings")
    expect(boss.locator(".without-mfa")).to_contain_text("newcomer@example.com")
    boss.click("#require-mfa button:has-text('Require MFA')")
    expect(boss.locator(".messages")).to_contain_text("Required MFA is on")

    # The member's next page of that account is enrolment.
    invitee.goto("/projects/")
    expect(invitee.locator("h1")).to_have_text("Set up MFA")
    expect(invitee.locator(".notice")).to_contain_text("Acme Speech requires MFA")
    # Their own account stays usable.
    invitee.click(".switcher summary")
    invitee.click(".switcher .switcher-menu button:has-text('Newcomer Labs')")
    expect(invitee.locator(".switcher summary")).to_contain_text("Newcomer Labs")
    invitee.click("nav >> text=Projects")
    expect(invitee.locator("h1")).to_have_text("Projects")
