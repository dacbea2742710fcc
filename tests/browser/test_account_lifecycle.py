"""The sole Owner deletes their account from the Account page (A5)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sole_owner_deletes_the_account_after_typing_its_name(page):
    owner = account_with_owner(name="Short Lived")
    log_in(page, owner.user.email, PASSWORD)
    page.click("nav >> text=Account")
    page.click("text=Delete account…")
    expect(page.locator("h1")).to_have_text("Delete Short Lived")

    page.fill("input[name=confirm_name]", "short lived")
    page.click("button:has-text('Delete this account for good')")
    expect(page.locator(".errorlist")).to_contain_text("exactly")
    assert Account.objects.filter(pk=owner.account.pk).exists()

    page.fill("input[name=confirm_name]", "Short Lived")
    page.click("button:has-text('Delete this account for good')")
    expect(page.locator("h1")).to_have_text("You are not a member of any account")
    expect(page.locator(".messages")).to_contain_text("Short Lived and all its data were deleted")
    assert not Account.objects.filter(pk=owner.account.pk).exists()
