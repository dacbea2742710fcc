"""Reading uploaded audio as the 16 kHz mono 16-bit PCM that speech engines expect.

Pure Python (the standard library's `wave` and `array`), streamed one second at
a time, so that a long file never sits in memory whole.
"""

import os
import sys
import wave
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

TARGET_RATE = 16000

# First bytes of formats people commonly send, to name them in the error.
_SIGNATURES = (
    (b"ID3", "MP3"),
    (b"\xff\xfb", "MP3"),
    (b"\xff\xf3", "MP3"),
    (b"\xff\xf2", "MP3"),
    (b"fLaC", "FLAC"),
    (b"OggS", "Ogg"),
    (b"\x1aE\xdf\xa3", "WebM/Matroska"),
    (b"FORM", "AIFF"),
    (b"#!AMR", "AMR"),
)
_SUPPORTED = "send a WAV file (PCM, 8 to 32 bits, any sample rate, mono or stereo)"


class AudioError(Exception):
    """The file cannot be transcribed; the message is shown to the API caller."""


@dataclass(frozen=True)
class AudioInfo:
    channels: int
    sample_width: int
    rate: int
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def _sniff(path) -> None:
    with open(path, "rb") as handle:
        head = handle.read(12)
    if not head:
        raise AudioError("The uploaded file is empty.")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return
    if head[4:8] == b"ftyp":
        raise AudioError(f"MP4/M4A audio is not supported by this server: {_SUPPORTED}.")
    for signature, name in _SIGNATURES:
        if head.startswith(signature):
            raise AudioError(f"{name} audio is not supported by this server: {_SUPPORTED}.")
    raise AudioError(f"The uploaded file is not audio this server can read: {_SUPPORTED}.")


def probe(path) -> AudioInfo:
    """Check that `path` is a complete PCM WAV file and describe it, or raise AudioError."""
    _sniff(path)
    try:
        with wave.open(os.fspath(path), "rb") as reader:
            info = AudioInfo(
                channels=reader.getnchannels(),
                sample_width=reader.getsampwidth(),
                rate=reader.getframerate(),
                frames=reader.getnframes(),
            )
    except EOFError as exc:
        raise AudioError("The WAV file is truncated: its header is incomplete.") from exc
    except wave.Error as exc:
        if "missing" in str(exc):
            raise AudioError("The WAV file is truncated: it has no audio data.") from exc
        raise AudioError(f"This WAV file cannot be read ({exc}): {_SUPPORTED}.") from exc
    if info.sample_width not in (1, 2, 3, 4):
        raise AudioError(f"{info.sample_width * 8}-bit WAV is not supported: {_SUPPORTED}.")
    if not 1 <= info.channels <= 8:
        raise AudioError(f"WAV files with {info.channels} channels are not supported.")
    if not 4000 <= info.rate <= 192000:
        raise AudioError(f"A sample rate of {info.rate} Hz is not supported (4 to 192 kHz).")
    if info.frames == 0:
        raise AudioError("The WAV file holds no audio.")
    # RIFF header, fmt chunk and data chunk header take at least 44 bytes.
    expected = info.frames * info.channels * info.sample_width + 44
    if os.path.getsize(path) < expected:
        raise AudioError(
            "The WAV file is truncated: its header announces "
            f"{info.duration:.1f} s of audio but the file is shorter."
        )
    return info


def pcm16k_chunks(path, info: AudioInfo) -> Iterator[bytes]:
    """Yield the audio as 16 kHz mono signed 16-bit little-endian PCM, about a second at a time."""
    resampler = _Resampler(info.rate, TARGET_RATE)
    frame_bytes = info.channels * info.sample_width
    with wave.open(os.fspath(path), "rb") as reader:
        remaining = info.frames
        while remaining > 0:
            raw = reader.readframes(min(info.rate, remaining))
            if len(raw) < frame_bytes:
                raise AudioError("The WAV file is truncated: it ends before its announced length.")
            remaining -= len(raw) // frame_bytes
            samples = _to_mono16(raw, info.sample_width, info.channels)
            out = resampler.feed(samples)
            if sys.byteorder == "big":
                out.byteswap()
            if out:
                yield out.tobytes()


def _to_int16(raw: bytes, width: int) -> array:
    """Little-endian PCM of any width to native signed 16-bit samples (keeps the top bits)."""
    count = len(raw) // width
    raw = raw[: count * width]
    if width == 2:
        samples = array("h", raw)
        if sys.byteorder == "big":
            samples.byteswap()
        return samples
    wide = bytearray(count * 2)
    if width == 1:
        # 8-bit WAV is unsigned: flip the sign bit and use it as the high byte.
        wide[1::2] = raw.translate(_FLIP_SIGN)
    else:
        wide[0::2] = raw[width - 2 :: width]
        wide[1::2] = raw[width - 1 :: width]
    samples = array("h", bytes(wide))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


_FLIP_SIGN = bytes((value ^ 0x80) for value in range(256))


def _to_mono16(raw: bytes, width: int, channels: int) -> array:
    samples = _to_int16(raw, width)
    if channels == 1:
        return samples
    lanes = [samples[index::channels] for index in range(channels)]
    return array("h", (sum(frame) // channels for frame in zip(*lanes, strict=False)))


class _Resampler:
    """Linear-interpolation sample-rate converter that keeps its place across chunks."""

    def __init__(self, source_rate: int, target_rate: int):
        self.step = source_rate / target_rate
        self.identity = source_rate == target_rate
        self.position = 0.0  # of the next output sample, in input samples from `carry`
        self.carry = array("h")

    def feed(self, samples: array) -> array:
        if self.identity:
            return samples
        buffer = self.carry + samples
        out = array("h")
        position, step, last = self.position, self.step, len(buffer) - 1
        append = out.append
        while position < last:
            index = int(position)
            left = buffer[index]
            append(int(left + (buffer[index + 1] - left) * (position - index)))
            position += step
        keep = min(int(position), len(buffer))
        self.carry = buffer[keep:]
        self.position = position - keep
        return out
