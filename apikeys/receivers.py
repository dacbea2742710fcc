"""What the keys do when something else changes (connected in ApikeysConfig.ready)."""

from apikeys.models import ApiKey


def project_keys_revoke(sender, *, project, deleted_at, **kwargs) -> dict:
    """A deleted project's keys stop working from its deletion's commit on (P4)."""
    revoked = ApiKey.objects.for_project(project).update(deleted_at=deleted_at)
    return {"api_keys_deleted": revoked}
