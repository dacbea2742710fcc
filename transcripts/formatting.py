"""A transcript's words as the caller asked for them, and what the API derives from them.

Pure functions over the stored words (`{"text", "start", "end", "confidence"}`,
times in milliseconds): `punctuate` and `format_text` applied on top of what the
engine wrote; sentences, paragraphs, captions (SRT, VTT) and word search.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypedDict

# Where a sentence ends when the words carry no punctuation (or a speaker never stops).
SENTENCE_PAUSE_MS = 1000
MAX_SENTENCE_WORDS = 40
PARAGRAPH_PAUSE_MS = 1500
MAX_PARAGRAPH_WORDS = 120
DEFAULT_CHARS_PER_CAPTION = 80
_SENTENCE_ENDS = (".", "?", "!", "…")
_CLOSERS = "\"'\u201d\u2019)]}\u00bb"


class WordJson(TypedDict):
    text: str
    start: int
    end: int
    confidence: float
    speaker: str | None


class SentenceJson(TypedDict):
    text: str
    start: int
    end: int
    confidence: float
    words: list[WordJson]
    speaker: str | None


class ParagraphJson(TypedDict):
    text: str
    start: int
    end: int
    confidence: float
    words: list[WordJson]


class SearchMatch(TypedDict):
    text: str
    count: int
    timestamps: list[list[int]]
    indexes: list[int]


def _kept(token: str, index: int, char: str) -> bool:
    """Whether a punctuation character inside a token is part of the word (it's, 3.5, e-mail)."""
    before = token[index - 1] if index else ""
    after = token[index + 1] if index + 1 < len(token) else ""
    if char in "'\u2019":
        return before.isalpha() and after.isalpha()
    if char == "-":
        return before.isalnum() and after.isalnum()
    if char in ".,":
        return before.isdigit() and after.isdigit()
    if char == "%":
        return before.isdigit()
    return False


def strip_punctuation(token: str) -> str:
    """`token` without punctuation, except what belongs to the word itself."""
    return "".join(
        char
        for index, char in enumerate(token)
        if not unicodedata.category(char).startswith("P") or _kept(token, index, char)
    )


def _token(token: str, *, punctuate: bool, format_text: bool) -> str:
    if not punctuate:
        token = strip_punctuation(token)
    if not format_text:
        token = token.lower()
    return token


def apply_text_options(
    text: str, words: Sequence[WordJson], *, punctuate: bool, format_text: bool
) -> tuple[str, list[WordJson]]:
    """The text and words with punctuation removed (`punctuate` off) and lowercased
    (`format_text` off); a word left empty (a lone dash) is dropped."""
    shown_words: list[WordJson] = []
    for word in words:
        shown = _token(word["text"], punctuate=punctuate, format_text=format_text)
        if shown:
            shown_words.append({**word, "text": shown})
    tokens = (_token(t, punctuate=punctuate, format_text=format_text) for t in text.split())
    return " ".join(token for token in tokens if token), shown_words


def _mean(words: Sequence[WordJson]) -> float:
    return round(sum(word["confidence"] for word in words) / len(words), 4) if words else 0.0


def _ends_sentence(word: WordJson) -> bool:
    return word["text"].rstrip(_CLOSERS).endswith(_SENTENCE_ENDS)


def _groups(
    words: Sequence[WordJson], *, pause_ms: int, max_words: int
) -> Iterable[list[WordJson]]:
    current: list[WordJson] = []
    for index, word in enumerate(words):
        current.append(word)
        following = words[index + 1] if index + 1 < len(words) else None
        if (
            following is None
            or _ends_sentence(word)
            or following["start"] - word["end"] >= pause_ms
            or len(current) >= max_words
        ):
            yield current
            current = []


def _with_speaker(words: Iterable[WordJson]) -> list[WordJson]:
    return [{**word, "speaker": word.get("speaker")} for word in words]


def sentences(words: Sequence[WordJson]) -> list[SentenceJson]:
    """Sentences: ended by . ? ! or, without punctuation, by a pause or a length."""
    return [
        {
            "text": " ".join(word["text"] for word in group),
            "start": group[0]["start"],
            "end": group[-1]["end"],
            "confidence": _mean(group),
            "words": _with_speaker(group),
            "speaker": None,
        }
        for group in _groups(words, pause_ms=SENTENCE_PAUSE_MS, max_words=MAX_SENTENCE_WORDS)
    ]


def paragraphs(words: Sequence[WordJson]) -> list[ParagraphJson]:
    """Whole sentences grouped until a longer pause, or a paragraph's worth of words."""
    found: list[ParagraphJson] = []
    current: list[WordJson] = []
    every = sentences(words)
    for index, sentence in enumerate(every):
        current.extend(sentence["words"])
        following = every[index + 1] if index + 1 < len(every) else None
        if (
            following is None
            or following["start"] - sentence["end"] >= PARAGRAPH_PAUSE_MS
            or len(current) >= MAX_PARAGRAPH_WORDS
        ):
            found.append(
                {
                    "text": " ".join(word["text"] for word in current),
                    "start": current[0]["start"],
                    "end": current[-1]["end"],
                    "confidence": _mean(current),
                    "words": current,
                }
            )
            current = []
    return found


def captions(words: Sequence[WordJson], chars_per_caption: int) -> list[tuple[int, int, str]]:
    """(start, end, text) cues of at most `chars_per_caption` characters (a longer word
    stands alone), also cut at a sentence's end after a pause."""
    cues: list[tuple[int, int, str]] = []
    current: list[WordJson] = []
    for word in words:
        if current:
            joined = len(" ".join(w["text"] for w in current)) + 1 + len(word["text"])
            paused = word["start"] - current[-1]["end"] >= SENTENCE_PAUSE_MS
            if joined > chars_per_caption or (paused and _ends_sentence(current[-1])):
                cues.append(_cue(current))
                current = []
        current.append(word)
    if current:
        cues.append(_cue(current))
    return cues


def _cue(words: Sequence[WordJson]) -> tuple[int, int, str]:
    return words[0]["start"], words[-1]["end"], " ".join(word["text"] for word in words)


def _clock(ms: int, separator: str) -> str:
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def srt(words: Sequence[WordJson], chars_per_caption: int = DEFAULT_CHARS_PER_CAPTION) -> str:
    blocks = [
        f"{number}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{text}"
        for number, (start, end, text) in enumerate(captions(words, chars_per_caption), 1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def vtt(words: Sequence[WordJson], chars_per_caption: int = DEFAULT_CHARS_PER_CAPTION) -> str:
    blocks = [
        f"{_clock(start, '.')} --> {_clock(end, '.')}\n{text}"
        for start, end, text in captions(words, chars_per_caption)
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")


def _normal(token: str) -> str:
    return strip_punctuation(token).lower()


def word_search(words: Sequence[WordJson], terms: Sequence[str]) -> list[SearchMatch]:
    """Where each term (a word or a phrase) occurs, whatever its case and punctuation."""
    normal = [_normal(word["text"]) for word in words]
    matches: list[SearchMatch] = []
    for term in terms:
        wanted = [_normal(token) for token in term.split()]
        wanted = [token for token in wanted if token]
        indexes: list[int] = []
        timestamps: list[list[int]] = []
        if wanted:
            for index in range(len(normal) - len(wanted) + 1):
                if normal[index : index + len(wanted)] == wanted:
                    indexes.append(index)
                    timestamps.append(
                        [words[index]["start"], words[index + len(wanted) - 1]["end"]]
                    )
        matches.append(
            {"text": term, "count": len(indexes), "timestamps": timestamps, "indexes": indexes}
        )
    return matches
