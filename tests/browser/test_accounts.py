"""A person signs up, logs in, sees their account and switches accounts (A1, A2)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.permissions import Role
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_creates_an_owned_free_account(page):
    page.goto("/auth/signup/")
    page.fill("input[name=email]", "newcomer@example.com")
    page.fill("input[name=password1]", "a-long-unusual-password-42")
    page.fill("input[name=password2]", "a-long-unusual-password-42")
    page.fill("input[name=account_name]", "Newcomer Labs")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Newcomer Labs")
    page.click("nav >> text=Account")
    expect(page.locator("dl.facts")).to_contain_text("Free")
    expect(page.locator("dl.facts")).to_contain_text("newcomer@example.com")


def test_log_in_choose_and_switch_accounts(page):
    first = account_with_owner(name="First Account")
    user = first.user
    second = MembershipFactory(user=user, account__name="Second Account", role=Role.READER)

    log_in(page, user.email, PASSWORD)
    # Several accounts: the chooser comes first (A1).
    expect(page.locator("h1")).to_have_text("Choose an account")
    page.click("main button:has-text('Second Account')")
    expect(page.locator("h1")).to_have_text("Second Account")
    expect(page.locator(".switcher summary")).to_contain_text("Reader")

    # The switcher moves to the other account without logging out.
    page.click(".switcher summary")
    page.click(".switcher-menu button:has-text('First Account')")
    expect(page.locator("h1")).to_have_text("First Account")
    expect(page.locator(".switcher summary")).to_contain_text("Owner")
    expect(page).to_have_url(re.compile(r"/$"))
    # The choice is the session's, not only this page's: the next request
    # (and the next page) is still in First Account, still logged in.
    page.reload()
    expect(page.locator("h1")).to_have_text("First Account")
    page.goto("/account/")
    expect(page.locator("dl.facts")).to_contain_text(first.account.name)
    expect(page.locator("dl.facts")).not_to_contain_text(second.account.name)
