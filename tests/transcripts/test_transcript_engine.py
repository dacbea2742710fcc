"""Reading audio and the pocketsphinx engine: real speech in, plausible words out."""

import wave
from array import array

import pytest

from tests.transcripts.api_support import HEARD, espeak, rewrite_wav
from transcripts.audio import AudioError, pcm16k_chunks, probe
from transcripts.engines import EngineOptions, PocketsphinxEngine, get_engine


def _duration(path) -> float:
    with wave.open(str(path)) as reader:
        return reader.getnframes() / reader.getframerate()


def _pcm(path) -> array:
    return array("h", b"".join(pcm16k_chunks(path, probe(path))))


def test_the_default_engine_is_pocketsphinx():
    assert isinstance(get_engine(), PocketsphinxEngine)
    assert get_engine().name == "pocketsphinx"


def test_pocketsphinx_hears_espeak_speech(speech_wav):
    result = get_engine().transcribe(speech_wav, options=EngineOptions())
    words = [word.text for word in result.words]
    assert result.text == " ".join(words)
    # pocketsphinx is far from exact: some of the spoken words, not all of them.
    assert len(set(words) & HEARD) >= 3, result.text
    assert result.duration == pytest.approx(_duration(speech_wav), abs=0.01)
    for word in result.words:
        assert 0 <= word.start < word.end <= result.duration * 1000 + 50
        assert 0.0 <= word.confidence <= 1.0
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)
    assert 0 < result.confidence <= 1


def test_the_same_file_gives_the_same_text_every_time(speech_wav, tmp_path):
    """The decoder's adaptation is reset between files."""
    engine = get_engine()
    first = engine.transcribe(speech_wav, options=EngineOptions()).text
    engine.transcribe(espeak(tmp_path / "other.wav", "Yes, no."), options=EngineOptions())
    assert engine.transcribe(speech_wav, options=EngineOptions()).text == first


def test_stereo_44khz_is_mixed_down_and_resampled(speech_wav, tmp_path):
    stereo = rewrite_wav(speech_wav, tmp_path / "stereo.wav", rate=44100, channels=2)
    result = get_engine().transcribe(stereo, options=EngineOptions())
    assert result.duration == pytest.approx(_duration(speech_wav), abs=0.01)
    assert set(result.text.split()) & HEARD, result.text


def test_16khz_mono_16bit_passes_through_unchanged(speech_wav, tmp_path):
    native = rewrite_wav(speech_wav, tmp_path / "native.wav", rate=16000)
    with wave.open(str(native)) as reader:
        original = array("h", reader.readframes(reader.getnframes()))
    assert _pcm(native) == original


@pytest.mark.parametrize(("rate", "factor"), [(8000, 2.0), (32000, 0.5), (22050, 16000 / 22050)])
def test_other_rates_become_16khz_of_the_same_length(speech_wav, tmp_path, rate, factor):
    converted = rewrite_wav(speech_wav, tmp_path / f"{rate}.wav", rate=rate)
    with wave.open(str(converted)) as reader:
        frames = reader.getnframes()
    assert len(_pcm(converted)) == pytest.approx(frames * factor, abs=2)


@pytest.mark.parametrize("width", [1, 3, 4])
def test_8_24_and_32_bit_samples_keep_their_shape(speech_wav, tmp_path, width):
    base = rewrite_wav(speech_wav, tmp_path / "base.wav", rate=16000)
    other = rewrite_wav(speech_wav, tmp_path / f"w{width}.wav", rate=16000, width=width)
    expected, got = _pcm(base), _pcm(other)
    assert len(got) == len(expected)
    # 8-bit keeps only the top byte of each sample.
    tolerance = 256 if width == 1 else 0
    assert max(abs(a - b) for a, b in zip(expected, got, strict=True)) <= tolerance


def test_stereo_with_equal_channels_equals_mono(speech_wav, tmp_path):
    mono = rewrite_wav(speech_wav, tmp_path / "mono.wav", rate=16000)
    stereo = rewrite_wav(speech_wav, tmp_path / "stereo.wav", rate=16000, channels=2)
    assert _pcm(stereo) == _pcm(mono)


def _wav_header(frames: int, *, audio_format=1, width=2, rate=16000) -> bytes:
    data = frames * width
    return (
        b"RIFF"
        + (36 + data).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + audio_format.to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + rate.to_bytes(4, "little")
        + (rate * width).to_bytes(4, "little")
        + width.to_bytes(2, "little")
        + (width * 8).to_bytes(2, "little")
        + b"data"
        + data.to_bytes(4, "little")
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"ID3\x04\x00" + b"\x00" * 100, "MP3 audio is not supported"),
        (b"fLaC" + b"\x00" * 100, "FLAC audio is not supported"),
        (b"OggS" + b"\x00" * 100, "Ogg audio is not supported"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "MP4/M4A audio is not supported"),
        (b"hello, this is a text file\n" * 10, "not audio this server can read"),
        (b"RIFF\x10\x00\x00\x00WAVE", "truncated"),
        (_wav_header(16000) + b"\x00" * 3200, "truncated"),
        (_wav_header(0), "holds no audio"),
        (_wav_header(10, audio_format=3, width=4) + b"\x00" * 40, "cannot be read"),
    ],
)
def test_files_the_engine_cannot_read_raise_a_clear_error(tmp_path, content, message):
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(AudioError) as caught:
        get_engine().transcribe(path, options=EngineOptions())
    assert message in str(caught.value)


def test_only_english_is_supported():
    engine = get_engine()
    assert engine.supports_language("en_us") and engine.supports_language("en")
    assert engine.supports_language("en-GB")
    assert not engine.supports_language("fr")
