"""The beat's clean-ups of transcripts: the watchdog, and unused uploads."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from transcripts import storage
from transcripts.concurrency import waiting_for_slot
from transcripts.models import Transcript, Upload
from transcripts.worker import transcript_fail, transcription_enqueue

logger = logging.getLogger(__name__)

# At most this many transcripts are queued again per watchdog run.
REQUEUE_BATCH = 200
# At most this many unused uploads are removed per clean-up run.
PURGE_BATCH = 500


def transcripts_expire_stuck() -> int:
    """Move transcripts processing past their deadline (a crashed worker) to error."""
    now = timezone.now()
    with transaction.atomic():
        stuck = list(
            Transcript.objects.select_for_update(skip_locked=True).filter(
                status=Transcript.Status.PROCESSING, deadline_at__lt=now
            )
        )
        for transcript in stuck:
            transcript_fail(
                transcript,
                "Transcription did not finish in time. Submit the file again to retry.",
            )
    if stuck:
        logger.warning("Moved %d stuck transcripts to error", len(stuck))
    return len(stuck)


def transcripts_requeue_waiting(*, now: datetime | None = None) -> int:
    """Queue again the transcripts left waiting: their message was lost (a broker
    restart) or never sent (the broker was down). Running one twice is harmless:
    `transcript_run` only starts a transcript that is still queued.

    Of those waiting for a slot (C3) only each account's oldest is sent: its run
    admits the account's waiting ones in order, as far as free slots go (a wake-up
    lost, or a plan that allows more now), and the others wait their turn.
    """
    now = now or timezone.now()
    waited = now - timedelta(seconds=settings.TRANSCRIPT_REQUEUE_AFTER)
    old = Transcript.objects.filter(status=Transcript.Status.QUEUED, created_at__lt=waited)
    waiting = list(
        old.filter(admitted_at__isnull=False)
        .order_by("created_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    without_slot = old.filter(admitted_at__isnull=True)
    accounts = without_slot.order_by().values_list("project__account_id", flat=True).distinct()
    for account_id in list(accounts[:REQUEUE_BATCH]):
        head = waiting_for_slot(account_id).values_list("pk", flat=True).first()
        if head is not None:
            waiting.append(head)
    for transcript_id in waiting:
        transcription_enqueue(transcript_id)
    if waiting:
        logger.warning("Queued %d waiting transcripts again", len(waiting))
    return len(waiting)


def uploads_purge_unused(*, now: datetime | None = None) -> int:
    """Remove uploads that no transcript used within UPLOAD_UNUSED_TTL seconds (files too)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.UPLOAD_UNUSED_TTL)
    with transaction.atomic():
        # Locked and skipped when locked: a transcript being created for one holds it.
        stale = list(
            Upload.objects.select_for_update(skip_locked=True)
            .filter(deleted_at__isnull=True, created_at__lt=cutoff)
            .filter(~Exists(Transcript.objects.filter(upload=OuterRef("pk"))))
            .order_by("created_at")[:PURGE_BATCH]
        )
        names = [upload.path for upload in stale if upload.path]
        Upload.objects.filter(pk__in=[upload.pk for upload in stale]).update(
            deleted_at=now, path=""
        )
        storage.delete_on_commit(*names)
    if stale:
        logger.info("Removed %d unused uploads", len(stale))
    return len(stale)
