"""Reseal every authenticator secret with the first of MFA_SEALING_KEYS (after adding a key)."""

from django.core.management.base import BaseCommand

from accounts.mfa.services import sealed_secrets_rotate


class Command(BaseCommand):
    help = "Reseal every authenticator secret with the first key of MFA_SEALING_KEYS."

    def handle(self, *args, **options):
        count = sealed_secrets_rotate()
        self.stdout.write(f"Resealed {count} authenticator secrets with the first sealing key.")
