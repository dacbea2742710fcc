"""Every main form works with JavaScript off: htmx enhances, never gates (B2)."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from accounts.permissions import Role
from accounts.plans import PlanCode
from apikeys.models import ApiKey
from members.models import Invitation
from projects.models import Project
from reporting.models import SpendAlert
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MembershipFactory, account_with_owner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_js_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_main_forms_work_without_javascript(
    no_js_page, speech_wav, eager_celery, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page = no_js_page
    owner = account_with_owner(name="Acme", plan=PlanCode.CONTRACTED)
    reader = MembershipFactory(account=owner.account, role=Role.READER).user
    # A second account of the Owner's, to switch to.
    MembershipFactory(account__name="Side Project", user=owner.user, role=Role.ADMIN)

    log_in(page, owner.user.email, PASSWORD)
    page.click("main >> text=Acme")  # the account chooser
    expect(page.locator("h1")).to_have_text("Acme")

    # Switch accounts from the navbar and back (details/summary, a plain POST).
    page.click(".switcher summary")
    page.click(".switcher-menu button:has-text('Side Project')")
    expect(page.locator(".switcher summary")).to_contain_text("Side Project")
    page.click(".switcher summary")
    page.click(".switcher-menu button:has-text('Acme')")
    expect(page.locator(".switcher summary")).to_contain_text("Acme")

    # Create a project, then rename it: the inline form posts and comes back.
    page.goto("/projects/")
    page.fill("#id_name", "Prod")
    page.click("button:has-text('Create project')")
    expect(page.locator(".messages")).to_contain_text("Created the project Prod.")
    project = Project.objects.get(account=owner.account)
    row = page.locator(f"#project-{project.pk}")
    row.locator("summary:has-text('Rename')").click()
    row.locator("input[name=name]").fill("Production")
    row.locator("button:has-text('Save')").click()
    expect(page.locator(f"#project-{project.pk} .project-name")).to_have_text("Production")

    # Create an API key: shown once.
    page.goto("/keys/")
    page.fill("#id_name", "Production API")
    page.click("button:has-text('Create key')")
    expect(page.locator("h1")).to_have_text("API key created")
    assert ApiKey.objects.for_account(owner.account).count() == 1

    # Invite someone, then change the Reader's role with the Save button.
    page.goto("/members/")
    page.fill("#id_email", "new@example.com")
    page.click("text=Send invite")
    expect(page.locator(".messages")).to_contain_text("Invitation sent to new@example.com")
    assert Invitation.objects.filter(account=owner.account, email="new@example.com").exists()
    member_row = page.locator("tr", has_text=reader.email)
    member_row.locator("select[name=role]").select_option("admin")
    member_row.locator("button:has-text('Save')").click()
    expect(page.locator("tr", has_text=reader.email).locator("select[name=role]")).to_have_value(
        "admin"
    )
    assert Membership.objects.get(account=owner.account, user=reader).role == Role.ADMIN

    # Reporting filters.
    page.goto("/reporting/")
    page.select_option("select[name=group]", "project")
    page.click("button:has-text('Show')")
    expect(page).to_have_url(re.compile(r"group=project"))

    # A spend alert.
    page.goto("/reporting/alerts/new/")
    page.fill("#id_thresholds", "50, 100")
    page.click("button:has-text('Create alert')")
    expect(page.locator(".messages")).to_contain_text("Created the spend alert.")
    assert SpendAlert.objects.filter(account=owner.account).count() == 1

    # Upload a file to transcribe from the Transcripts page.
    page.goto(f"/projects/{project.pk}/transcripts/new/")
    page.set_input_files("input[name=audio]", str(speech_wav))
    page.click("button:has-text('Upload and transcribe')")
    expect(page.locator("h1")).to_have_text("Transcript")
    expect(page.locator(".messages")).to_contain_text("The transcript is queued.")
    # Transcribed at once here (Celery runs eagerly in this test).
    page.reload()
    expect(page.locator("main")).to_contain_text("Completed")
    expect(page.locator("main")).to_contain_text("Console upload")
