import logging
from smtplib import SMTPException

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from accounts import services

logger = logging.getLogger(__name__)


class ConsoleAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """Every sign-up gets an account of its own, as its Owner, on the Free plan (A2)."""
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                name = (form.cleaned_data.get("account_name") or "").strip()
                services.account_create(owner=user, name=name or default_account_name(user))
        return user

    def send_mail(self, template_prefix, email, context):
        """Sign-up verification and password reset mail: a mail server that fails is
        logged, not shown as an error page (the person can ask for it again)."""
        try:
            super().send_mail(template_prefix, email, context)
        except (SMTPException, OSError):
            logger.exception("Could not send %s to %s", template_prefix, email)

    def get_login_stages(self):
        """After the password, users with MFA give a code (accounts/mfa/stages.py)."""
        return [*super().get_login_stages(), "accounts.mfa.stages.MfaStage"]


def default_account_name(user) -> str:
    return f"{user.email.split('@')[0]}'s account"
