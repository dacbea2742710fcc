"""Email sent by the console's services."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction


def send_on_commit(*, subject: str, body: str, recipients: list[str]) -> None:
    """Send once the surrounding transaction commits: a rolled-back change mails nobody."""
    recipients = sorted({r for r in recipients if r})
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        )
