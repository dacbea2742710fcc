from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from accounts.models import Account
from accounts.tenancy import TenantQuerySet


class ProjectQuerySet(TenantQuerySet["Project"]):
    """`for_account`: the account's live projects, the one door in views and services."""

    def live(self) -> Self:
        return self.filter(deleted_at__isnull=True)

    def for_account_with_deleted(self, account: Account) -> Self:
        """Also the deleted ones, whose names reports keep showing (P4)."""
        return self.filter(account=account)


class Project(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Deleting a project removes its keys, uploads and transcripts but keeps this
    # row, so that usage history still shows the project's name (P4).
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "account",
                condition=Q(deleted_at__isnull=True),
                name="project_name_unique_in_account",
            ),
        ]

    def __str__(self):
        return f"{self.name} (deleted)" if self.deleted_at else self.name

    @property
    def is_deleted(self):
        return self.deleted_at is not None
