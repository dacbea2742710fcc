import hashlib
import secrets
from datetime import timedelta
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.permissions import ASSIGNABLE_ROLES, Role
from accounts.tenancy import TenantQuerySet

INVITE_LIFETIME = timedelta(days=7)


def new_token() -> str:
    """An unguessable invite token; only its digest is stored."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(TenantQuerySet["Invitation"]):
    def pending(self) -> Self:
        return self.filter(status=Invitation.Status.PENDING)

    def pending_for_account(self, account: Account) -> Self:
        """The account's pending invites, expired ones included until deleted or resent."""
        return self.for_account(account).pending()

    def holding_seat(self, account: Account) -> Self:
        """Pending invites that hold a seat (M1): not expired. Resending an expired one
        takes a seat again, within the limit."""
        return self.pending_for_account(account).filter(expires_at__gt=timezone.now())

    def by_token(self, token: str) -> "Invitation | None":
        """The invitation a link's token names, or None (also for malformed tokens)."""
        if not token or len(token) > 100:
            return None
        return (
            self.select_related("account", "invited_by")
            .filter(token_digest=token_digest(token))
            .first()
        )


class Invitation(models.Model):
    """An email invited to join an account with a role (M1, M2)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=10, choices=[(r.value, r.label) for r in ASSIGNABLE_ROLES], default=Role.READER
    )
    token_digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    # The plain token, set on the instance by the services that issue one
    # (members.services) so the caller can show or mail the link; never stored.
    token: str

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One pending invite per address and account; the service says so politely first.
            models.UniqueConstraint(
                "account",
                Lower("email"),
                condition=Q(status="pending"),
                name="one_pending_invite_per_email",
            ),
            # Nobody becomes Owner by invitation (M4).
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in ASSIGNABLE_ROLES]),
                name="invitation_role_assignable",
            ),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()}) to {self.account}"

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    def issue_token(self) -> str:
        """Give the invite a fresh token and expiry; earlier links stop working."""
        token = new_token()
        now = timezone.now()
        self.token_digest = token_digest(token)
        self.sent_at = now
        self.expires_at = now + INVITE_LIFETIME
        return token

    @staticmethod
    def accept_url(token: str) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("members:accept", args=[token])
