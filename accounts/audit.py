"""The one helper services call to write the audit log (B1)."""

from typing import Any

from django.db import models

from accounts.actors import Actor, actor_name, user_or_none
from accounts.models import Account, AuditAction, AuditEvent


def audit_log(
    *,
    account: Account,
    actor: Actor | None,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    metadata: dict[str, Any] | None = None,
    by_support: bool = False,
) -> AuditEvent:
    """Record that `actor` did `action` on `target` in `account`.

    An admin key is recorded by its label ("admin key <name>"), with no user.

    `metadata` must never hold a secret: it is shown to the account's admins.
    An `action` outside `AuditAction` is a programming error (ValueError).
    """
    action = AuditAction(action)
    target_type = target_id = ""
    if target is not None:
        model_name = target._meta.model_name
        if model_name is None:  # Django names every model class; never None on a row.
            raise TypeError(f"Cannot audit {target!r}: its model has no name.")
        target_type = model_name
        target_id = str(target.pk)
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        account=account,
        actor=user if (user := user_or_none(actor)) is not None and user.pk else None,
        actor_email=actor_name(actor)[:254],
        by_support=by_support,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:255],
        metadata=metadata or {},
    )
