"""axe-core on every console page, light and dark, at desktop and phone widths (issue 17).

One browser context per width and scheme, each page visited once per context; any
serious or critical violation fails the test, listed page by page. Full-page
screenshots of each visit are kept under var/screenshots/a11y/ for a person to
look at (nothing compares them).
"""

import io
import re
import shutil
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account, User
from apikeys.models import ApiKey
from members.models import Invitation
from projects.models import Project
from reporting.alerts.models import SpendAlert
from reporting.alerts.services import spend_alert_create
from reporting.billing.services import invoice_close
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, axe_violations, screenshot
from tests.transcripts.api_support import stored_transcript
from webhooks.services import webhook_endpoint_create, webhook_test_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-console-2026"  # seed_demo's


def demo_world():
    """The demo data (seed_demo), plus an alert, an invoice and a transcript."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    invite_url = re.search(r"^invite (\S+)", out.getvalue(), re.M).group(1)
    owner = User.objects.get(email="owner@example.com")
    account = Account.objects.get(name="Acme Speech")
    project = Project.objects.for_account(account).order_by("pk").first()
    key = ApiKey.objects.for_account(account).live().order_by("pk").first()
    alert = spend_alert_create(
        account=account, actor=owner, scope=SpendAlert.Scope.ACCOUNT, thresholds=[50_000_000]
    )
    last_month = (timezone.now().date().replace(day=1) - timedelta(days=1)).replace(day=1)
    invoice, _ = invoice_close(account=account, month=date(last_month.year, last_month.month, 1))
    transcript = stored_transcript(project, key)
    reader = account.memberships.get(user__email="reader@example.com")
    invitation = Invitation.objects.filter(account=account).order_by("pk").first()
    hook = webhook_endpoint_create(
        account=account, actor=owner, url="https://1.1.1.1/hook", events=["api_key.expired"]
    ).endpoint
    webhook_test_send(account=account, actor=owner, endpoint=hook)
    p = project.pk
    pages = [
        "/",
        "/projects/",
        f"/projects/{p}/delete/",
        f"/projects/{p}/transcripts/",
        f"/projects/{p}/transcripts/new/",
        f"/projects/{p}/transcripts/{transcript.pk}/",
        f"/projects/{p}/transcripts/{transcript.pk}/delete/",
        "/keys/",
        f"/keys/{key.pk}/",
        f"/keys/{key.pk}/delete/",
        "/members/",
        f"/members/{reader.pk}/delete/",
        f"/members/invites/{invitation.pk}/delete/",
        "/reporting/",
        "/reporting/billing/",
        "/reporting/billing/invoices/",
        f"/reporting/billing/invoices/{invoice.pk}/",
        f"/reporting/billing/invoices/{invoice.pk}/print/",
        "/reporting/limits/",
        "/reporting/alerts/",
        "/reporting/alerts/new/",
        f"/reporting/alerts/{alert.pk}/edit/",
        f"/reporting/alerts/{alert.pk}/delete/",
        "/account/",
        "/account/settings/",
        "/account/audit/",
        "/webhooks/",
        "/webhooks/new/",
        f"/webhooks/{hook.pk}/",
        f"/webhooks/{hook.pk}/secret/",
        "/account/new/",
        "/account/delete/",
        "/account/security/",
        "/account/security/setup/",
        "/auth/password/change/",
        # Last: choosing an account ends on the chooser page.
        "/account/choose/",
    ]
    anonymous = [
        "/auth/login/",
        "/auth/signup/",
        "/auth/password/reset/",
        "/auth/password/reset/done/",
        "/auth/password/reset/key/1-bad-token/",
        "/" + invite_url.split("://", 1)[1].split("/", 1)[1],  # the invitation's accept page
    ]
    return pages, anonymous


def test_every_page_has_no_serious_accessibility_violation(browser, live_server):
    pages, anonymous = demo_world()
    shutil.rmtree(SCREENSHOTS / "a11y", ignore_errors=True)
    problems = []
    for size_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for scheme in ("light", "dark"):
            # axe-core goes in as a script of the test's own, which the console's
            # Content-Security-Policy rightly refuses (tests/browser/test_csp.py checks it).
            context = browser.new_context(
                base_url=live_server.url, viewport=viewport, color_scheme=scheme, bypass_csp=True
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            try:
                for path in anonymous:
                    page.goto(path)
                    problems += axe_violations(page)
                    screenshot(page, f"a11y/{size_name}-{scheme}{slug(path)}")
                page.goto("/auth/login/")
                page.get_by_label("Email").fill("owner@example.com")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Log in").click()
                expect(page.get_by_role("heading", level=1)).to_have_text("Acme Speech")
                for path in pages:
                    response = page.goto(path)
                    assert response.ok, (path, response.status)
                    problems += axe_violations(page)
                    screenshot(page, f"a11y/{size_name}-{scheme}{slug(path)}")
            finally:
                context.close()
    assert problems == [], "\n".join(problems)


def slug(path: str) -> str:
    """A file name for a page: ids and tokens (long path segments) become "x"."""
    path = "/".join("x" if len(part) > 20 else part for part in path.split("/"))
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).rstrip("-") or "-home"
