"""Background work of projects: transcription and its watchdog. Tasks only call services."""

from celery import shared_task

from projects import transcripts


@shared_task
def transcribe(transcript_id: str) -> None:
    transcripts.transcript_run(transcript_id=transcript_id)


@shared_task
def expire_stuck_transcripts() -> int:
    """The watchdog: transcripts stuck processing end in error; those left waiting are queued again."""
    transcripts.transcripts_requeue_waiting()
    return transcripts.transcripts_expire_stuck()
