"""The options of `POST /v2/transcript`: each one honoured, or refused by name (never ignored).

`parse_options(body)` checks every key of the request's JSON object against the
reference API's transcript parameters: those this server honours are typed and
returned; those it cannot honour are accepted only while they ask for nothing
(null, false, empty or the reference's default) and are otherwise a refusal that
names them; a key the reference does not know is refused unless it is null.
"""

import re
from dataclasses import dataclass
from typing import Any

from accounts.outbound import OutboundError, check_url
from transcripts.errors import InvalidRequest, UnsupportedOption

SPEECH_MODELS = ("best", "nano", "slam-1", "universal")
BOOST_PARAMS = ("low", "default", "high")
MAX_BOOST_WORDS = 1000
MAX_BOOST_WORD_CHARS = 100
MAX_URL_CHARS = 2048
MAX_HEADER_VALUE_CHARS = 1000
# RFC 9110 token characters: what a header's name may be made of.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
# Headers the webhook request sets itself.
_RESERVED_HEADERS = {"host", "content-length", "content-type", "transfer-encoding", "connection"}

# Options of the reference API this server cannot honour, with the value(s) that
# ask for nothing beyond null, false, 0, "" and empty lists or objects.
UNSUPPORTED: dict[str, tuple[object, ...]] = {
    "auto_chapters": (),
    "auto_highlights": (),
    "content_safety": (),
    "content_safety_confidence": (50,),
    "custom_spelling": (),
    "custom_topics": (),
    "disfluencies": (),
    "domain": (),
    "dual_channel": (),
    "entity_detection": (),
    "filter_profanity": (),
    "iab_categories": (),
    "keyterms_prompt_options": (),
    "language_codes": (),
    "language_confidence_threshold": (),
    "language_detection": (),
    "language_detection_options": (),
    "language_detection_results": (),
    "multichannel": (),
    "prompt": (),
    "redact_pii": (),
    "redact_pii_audio": (),
    "redact_pii_audio_options": (),
    "redact_pii_audio_quality": ("mp3",),
    "redact_pii_policies": (),
    "redact_pii_return_unredacted": (),
    "redact_pii_sub": ("hash",),
    "remove_audio_tags": (),
    "sentiment_analysis": (),
    "speaker_labels": (),
    "speaker_options": (),
    "speakers_expected": (),
    "speech_threshold": (),
    "speech_understanding": (),
    "speed_boost": (),
    "summarization": (),
    "summary_model": ("informative",),
    "summary_type": ("bullets",),
    "temperature": (),
    "topics": (),
}

HONOURED = (
    "audio_url",
    "language_code",
    "speech_model",
    "speech_models",
    "punctuate",
    "format_text",
    "word_boost",
    "boost_param",
    "keyterms_prompt",
    "audio_start_from",
    "audio_end_at",
    "webhook_url",
    "webhook_auth_header_name",
    "webhook_auth_header_value",
)


@dataclass(frozen=True)
class TranscriptOptions:
    """What a new transcript asks for, checked (the audio_url apart)."""

    language_code: str = "en_us"
    speech_model: str | None = None
    punctuate: bool = True
    format_text: bool = True
    word_boost: tuple[str, ...] = ()
    boost_param: str = ""
    keyterms_prompt: tuple[str, ...] = ()
    audio_start_from: int | None = None
    audio_end_at: int | None = None
    webhook_url: str = ""
    webhook_auth_header_name: str = ""
    webhook_auth_header_value: str = ""


def _asks_nothing(value: object, defaults: tuple[object, ...]) -> bool:
    if value is None or value is False or value in ("", [], {}):
        return True
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return True
    return any(value == default and type(value) is type(default) for default in defaults)


def _bool(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequest(f"{name} must be true or false.")
    return value


def _milliseconds(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 2**31 - 1:
        raise InvalidRequest(f"{name} must be a whole number of milliseconds, 0 or more.")
    return value


def _phrases(data: dict[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        return ()
    if (
        not isinstance(value, list)
        or len(value) > MAX_BOOST_WORDS
        or not all(
            isinstance(item, str) and 0 < len(item.strip()) <= MAX_BOOST_WORD_CHARS
            for item in value
        )
    ):
        raise InvalidRequest(
            f"{name} must be a list of at most {MAX_BOOST_WORDS} words or phrases "
            f"of 1 to {MAX_BOOST_WORD_CHARS} characters."
        )
    return tuple(item.strip() for item in value)


def _string(data: dict[str, Any], name: str, *, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidRequest(f"{name} must be a string of at most {limit} characters.")
    return value.strip()


def _webhook(data: dict[str, Any]) -> tuple[str, str, str]:
    url = _string(data, "webhook_url", limit=MAX_URL_CHARS)
    if url:
        try:
            check_url(url)
        except OutboundError as exc:
            raise InvalidRequest(f"webhook_url: {exc.message}") from None
    name = _string(data, "webhook_auth_header_name", limit=100)
    value = data.get("webhook_auth_header_value")
    if value is not None and (
        not isinstance(value, str)
        or len(value) > MAX_HEADER_VALUE_CHARS
        or any(char in value for char in "\r\n\0")
    ):
        raise InvalidRequest(
            f"webhook_auth_header_value must be a string of at most {MAX_HEADER_VALUE_CHARS} "
            "characters, on one line."
        )
    value = value or ""
    if name and not _HEADER_NAME.match(name):
        raise InvalidRequest("webhook_auth_header_name must be an HTTP header name.")
    if name.lower() in _RESERVED_HEADERS:
        raise InvalidRequest(f"webhook_auth_header_name cannot be {name}.")
    if bool(name) != bool(value):
        raise InvalidRequest(
            "webhook_auth_header_name and webhook_auth_header_value go together: send both."
        )
    if name and not url:
        raise InvalidRequest("webhook_auth_header_name needs a webhook_url.")
    return url, name, value


def parse_options(data: dict[str, Any]) -> TranscriptOptions:
    """The options of a create request, or the first refusal (InvalidRequest)."""
    for name, value in data.items():
        if name in HONOURED:
            continue
        if name in UNSUPPORTED:
            if not _asks_nothing(value, UNSUPPORTED[name]):
                raise UnsupportedOption(
                    f"{name} is not supported by this server: leave it out (or false) to "
                    "transcribe without it."
                )
        elif value is not None:
            raise UnsupportedOption(f"{name} is not an option this server knows.")

    language_code = data.get("language_code")
    if language_code is None:
        language_code = "en_us"
    if not isinstance(language_code, str) or not 0 < len(language_code) <= 16:
        raise InvalidRequest("language_code must be a language code such as en_us.")
    speech_model = data.get("speech_model")
    if speech_model is not None and speech_model not in SPEECH_MODELS:
        raise InvalidRequest(f"speech_model must be null or one of {', '.join(SPEECH_MODELS)}.")
    speech_models = data.get("speech_models")
    if speech_models is not None and (
        not isinstance(speech_models, list)
        or not all(isinstance(item, str) and len(item) <= 50 for item in speech_models)
    ):
        raise InvalidRequest("speech_models must be a list of speech model names.")
    boost_param = data.get("boost_param")
    if boost_param is not None and boost_param not in BOOST_PARAMS:
        raise InvalidRequest(f"boost_param must be one of {', '.join(BOOST_PARAMS)}.")
    start = _milliseconds(data, "audio_start_from")
    end = _milliseconds(data, "audio_end_at")
    if start is not None and end is not None and end <= start:
        raise InvalidRequest("audio_end_at must be later than audio_start_from.")
    webhook_url, header_name, header_value = _webhook(data)
    return TranscriptOptions(
        language_code=language_code,
        speech_model=speech_model,
        punctuate=_bool(data, "punctuate", True),
        format_text=_bool(data, "format_text", True),
        word_boost=_phrases(data, "word_boost"),
        boost_param=boost_param or "",
        keyterms_prompt=_phrases(data, "keyterms_prompt"),
        audio_start_from=start,
        audio_end_at=end,
        webhook_url=webhook_url,
        webhook_auth_header_name=header_name,
        webhook_auth_header_value=header_value,
    )
