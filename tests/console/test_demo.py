"""The demo as a newcomer meets it: links to where it serves, readable email, quiet logs, an invoice."""

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config.mail import ReadableConsoleBackend
from members.services import invitation_create
from reporting.alerts.models import SpendAlert
from reporting.billing.models import Invoice
from reporting.billing.values import month_of, previous_month
from reporting.limits.models import SpendLimit
from reporting.models import UsageRollup

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_site_url_follows_the_port_when_unset():
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    env.update(PORT="8101", DJANGO_SETTINGS_MODULE="config.settings")
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "http://127.0.0.1:8101"
    # scripts/demo hands the same address to the seed, runserver and the worker.
    script = (ROOT / "scripts/demo").read_text()
    assert 'export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"' in script


def test_seed_prints_links_to_the_served_port_and_closes_last_month(
    settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://127.0.0.1:8101"
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    [invite] = [line for line in lines if line.startswith("invite ")]
    assert invite.startswith("invite http://127.0.0.1:8101/members/join/")
    # Last month's invoice is there right after seeding, if the demo month reached into it.
    last = previous_month(month_of(timezone.now()))
    used_last_month = UsageRollup.objects.filter(
        hour__year=last.year, hour__month=last.month
    ).exists()
    assert Invoice.objects.filter(month=last).exists() == used_last_month
    assert any(line.startswith("invoices ") for line in lines)
    # A spend limit to look at, alerted at 50/80/100 %, once however often it is seeded.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    [limit] = SpendLimit.objects.live()
    [alert] = SpendAlert.objects.all()
    assert (limit.scope, limit.amount_micros) == ("account", 5000 * 1_000_000)
    assert (alert.basis, alert.thresholds, alert.on_limit_reached) == (
        "limit_percent",
        [50, 80, 100],
        True,
    )


def test_demo_email_prints_whole_links_in_8bit(team, settings, django_capture_on_commit_callbacks):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            account=team.account, actor=team.owner, email="n@x.test", role="reader"
        )
    stream = io.StringIO()
    ReadableConsoleBackend(stream=stream).send_messages(mail.outbox)
    printed = stream.getvalue()
    assert "Content-Transfer-Encoding: 8bit" in printed
    assert "quoted-printable" not in printed and "=\n" not in printed
    assert invitation.accept_url(invitation.token) in printed.splitlines()
    assert "Subject: [Speech console] Join Acme" in printed


def test_a_refused_request_is_one_line_in_the_log(team, clients):
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        response = clients["reader"].post(reverse("projects:create"), {"name": "Nope"})
    finally:
        handler.setStream(old)
    assert response.status_code == 403
    lines = stream.getvalue().splitlines()
    assert lines == ["Forbidden (Permission denied): /projects/new/"]  # no traceback
