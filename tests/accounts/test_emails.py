"""Mail from the services: sent after the commit, and a mail server that fails breaks nothing."""

import pytest
from django.core import mail
from django.urls import reverse

from members.models import Invitation

pytestmark = pytest.mark.django_db


def test_an_invite_stands_when_the_mail_server_is_down(
    clients, settings, caplog, django_capture_on_commit_callbacks
):
    # A real SMTP connection to a port nothing listens on.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["admin"].post(
            reverse("members:invite"), {"email": "new@example.com", "role": "reader"}
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="new@example.com").exists()
    assert "Could not send" in caplog.text and "new@example.com" in caplog.text
    assert not mail.outbox


def test_mail_goes_out_after_the_commit_with_the_consoles_subject(
    clients, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        clients["admin"].post(
            reverse("members:invite"), {"email": "new@example.com", "role": "reader"}
        )
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert mail.outbox[0].subject.startswith("[Speech console] Join Acme")


def test_a_password_reset_request_stands_when_the_mail_server_is_down(team, settings, caplog):
    from django.test import Client

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    response = Client().post(reverse("account_reset_password"), {"email": team.reader.email})
    assert response.status_code == 302
    assert "Could not send account/email/password_reset_key" in caplog.text
