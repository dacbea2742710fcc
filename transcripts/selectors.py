"""Reads of uploads and transcripts for an API key: always inside the key's project (P2, P3)."""

import uuid

from django.db.models import Count

from apikeys.models import ApiKey
from transcripts.models import Transcript, Upload


def upload_for_key(*, api_key: ApiKey, upload_id: uuid.UUID) -> Upload | None:
    """The key's project's live upload with this id, or None (also for another project's)."""
    # SECURITY: uploads are only ever found inside the key's project (P2, P3).
    return Upload.objects.filter(
        project_id=api_key.project_id, pk=upload_id, deleted_at__isnull=True
    ).first()


def transcript_for_key(*, api_key: ApiKey, transcript_id: uuid.UUID) -> Transcript | None:
    # SECURITY: another project's transcript is None, exactly like a missing one (P2);
    # a transcribe-scoped key finds only the transcripts it made (K7).
    rows = Transcript.objects.for_project(api_key.project)
    if api_key.sees_only_its_own_transcripts:
        rows = rows.filter(api_key_id__in=api_key.own_key_ids)
    return rows.filter(pk=transcript_id).first()


def transcript_status_counts() -> dict[str, int]:
    """For operators: how many transcripts are in each status, all accounts together."""
    counts = dict.fromkeys(Transcript.Status.values, 0)
    rows = (
        Transcript.objects.filter(deleted_at__isnull=True)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    for status, n in rows:
        counts[status] = n
    return counts
