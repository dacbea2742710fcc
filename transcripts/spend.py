"""Transcripts against spend limits: the worst case reserved before work starts (C1).

Used by queueing (an upload's file is known at once) and by the worker (a
remote audio_url is known once fetched); neither imports the other.
"""

import math
import os
import wave
from pathlib import Path

from reporting import pricing
from reporting.limits.models import SpendReservation
from reporting.limits.services import (
    spend_check_reached,
    spend_limit_note_refusal,
    spend_reservation_release,
    spend_reservation_settle,
    spend_reservations_release,
    spend_reserve,
    worst_case_micros,
)
from reporting.limits.values import SpendLimitReached
from transcripts.audio import AudioError, probe
from transcripts.errors import OverSpendLimit
from transcripts.models import Transcript

# A file whose header does not say how long it is: as long as its bytes last
# at 8 kbit/s, below any bit rate we accept. Never less than it really is.
_LOWEST_BYTES_PER_SECOND = 1000


def usage_key(transcript_id) -> str:
    """The idempotency key of a transcript's usage event, and its reservation's reference."""
    return f"transcript:{transcript_id}"


def worst_case_seconds(path: str | os.PathLike[str], duration: float | None = None) -> int:
    """The longest the audio in `path` may bill: its stated duration rounded up, or, when
    its header states none (or it is not audio we read), as long as its bytes last."""
    if duration is None:
        duration = _header_duration(path)
    if duration > 0:
        return math.ceil(duration)
    return Path(path).stat().st_size // _LOWEST_BYTES_PER_SECOND + 1


def _header_duration(path) -> float:
    """The duration a file's header states: a PCM WAV's read directly (a tenth of
    PyAV's time, on the request's path), anything else through `probe`."""
    try:
        with wave.open(os.fspath(path), "rb") as reader:
            if reader.getframerate() > 0:
                return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError, OSError):
        pass
    try:
        return probe(path).duration
    except (AudioError, OSError):
        return 0.0


def reserve(
    transcript: Transcript, *, account_id: int, path=None, duration: float | None = None
) -> SpendReservation | None:
    """Hold the transcript's worst-case cost against the limits covering it, in the caller's
    transaction; raises OverSpendLimit (carrying the refusal) when one is reached."""

    def worst_case() -> int:
        return worst_case_micros(
            product=pricing.SPEECH_TO_TEXT,
            model=transcript.speech_model_used,
            seconds=worst_case_seconds(path, duration) if path is not None else 0,
        )

    try:
        return spend_reserve(
            account_id=account_id,
            project_id=transcript.project_id,
            api_key_id=transcript.api_key_id,
            amount_micros=worst_case,
            kind=SpendReservation.Kind.TRANSCRIPT,
            reference=usage_key(transcript.pk),
        )
    except SpendLimitReached as refusal:
        raise OverSpendLimit(refusal.message, refusal=refusal) from refusal


def refuse_if_reached(transcript: Transcript, *, account_id: int) -> None:
    """Raise OverSpendLimit when a limit covering the transcript is already reached: for a
    remote file, whose worst case is known (and reserved) only once the worker fetched it."""
    try:
        spend_check_reached(
            account_id=account_id,
            project_id=transcript.project_id,
            api_key_id=transcript.api_key_id,
        )
    except SpendLimitReached as refusal:
        raise OverSpendLimit(refusal.message, refusal=refusal) from refusal


def note_refusal(error: OverSpendLimit) -> None:
    """After the refused work rolled back: tell the limit's watchers, once a month."""
    if error.refusal is not None:
        spend_limit_note_refusal(error.refusal)


def settle(transcript_id, *, event_key: str, cost_micros: int) -> None:
    """The transcript's reservation becomes its usage (in the usage event's transaction)."""
    spend_reservation_settle(
        reference=usage_key(transcript_id), event_key=event_key, cost_micros=cost_micros
    )


def release(transcript_id) -> None:
    """The transcript ended without usage: its reservation no longer counts."""
    spend_reservation_release(reference=usage_key(transcript_id))


def release_all(references: list[str]) -> None:
    if references:
        spend_reservations_release(references=references)
