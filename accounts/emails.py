"""Email sent by the console's services."""

import logging
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)


def send_on_commit(*, subject: str, body: str, recipients: list[str]) -> None:
    """Send once the surrounding transaction commits: a rolled-back change mails nobody.

    The change stands whatever the mail server says: a failure to send is logged,
    never turned into an error page.
    """
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    # A line break in a subject is a header injection Django refuses (BadHeaderError):
    # names are validated, and a name stored before that rule must not lose the mail.
    subject = " ".join(subject.split())

    def send():
        try:
            send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        except (SMTPException, OSError):
            logger.exception("Could not send %r to %s", subject, ", ".join(recipients))

    transaction.on_commit(send)
