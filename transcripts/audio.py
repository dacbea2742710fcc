"""Reading uploaded audio through PyAV (FFmpeg) as 16 kHz mono float32, the engine's input.

`probe` checks that a file is audio in a format we accept and says how long it
is, reading only its header and first packets. `pcm_windows` decodes it in
windows of a few minutes, cut in the quietest moment near each window's end,
so that a long file never sits in memory whole.
"""

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.audio.resampler import AudioResampler
from av.container import InputContainer

TARGET_RATE = 16000

# A window of decoded audio is about this long (5 minutes: 19 MB of float32).
WINDOW_SECONDS = 300
# It ends in the quietest 0.1 s of its last seconds, between two words.
CUT_SEARCH_SECONDS = 10
CUT_FRAME = TARGET_RATE // 10

# FFmpeg's demuxer names of the formats we accept: WAV, MP3, M4A/AAC (MP4 or
# ADTS), FLAC, OGG (Vorbis, Opus, FLAC) and WebM/Matroska.
_FORMATS = {
    "wav": "WAV",
    "mp3": "MP3",
    "mov,mp4,m4a,3gp,3g2,mj2": "M4A",
    "aac": "AAC",
    "flac": "FLAC",
    "ogg": "OGG",
    "matroska,webm": "WebM",
}
SUPPORTED = "send WAV, MP3, M4A/AAC, FLAC, OGG (Vorbis or Opus) or WebM audio"
# Formats whose header states the exact length: a file shorter than that is truncated.
_EXACT_LENGTH = {"wav", "flac"}
# The header may round; less than this much audio missing is not truncation.
_TRUNCATION_SLACK = 0.25  # seconds

Samples = npt.NDArray[np.float32]


class AudioError(Exception):
    """The file cannot be transcribed; the message is shown to the API caller."""


@dataclass(frozen=True)
class AudioInfo:
    format: str  # our name for it: "WAV", "MP3", ...
    codec: str
    rate: int
    channels: int
    duration: float  # seconds, from the header (0.0 when it does not say)


def _open(path: str | os.PathLike[str]) -> InputContainer:
    if os.path.getsize(path) == 0:
        raise AudioError("The uploaded file is empty.")
    try:
        container = av.open(os.fspath(path), mode="r")
    except av.FFmpegError as exc:
        raise AudioError(
            f"The uploaded file is not audio this server can read: {SUPPORTED}."
        ) from exc
    if container.format.name not in _FORMATS:
        container.close()
        raise AudioError(
            f"{container.format.long_name or container.format.name} files are not supported "
            f"by this server: {SUPPORTED}."
        )
    if not container.streams.audio:
        container.close()
        raise AudioError("The uploaded file has no audio track.")
    return container


def _header_duration(container: InputContainer) -> float:
    stream = container.streams.audio[0]
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Describe the audio in `path`, or raise AudioError; decodes only its first packets."""
    with _open(path) as container:
        stream = container.streams.audio[0]
        info = AudioInfo(
            format=_FORMATS[container.format.name],
            codec=stream.codec_context.name,
            rate=stream.codec_context.sample_rate or 0,
            channels=stream.codec_context.channels or 0,
            duration=_header_duration(container),
        )
        if container.format.name == "wav":
            _check_wav_length(Path(path), info)
        try:
            for _frame in container.decode(stream):
                break
            else:
                raise AudioError("The file holds no audio.")
        except av.FFmpegError as exc:
            raise AudioError(f"The {info.format} audio cannot be decoded ({exc}).") from exc
    if not 4000 <= info.rate <= 192000:
        raise AudioError(f"A sample rate of {info.rate} Hz is not supported (4 to 192 kHz).")
    return info


def _check_wav_length(path: Path, info: AudioInfo) -> None:
    """A WAV header that announces more audio than the file holds: refuse it now."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    fmt, data = head.find(b"fmt "), head.find(b"data")
    if fmt < 0 or data < 0 or len(head) < max(fmt + 20, data + 8):
        return
    byte_rate = int.from_bytes(head[fmt + 16 : fmt + 20], "little")
    announced = int.from_bytes(head[data + 4 : data + 8], "little")
    # 0 and 0xFFFFFFFF mean "until the end of the file" (streamed WAV).
    if not byte_rate or announced in (0, 0xFFFFFFFF):
        return
    present = path.stat().st_size - (data + 8)
    if present < announced:
        raise AudioError(
            f"The WAV file is truncated: its header announces {announced / byte_rate:.1f} s "
            f"of audio but the file holds {max(present, 0) / byte_rate:.1f} s."
        )


@dataclass
class Progress:
    """How far `pcm_windows` has decoded, in seconds of the original audio."""

    seconds: float = 0.0
    to_the_end: bool = False


def pcm_windows(
    path: str | os.PathLike[str],
    *,
    start: float = 0.0,
    end: float | None = None,
    window: float = WINDOW_SECONDS,
    progress: Progress | None = None,
) -> Iterator[tuple[float, Samples]]:
    """Yield (offset in seconds, 16 kHz mono float32 samples) windows of the audio from
    `start` to `end` (seconds of the original file), each about `window` seconds long.

    `progress`, when given, follows the decoding (the whole file's length once
    it has been decoded to its end). Raises AudioError when the file cannot be decoded, holds no audio in that
    range, or (WAV and FLAC, whose headers are exact) ends before its announced length.
    """
    first = round(start * TARGET_RATE)
    last = None if end is None else round(end * TARGET_RATE)
    size = round(window * TARGET_RATE)
    search = min(CUT_SEARCH_SECONDS * TARGET_RATE, size // 2)
    pending: list[Samples] = []
    pending_len = 0
    position = 0  # samples of the original audio decoded so far
    offset = first  # where the pending audio starts, in samples of the original
    yielded = False
    with _open(path) as container:
        name = container.format.name
        announced = _header_duration(container)
        for samples in _decode(container):
            # Keep only what lies inside [first, last).
            lo = max(first - position, 0)
            hi = len(samples) if last is None else min(len(samples), last - position)
            position += len(samples)
            if progress is not None:
                progress.seconds = position / TARGET_RATE
            if hi > lo:
                pending.append(samples[lo:hi])
                pending_len += hi - lo
            while pending_len >= size + search:
                buffer = np.concatenate(pending)
                cut = _quiet_cut(buffer, size - search, size + search)
                yield offset / TARGET_RATE, buffer[:cut]
                yielded = True
                offset += cut
                pending, pending_len = [buffer[cut:]], len(buffer) - cut
            if last is not None and position >= last:
                break
        else:
            if progress is not None:
                progress.to_the_end = True
            if name in _EXACT_LENGTH and position / TARGET_RATE < announced - _TRUNCATION_SLACK:
                raise AudioError(
                    f"The {_FORMATS[name]} file is truncated: its header announces "
                    f"{announced:.1f} s of audio but only {position / TARGET_RATE:.1f} s "
                    "could be read."
                )
    if pending_len:
        yield offset / TARGET_RATE, np.concatenate(pending)
    elif not yielded:
        if position == 0:
            raise AudioError("The file holds no audio that could be decoded.")
        raise AudioError(
            f"The requested range starts after the end of the audio ({position / TARGET_RATE:.1f} s)."
        )


def _decode(container: InputContainer) -> Iterator[Samples]:
    """The first audio stream as 16 kHz mono float32 arrays, one per decoded frame."""
    stream = container.streams.audio[0]
    resampler = AudioResampler(format="flt", layout="mono", rate=TARGET_RATE)
    label = _FORMATS[container.format.name]
    try:
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield _samples(out)
        for out in resampler.resample(None):  # what the resampler still holds
            yield _samples(out)
    except av.FFmpegError as exc:
        raise AudioError(f"The {label} audio cannot be decoded ({exc}).") from exc


def _samples(frame: AudioFrame) -> Samples:
    data: Samples = frame.to_ndarray().reshape(-1).astype(np.float32, copy=False)
    return data


def _quiet_cut(buffer: Samples, lo: int, hi: int) -> int:
    """The start of the quietest 0.1 s frame in buffer[lo:hi]: a gap between words."""
    region = buffer[lo:hi]
    frames = len(region) // CUT_FRAME
    if frames == 0:
        return hi
    energy = np.square(region[: frames * CUT_FRAME].reshape(frames, CUT_FRAME)).sum(axis=1)
    return lo + int(np.argmin(energy)) * CUT_FRAME + CUT_FRAME // 2


def seconds_to_ms(seconds: float) -> int:
    return math.floor(seconds * 1000 + 0.5)
