from datetime import datetime, timedelta
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.actors import KEY_ROLES, ApiActor
from accounts.permissions import Role
from accounts.tenancy import TenantQuerySet
from apikeys.scopes import Scope
from projects.models import Project


class ExpiryNotice(models.IntegerChoices):
    """The stages of `ApiKey.expiry_notice`, in the order they are sent (K5)."""

    NONE = 0, "None sent"
    DAYS_7 = 1, "7 days before"
    DAYS_1 = 2, "1 day before"
    EXPIRED = 3, "Expired"


class ApiKeyQuerySet(TenantQuerySet["ApiKey"]):
    """The account's working keys, across all its projects."""

    account_lookup = "project__account"

    def live(self) -> Self:
        return self.filter(deleted_at__isnull=True, project__deleted_at__isnull=True)

    def for_project(self, project: Project) -> Self:
        return self.live().filter(project=project)

    def counted(self, now: datetime | None = None) -> Self:
        """The keys the plan's limit counts: not expired, and not replaced by a live successor.

        A rolled key in its overlap does not count: its successor does (K6).
        """
        now = now or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).filter(
            Q(successor__isnull=True) | Q(successor__deleted_at__isnull=False)
        )


class ApiKey(models.Model):
    """A project's API key (K1). Only the SHA-256 digest of the secret is stored (K4)."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # The first characters of the key, shown in lists so people can tell keys apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_email = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The client address of the request that last wrote `last_used_at` (K7).
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    # From this moment on the key answers 401 "API key expired" (K5); null: never.
    expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.FULL)
    # Addresses and CIDR ranges (normalised by apikeys.network.clean_allowlist);
    # empty: any address.
    allowed_ips = models.JSONField(default=list, blank=True)
    # The key this one was rolled from (K6); one successor per key, also under a race.
    rolled_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="successor"
    )
    # How far the expiry notices have gone (ExpiryNotice): each is sent once.
    expiry_notice = models.PositiveSmallIntegerField(
        choices=ExpiryNotice.choices, default=ExpiryNotice.NONE
    )
    # A deleted key stops authenticating at once; the row stays so that usage
    # history keeps the key's name (U4).
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The one-time token of the create form that made this key: a form submitted
    # twice (double click, reload) finds it and makes no second key.
    create_token = models.CharField(max_length=64, blank=True, default="")

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["create_token"],
                condition=~models.Q(create_token=""),
                name="apikey_create_token_unique",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=[scope.value for scope in Scope]), name="apikey_scope_valid"
            ),
        ]
        indexes = [
            # The beat task's query: keys with an expiry whose notices are not all sent.
            models.Index(
                fields=["expires_at"],
                condition=Q(
                    expires_at__isnull=False,
                    expiry_notice__lt=ExpiryNotice.EXPIRED,
                    deleted_at__isnull=True,
                ),
                name="apikey_expiry_pending",
            ),
        ]

    def __str__(self):
        return f"{self.name} (deleted)" if self.deleted_at else self.name

    @property
    def is_deleted(self):
        return self.deleted_at is not None or self.project.deleted_at is not None

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at

    @property
    def lifetime(self) -> timedelta | None:
        """How long the key was made to live (None: for ever); a roll gives its successor the same."""
        if self.expires_at is None or self.created_at is None:
            return None
        return self.expires_at - self.created_at

    def out_of_policy(self, max_lifetime_days: int | None) -> bool:
        """Whether the key outlives the account's maximum lifetime (listed, never broken)."""
        if max_lifetime_days is None:
            return False
        lifetime = self.lifetime
        return lifetime is None or lifetime > timedelta(days=max_lifetime_days, minutes=1)

    @property
    def own_key_ids(self) -> tuple[int, ...]:
        """The keys whose transcripts a transcribe-scoped key sees: itself and the key it
        was rolled from, so that work in flight during a roll's overlap stays reachable."""
        if self.rolled_from_id is None:
            return (self.pk,)
        return (self.pk, self.rolled_from_id)

    @property
    def sees_only_its_own_transcripts(self) -> bool:
        return self.scope == Scope.TRANSCRIBE


class AdminKeyQuerySet(TenantQuerySet["AdminKey"]):
    """The account's admin keys that were not deleted (expired ones included: the list shows them)."""

    def live(self) -> Self:
        return self.filter(deleted_at__isnull=True)


class AdminKey(models.Model):
    """An account-level key of the admin API (X1): acts with its role (Admin or Reader)
    through the console's services. Only the SHA-256 digest of the secret is stored."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="admin_keys"
    )
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=10, choices=[(r.value, r.label) for r in KEY_ROLES])
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_email = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # None: the key does not expire. An expired key answers 401 and stays listed.
    expires_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = AdminKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # SECURITY: no admin key is ever an Owner.
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in KEY_ROLES]),
                name="admin_key_role_not_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (deleted)" if self.deleted_at else self.name

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def actor(self) -> ApiActor:
        """Who this key is in the services and the audit log."""
        return ApiActor(
            account_id=self.account_id,
            role=Role(self.role),
            label=f"admin key {self.name}",
            key_id=self.pk,
        )
