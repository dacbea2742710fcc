from datetime import datetime
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.actors import KEY_ROLES, ApiActor
from accounts.permissions import Role
from accounts.tenancy import TenantQuerySet
from projects.models import Project


class ApiKeyQuerySet(TenantQuerySet["ApiKey"]):
    """The account's working keys, across all its projects."""

    account_lookup = "project__account"

    def live(self) -> Self:
        return self.filter(deleted_at__isnull=True, project__deleted_at__isnull=True)

    def for_project(self, project: Project) -> Self:
        return self.live().filter(project=project)


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
        ]

    def __str__(self):
        return f"{self.name} (deleted)" if self.deleted_at else self.name

    @property
    def is_deleted(self):
        return self.deleted_at is not None or self.project.deleted_at is not None


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
