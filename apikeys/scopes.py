"""Key scopes (K7) and the one table of which /v2 route each scope may call.

The API's auth decorator (`transcripts.api.api_endpoint`) resolves the request's
URL name and method and asks `needed_scope`/`allows` here: a new /v2 route needs
only a row in ROUTE_SCOPES. A route without a row is refused to every key but a
`full` one (a test fails while any /v2 route lacks a row).
"""

from django.db import models


class Scope(models.TextChoices):
    FULL = "full", "Full access"
    TRANSCRIBE = "transcribe", "Transcribe: upload, create and get its own transcripts"
    READ = "read", "Read: list and get transcripts, sentences, paragraphs, subtitles, search"


_T = frozenset({Scope.TRANSCRIBE})
_R = frozenset({Scope.READ})
_TR = frozenset({Scope.TRANSCRIBE, Scope.READ})
_FULL_ONLY: frozenset[Scope] = frozenset()

# (URL name, HTTP method) -> the scopes besides `full` that may call it.
ROUTE_SCOPES: dict[tuple[str, str], frozenset[Scope]] = {
    ("v2:upload", "POST"): _T,
    ("v2:upload_file", "GET"): _R,
    ("v2:transcripts", "GET"): _R,  # list
    ("v2:transcripts", "POST"): _T,  # create
    # A transcribe key gets only the transcripts it made (transcripts.selectors).
    ("v2:transcript", "GET"): _TR,
    ("v2:transcript", "DELETE"): _FULL_ONLY,
    ("v2:transcript_sentences", "GET"): _R,
    ("v2:transcript_paragraphs", "GET"): _R,
    ("v2:transcript_srt", "GET"): _R,
    ("v2:transcript_vtt", "GET"): _R,
    ("v2:transcript_word_search", "GET"): _R,
}


def allows(scope: str, route: str | None, method: str) -> bool:
    """Whether a key of `scope` may call `method` on the route named `route`."""
    if scope == Scope.FULL:
        return True
    # SECURITY: a route missing from the table is refused to restricted keys.
    return scope in ROUTE_SCOPES.get((route or "", method), _FULL_ONLY)


def needed_scope(route: str | None, method: str) -> str:
    """The scopes that may call a route, for the 403 message: "read or full"."""
    names = sorted(s.value for s in ROUTE_SCOPES.get((route or "", method), _FULL_ONLY))
    return " or ".join([*names, Scope.FULL.value])


def refusal(scope: str, route: str | None, method: str, path: str) -> str:
    return (
        f"This API key's scope is {scope}: {method} {path} needs the "
        f"{needed_scope(route, method)} scope."
    )
