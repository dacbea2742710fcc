"""A manager creates a project and a key, sees the key once, then deletes both (P4, K2, K3)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.plans import PlanCode
from apikeys.auth import authenticate
from apikeys.models import ApiKey
from projects.models import Project
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_project_and_key_lifecycle(page):
    owner = account_with_owner(name="Acme", plan=PlanCode.CONTRACTED)
    log_in(page, owner.user.email, PASSWORD)

    # Create a project, then rename it inline (htmx swaps the row).
    page.click("nav >> text=Projects")
    page.fill("#id_name", "Prod")
    page.click("button:has-text('Create project')")
    # Created inline (htmx swaps the form and the table, issue 17): the message is in the form's card.
    expect(page.locator("#project-created")).to_contain_text("Created the project Prod.")
    project = Project.objects.get(account=owner.account)
    row = page.locator(f"#project-{project.pk}")
    row.locator("summary:has-text('Rename')").click()
    row.locator("input[name=name]").fill("Production")
    row.locator("button:has-text('Save')").click()
    expect(page.locator(f"#project-{project.pk} .project-name")).to_have_text("Production")
    expect(page.locator(f"#project-{project.pk}")).to_contain_text("Renamed")

    # Create a key: the secret is shown once, with a copy control.
    page.click("nav >> text=API keys")
    page.select_option("#id_project", label="Production")
    page.fill("#id_name", "Production API")
    page.click("button:has-text('Create key')")
    expect(page.locator("h1")).to_have_text("API key created")
    expect(page.locator("main")).to_contain_text("It will not be shown again.")
    secret = page.input_value("#secret")
    assert re.fullmatch(r"ak_live_\w{36}", secret)
    assert authenticate(secret).project == project
    copy = page.locator("#copy-secret")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.locator("#copy-status")).not_to_be_empty()

    # Back on the list, and after a reload, only the prefix is shown.
    page.click("a:has-text('Done')")
    for _ in range(2):
        expect(page.locator("main table")).to_contain_text("Production API")
        expect(page.locator("code.key-prefix")).to_have_text(f"{secret[:12]}…")
        assert secret not in page.content()
        page.reload()

    # Delete through the confirm dialog; cancelling first keeps the key.
    api_key = ApiKey.objects.get()
    dialog = page.locator(f"#delete-key-{api_key.pk}")
    page.click(f"#key-{api_key.pk} a:has-text('Delete')")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        "This action cannot be undone. Applications using this key will stop working."
    )
    dialog.locator("button:has-text('Cancel')").click()
    expect(dialog).to_be_hidden()
    assert authenticate(secret)
    page.click(f"#key-{api_key.pk} a:has-text('Delete')")
    dialog.locator("button:has-text('Delete key')").click()
    expect(page.locator(".messages")).to_contain_text("Deleted the key Production API.")
    expect(page.locator("main")).to_contain_text("No API keys yet.")
    assert not ApiKey.objects.live().exists()

    # Delete the project through its dialog.
    page.click("nav >> text=Projects")
    page.click(f"#project-{project.pk} a:has-text('Delete')")
    dialog = page.locator(f"#delete-project-{project.pk}")
    expect(dialog).to_contain_text("applications using them stop working at once")
    dialog.locator("button:has-text('Delete project')").click()
    expect(page.locator(".messages")).to_contain_text("Deleted the project Production.")
    expect(page.locator("main")).to_contain_text("No projects yet.")


def test_delete_without_javascript_uses_the_confirm_page(browser, live_server):
    owner = account_with_owner(name="Acme", plan=PlanCode.CONTRACTED)
    project = Project.objects.create(account=owner.account, name="Production")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, owner.user.email, PASSWORD)
        page.goto("/projects/")
        page.click(f"#project-{project.pk} a:has-text('Delete')")
        expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/delete/$"))
        page.click("button:has-text('Delete project')")
        expect(page.locator(".messages")).to_contain_text("Deleted the project Production.")
    finally:
        context.close()
    assert not Project.objects.for_account(owner.account).exists()
