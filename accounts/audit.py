"""The one helper services call to write the audit log (B1)."""

from typing import Any

from django.db import models

from accounts.models import Account, AuditAction, AuditEvent, User


def audit_log(
    *,
    account: Account,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    target_label: str = "",
    metadata: dict[str, Any] | None = None,
    by_support: bool = False,
) -> AuditEvent:
    """Record that `actor` did `action` on `target` in `account`.

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
        actor=actor if actor is not None and actor.pk else None,
        actor_email=getattr(actor, "email", "") or "",
        by_support=by_support,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:255],
        metadata=metadata or {},
    )
