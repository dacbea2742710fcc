"""Speech-to-text engines: one small interface, chosen by `settings.TRANSCRIPTION_ENGINE`.

An engine is a class with a `name` (reported as `speech_model_used` and as the
model in usage reports) and `transcribe(path, *, options: EngineOptions) -> Result`.
It raises `transcripts.audio.AudioError` for a file it cannot read. A stronger
engine (for example faster-whisper given a local model path) plugs in the same
way without becoming a default dependency.
"""

import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from transcripts.audio import TARGET_RATE, AudioError, pcm16k_chunks, probe


@dataclass(frozen=True)
class EngineOptions:
    """What a transcript asks of the engine (built by `transcripts.tasks.engine_options`)."""

    language_code: str = "en_us"
    hotwords: tuple[str, ...] = ()  # from word_boost (and keyterms_prompt)
    start_ms: int | None = None  # audio_start_from
    end_ms: int | None = None  # audio_end_at


@dataclass(frozen=True)
class Word:
    text: str
    start: int  # milliseconds
    end: int
    confidence: float


@dataclass(frozen=True)
class Result:
    text: str
    duration: float  # seconds of audio
    words: list[Word] = field(default_factory=list)

    @property
    def confidence(self) -> float | None:
        if not self.words:
            return None
        return sum(word.confidence for word in self.words) / len(self.words)


class Engine(Protocol):
    name: str

    def supports_language(self, language_code: str) -> bool: ...

    def transcribe(self, path: str, *, options: EngineOptions) -> Result: ...


@cache
def get_engine() -> Engine:
    return import_string(settings.TRANSCRIPTION_ENGINE)()


class PocketsphinxEngine:
    """CMU pocketsphinx with the US English model its wheel ships: offline, modest accuracy."""

    name = "pocketsphinx"

    def __init__(self):
        self._decoder = None
        # One decoder per process, used by one transcription at a time.
        self._lock = threading.Lock()

    def supports_language(self, language_code: str) -> bool:
        return language_code.lower().replace("-", "_").split("_")[0] == "en"

    def _get_decoder(self):
        if self._decoder is None:
            from pocketsphinx import Decoder

            self._decoder = Decoder(samprate=TARGET_RATE, loglevel="FATAL")
            self._initial_cmn = self._decoder.get_cmn()
        # The decoder adapts its cepstral mean to what it hears: start every file
        # from the same point, so that a transcript does not depend on the previous one.
        self._decoder.set_cmn(self._initial_cmn)
        return self._decoder

    def transcribe(self, path, *, options: EngineOptions) -> Result:
        from pocketsphinx import Endpointer

        language_code = options.language_code
        if not self.supports_language(language_code):
            raise AudioError(f"This server's engine transcribes English only, not {language_code}.")
        info = probe(path)
        with self._lock:
            decoder = self._get_decoder()
            # Voice activity detection cuts the audio into utterances, which keeps
            # the decoder's memory bounded on long files.
            endpointer = Endpointer(sample_rate=TARGET_RATE)
            words: list[Word] = []
            pending = b""
            in_utterance = False
            offset_ms = 0
            for chunk in pcm16k_chunks(path, info):
                pending += chunk
                size, start = endpointer.frame_bytes, 0
                while len(pending) - start >= size:
                    speech = endpointer.process(pending[start : start + size])
                    start += size
                    in_utterance, offset_ms = self._consume(
                        decoder, endpointer, speech, in_utterance, offset_ms, words
                    )
                pending = pending[start:]
            speech = endpointer.end_stream(pending)
            in_utterance, offset_ms = self._consume(
                decoder, endpointer, speech, in_utterance, offset_ms, words
            )
            if in_utterance:
                decoder.end_utt()
                words.extend(self._words(decoder, offset_ms))
        return Result(
            text=" ".join(word.text for word in words), duration=info.duration, words=words
        )

    def _consume(self, decoder, endpointer, speech, in_utterance, offset_ms, words):
        if speech is None:
            return in_utterance, offset_ms
        if not in_utterance:
            decoder.start_utt()
            in_utterance = True
            offset_ms = round(endpointer.speech_start * 1000)
        decoder.process_raw(speech, False, False)
        if not endpointer.in_speech:
            decoder.end_utt()
            in_utterance = False
            words.extend(self._words(decoder, offset_ms))
        return in_utterance, offset_ms

    @staticmethod
    def _words(decoder, offset_ms: int) -> list[Word]:
        frame_ms = 1000 / decoder.config["frate"]
        logmath = decoder.get_logmath()
        found = []
        for segment in decoder.seg():
            token = segment.word
            # Silence, sentence markers and noise fillers are not words.
            if token.startswith(("<", "[", "+")):
                continue
            found.append(
                Word(
                    text=token.split("(")[0],
                    start=offset_ms + round(segment.start_frame * frame_ms),
                    end=offset_ms + round((segment.end_frame + 1) * frame_ms),
                    confidence=round(min(1.0, max(0.0, logmath.exp(segment.prob))), 4),
                )
            )
        return found
