"""A manager rolls a key in the browser, copies its successor, and sees the pair (K6)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.plans import PlanCode
from apikeys.auth import authenticate
from apikeys.models import ApiKey
from apikeys.services import apikey_create
from projects.models import Project
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_roll_a_key_and_copy_the_new_one(browser, live_server):
    owner = account_with_owner(name="Acme", plan=PlanCode.CONTRACTED)
    project = Project.objects.create(account=owner.account, name="Production")
    old = apikey_create(account=owner.account, actor=owner.user, project=project, name="Backend")
    context = browser.new_context(base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, owner.user.email, PASSWORD)
        page.goto("/keys/")
        dialog = page.locator(f"#roll-key-{old.api_key.pk}")
        page.click(f"#key-{old.api_key.pk} a:has-text('Roll key')")
        expect(dialog).to_be_visible()
        dialog.locator("select[name=overlap]").select_option(label="1 hour")
        dialog.locator("button:has-text('Roll key')").click()

        expect(page.locator("h1")).to_have_text("API key rolled")
        expect(page.locator("#rolled-from")).to_contain_text("keeps working until")
        secret = page.input_value("#secret")
        assert re.fullmatch(r"ak_live_\w{36}", secret)
        page.click("#copy-secret")
        expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
        assert page.evaluate("navigator.clipboard.readText()") == secret

        new = authenticate(secret)
        assert new.rolled_from_id == old.api_key.pk
        assert authenticate(old.secret).pk == old.api_key.pk  # the overlap

        page.click("a:has-text('Done')")
        rows = page.locator("main tbody tr")
        expect(rows.nth(0)).to_have_id(f"key-{new.pk}")
        expect(rows.nth(1)).to_have_id(f"key-{old.api_key.pk}")
        expect(rows.nth(1)).to_contain_text("works for 59")
        assert secret not in page.content()
    finally:
        context.close()
    assert ApiKey.objects.filter(rolled_from=old.api_key).count() == 1
