"""The one helper services call to write the audit log (B1)."""

from accounts.models import AuditAction, AuditEvent


def audit_log(
    *, account, actor, action, target=None, target_label="", metadata=None, by_support=False
) -> AuditEvent:
    """Record that `actor` did `action` on `target` in `account`.

    `metadata` must never hold a secret: it is shown to the account's admins.
    An `action` outside `AuditAction` is a programming error (ValueError).
    """
    action = AuditAction(action)
    target_type = target_id = ""
    if target is not None:
        target_type = target._meta.model_name
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
