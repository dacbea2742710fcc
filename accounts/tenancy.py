"""The one door to tenant data: every tenant model's queryset is a TenantQuerySet."""

from typing import Any, Self, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class TenantQuerySet(models.QuerySet[_M]):
    """Rows that belong to one account, reached only through `for_account`.

    A subclass names the lookup from its model to the account (`account_lookup`)
    and, where the console hides some rows (deleted projects, revoked keys),
    narrows `live()`.
    """

    account_lookup = "account"

    def live(self) -> Self:
        return self.all()

    def for_account(self, account: Any) -> Self:
        # SECURITY: tenant scoping starts here for every model of the console.
        return self.live().filter(**{self.account_lookup: account})
