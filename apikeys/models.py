from typing import Self

from django.conf import settings
from django.db import models

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
