"""On a phone (390x844): the header's menus stay on screen, and a manager deletes a
key and removes a member from stacked rows, through the confirm dialogs, by role."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.permissions import Role
from accounts.plans import PlanCode
from apikeys.models import ApiKey
from apikeys.services import apikey_create
from projects.services import project_create
from tests.browser.conftest import PHONE, screenshot
from tests.factories import PASSWORD, MembershipFactory, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_on_screen(locator, width=PHONE["width"]):
    box = locator.bounding_box()
    assert box is not None, locator
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (locator, box)


def assert_no_sideways_scroll(page):
    """The page itself never scrolls sideways (a wide table scrolls inside its frame)."""
    wider = page.evaluate(
        """(width) => [...document.querySelectorAll("body *")]
             .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest(".table-wrap"))
             .map((e) => e.tagName + "." + e.className)""",
        PHONE["width"],
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        page.url,
        wider,
    )


def test_phone_switcher_menu_and_deleting_a_key_and_a_member(browser, live_server):
    owner = account_with_owner(name="Acme Speech Studio", plan=PlanCode.CONTRACTED)
    user = owner.user
    MembershipFactory(user=user, account__name="Rita's Very Long Studio Name", role=Role.ADMIN)
    reader = MembershipFactory(
        account=owner.account, role=Role.READER, user__email="reader@example.com"
    )
    project = project_create(account=owner.account, actor=user, name="Production")
    api_key = apikey_create(
        account=owner.account, actor=user, project=project, name="Phone app"
    ).api_key

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/auth/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Choose an account")
        page.get_by_role("main").get_by_role("button", name="Acme Speech Studio").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Acme Speech Studio")
        assert_no_sideways_scroll(page)

        # The account switcher opens within the screen, every account fully visible.
        switcher = page.get_by_role("group", name="Switch account")
        switcher.click()
        other = switcher.get_by_role("button", name="Rita's Very Long Studio Name")
        expect(other).to_be_visible()
        assert_on_screen(other)
        assert_on_screen(switcher.get_by_role("button", name="Acme Speech Studio"))
        screenshot(page, "phone-switcher-open")
        # Escape closes it (menus.js) and focus stays on its button.
        page.keyboard.press("Escape")
        expect(other).to_be_hidden()

        # The user menu too.
        usermenu = page.get_by_role("group", name="User menu")
        usermenu.click()
        log_out = usermenu.get_by_role("button", name="Log out")
        expect(log_out).to_be_visible()
        assert_on_screen(log_out)
        page.keyboard.press("Escape")
        expect(log_out).to_be_hidden()

        # The sections hide behind the Menu button.
        sections = page.get_by_role("navigation", name="Sections")
        expect(sections).to_be_hidden()
        page.get_by_role("group", name="Menu", exact=True).click()
        expect(sections).to_be_visible()
        screenshot(page, "phone-menu-open")
        sections.get_by_role("link", name="API keys").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
        assert_no_sideways_scroll(page)

        # The key's Delete is on screen in its stacked row; cancelling returns focus to it.
        delete = page.get_by_role("link", name="Delete the key Phone app")
        assert_on_screen(delete)
        screenshot(page, "phone-keys")
        delete.click()
        dialog = page.get_by_role("dialog", name="Delete the key Phone app?")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("Applications using this key will stop working.")
        expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
        assert_on_screen(dialog.get_by_role("button", name="Delete key"))
        screenshot(page, "phone-key-dialog")
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()
        expect(delete).to_be_focused()
        assert ApiKey.objects.live().filter(pk=api_key.pk).exists()
        delete.click()
        dialog.get_by_role("button", name="Delete key").click()
        expect(page.get_by_role("status")).to_contain_text("Deleted the key Phone app.")
        assert not ApiKey.objects.live().filter(pk=api_key.pk).exists()

        # Remove a member the same way.
        page.get_by_role("group", name="Menu", exact=True).click()
        page.get_by_role("navigation", name="Sections").get_by_role("link", name="Members").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Members")
        assert_no_sideways_scroll(page)
        remove = page.get_by_role("link", name="Delete reader@example.com")
        assert_on_screen(remove)
        assert_on_screen(page.get_by_role("combobox", name="Role of reader@example.com"))
        screenshot(page, "phone-members")
        remove.click()
        dialog = page.get_by_role(
            "dialog", name="Remove reader@example.com from Acme Speech Studio?"
        )
        expect(dialog).to_contain_text("loses access to Acme Speech Studio at once")
        dialog.get_by_role("button", name="Remove member").click()
        expect(page.get_by_role("status")).to_contain_text("reader@example.com was removed")
        assert not Membership.objects.filter(pk=reader.pk).exists()
        screenshot(page, "phone-members-after")
    finally:
        context.close()
