"""The project-scoped /v2 API, shaped like the reference platform's so that its Python SDK works.

Every request is authenticated by an API key (`apikeys.auth.authenticate`), then
counted against its plan's requests a minute (`apikeys.ratelimits`: 429 beyond,
X-RateLimit headers on every answer), held to the key's allowlist and scope
(`apikeys.auth.authorize_request`, the route table in `apikeys/scopes.py`), and
sees only that key's project. Answers are JSON; errors are `{"error": "..."}`.
"""

import json
import logging
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.models import Q
from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.csrf import csrf_exempt

from accounts.plans import get_plan
from apikeys.auth import KeyAuthError, KeyForbidden, authenticate, authorize_request
from apikeys.models import ApiKey
from apikeys.ratelimits import RateCount, count_request
from transcripts import formatting, selectors, services, storage
from transcripts.errors import (
    InvalidRequest,
    NotCompleted,
    NotFound,
    OverSpendLimit,
    TooLarge,
    TranscriptError,
    UploadInaccessible,
)
from transcripts.models import Transcript
from transcripts.options import MAX_URL_CHARS, parse_options
from transcripts.services import DELETED_AUDIO_URL, DELETED_TEXT

logger = logging.getLogger(__name__)

LIST_DEFAULT_LIMIT = 10
LIST_MAX_LIMIT = 200
NOT_FOUND = "Transcript not found"
MAX_CHARS_PER_CAPTION = 10_000
MAX_SEARCH_TERMS = 50
MAX_SEARCH_TERM_CHARS = 200
# The reference names these models in required fields that no longer mean anything.
LEGACY_MODEL = "assemblyai_default"


# The one place where what the services refuse becomes an HTTP status.
STATUS_OF = {
    InvalidRequest: 400,
    UploadInaccessible: 403,
    NotFound: 404,
    TooLarge: 413,
    OverSpendLimit: 429,
}


def status_of(error: TranscriptError) -> int:
    """The HTTP status of a refusal: that of its nearest kind in STATUS_OF, else 400."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


def _error(status: int, message: str) -> JsonResponse:
    """The reference API's error shape: `{"error": "..."}`."""
    return JsonResponse({"error": message}, status=status)


def api_endpoint(*methods):
    """Key authentication, the key's request rate, allowed methods and JSON errors for one
    API view."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            rate = None
            try:
                # SECURITY: the key is the only credential; a session cookie counts for nothing.
                try:
                    api_key = authenticate(request.headers.get("Authorization"))
                except KeyAuthError as exc:
                    return _error(401, str(exc))
                # Every request a key makes counts, refused ones included (C3).
                rate = _count(request, api_key)
                if rate.exceeded:
                    response = _rate_limited(api_key, rate)
                elif request.method not in methods:
                    response = _error(405, f"{request.method} is not allowed here.")
                    response["Allow"] = ", ".join(methods)
                else:
                    # SECURITY: the key's allowlist and its scope for this URL name and method.
                    try:
                        authorize_request(request, api_key)
                    except KeyForbidden as exc:
                        response = _error(403, str(exc))
                    else:
                        response = view(request, api_key, *args, **kwargs)
            except TranscriptError as exc:
                response = _error(status_of(exc), exc.message)
            except RequestDataTooBig:
                response = _error(413, "The request body is too large.")
            except Exception:
                logger.exception("API request failed: %s %s", request.method, request.path)
                response = _error(500, "Internal server error.")
            if rate is not None:
                for header, value in rate.headers().items():
                    response[header] = value
            return response

        # Read by the tests that hold every /v2 route and method to a scope row.
        wrapped.api_methods = methods
        return wrapped

    return decorator


def _count(request, api_key: ApiKey) -> RateCount:
    """One more request of this key this minute, against its plan's number."""
    limit = get_plan(api_key.project.account.plan).api_requests_per_minute
    return count_request(request, group="v2", key=f"api-key:{api_key.pk}", limit=limit)


def _rate_limited(api_key: ApiKey, rate: RateCount) -> JsonResponse:
    plan = get_plan(api_key.project.account.plan)
    response = _error(
        429,
        f"Too many requests: this API key may make {rate.limit} requests a minute on the "
        f"{plan.name} plan. Retry in {rate.retry_after} s.",
    )
    response["Retry-After"] = str(rate.retry_after)
    return response


@csrf_exempt
def unknown_endpoint(request, rest):
    """Any other path under /v2: a JSON 404, as the SDK expects, never an HTML page."""
    return _error(404, f"No such endpoint: {request.method} {request.path}.")


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


def _parse_uuid(value: str, message: str, invalid=InvalidRequest):
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        raise invalid(message) from None


def _iso(moment: datetime | None) -> str | None:
    """The reference's list timestamps: UTC, no offset (`2026-01-31T12:00:00.123456`)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat() if moment else None


def _words_json(words: list | None) -> list | None:
    if words is None:
        return None
    return [{**word, "speaker": word.get("speaker"), "channel": None} for word in words]


def transcript_json(transcript: Transcript) -> dict:
    """A transcript as the reference's Transcript schema: every required field, typed."""
    deleted = transcript.is_deleted
    body = {
        "id": str(transcript.id),
        "status": transcript.status,
        "audio_url": DELETED_AUDIO_URL if deleted else transcript.audio_url,
        "text": DELETED_TEXT if deleted else transcript.text,
        "words": None if deleted else _words_json(transcript.words),
        "utterances": None,
        "confidence": None if deleted else transcript.confidence,
        "audio_duration": transcript.audio_duration,
        "audio_start_from": transcript.audio_start_from,
        "audio_end_at": transcript.audio_end_at,
        "language_code": transcript.language_code,
        "language_confidence": None,
        "language_confidence_threshold": None,
        "language_detection": False,
        "speech_model": transcript.speech_model,
        "speech_model_used": transcript.speech_model_used,
        "language_model": LEGACY_MODEL,
        "acoustic_model": LEGACY_MODEL,
        "punctuate": transcript.punctuate,
        "format_text": transcript.format_text,
        "word_boost": transcript.word_boost,
        "boost_param": transcript.boost_param or None,
        "keyterms_prompt": transcript.keyterms_prompt,
        "webhook_url": transcript.webhook_url or None,
        "webhook_status_code": transcript.webhook_status_code,
        # SECURITY: whether there is an auth header, and its name; never its value.
        "webhook_auth": bool(transcript.webhook_auth_header_sealed),
        "webhook_auth_header_name": transcript.webhook_auth_header_name or None,
        # What this server does not do: asked for, they are refused (transcripts.options).
        "speaker_labels": False,
        "auto_highlights": False,
        "auto_highlights_result": None,
        "redact_pii": False,
        "summarization": False,
        "content_safety": False,
        "iab_categories": False,
        "sentiment_analysis": False,
        "entity_detection": False,
        "auto_chapters": False,
        "disfluencies": False,
        "filter_profanity": False,
        "multichannel": False,
        "throttled": None,
    }
    if transcript.error:
        body["error"] = transcript.error
    return body


@api_endpoint("POST")
def upload(request, api_key):
    """`POST /v2/upload`: the raw file bytes are the body."""
    if request.content_type == "multipart/form-data":
        raise InvalidRequest("Send the file's raw bytes as the body, not a multipart form.")
    try:
        content_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        content_length = None
    # Streamed from the request itself: `request.body` would hold the whole file in memory.
    stored = services.upload_create(api_key=api_key, stream=request, content_length=content_length)
    url = _absolute(request, reverse("v2:upload_file", kwargs={"upload_id": str(stored.id)}))
    return JsonResponse({"upload_url": url})


@api_endpoint("GET")
def upload_file(request, api_key, upload_id):
    """`GET /v2/upload/{id}`: the uploaded file, for keys of its project only."""
    parsed = _parse_uuid(upload_id, "Upload not found", NotFound)
    stored = selectors.upload_for_key(api_key=api_key, upload_id=parsed)
    if stored is None or not stored.path:
        raise NotFound("Upload not found")
    try:
        handle = storage.open_file(stored.path)  # FileResponse closes it
    except FileNotFoundError:
        raise NotFound("Upload not found") from None
    return FileResponse(handle, content_type="application/octet-stream")


@api_endpoint("GET", "POST")
def transcripts_view(request, api_key):
    if request.method == "POST":
        return _create(request, api_key)
    return _list(request, api_key)


def _completed(api_key, transcript_id: str) -> Transcript:
    """The key's project's completed transcript, for the exports."""
    parsed = _parse_uuid(transcript_id, f"Invalid transcript id {transcript_id!r}: ids are UUIDs.")
    transcript = selectors.transcript_for_key(api_key=api_key, transcript_id=parsed)
    if transcript is None:
        raise NotFound(NOT_FOUND)
    if transcript.is_deleted:
        raise NotCompleted("This transcript was deleted.")
    if transcript.status != Transcript.Status.COMPLETED or transcript.words is None:
        raise NotCompleted(f"This transcript is {transcript.status}, not completed.")
    return transcript


def _export_head(transcript: Transcript) -> dict:
    return {
        "id": str(transcript.id),
        "confidence": transcript.confidence or 0.0,
        "audio_duration": float(transcript.audio_duration or 0),
        "speech_model_used": transcript.speech_model_used,
    }


@api_endpoint("GET")
def transcript_sentences(request, api_key, transcript_id):
    """`GET /v2/transcript/{id}/sentences`."""
    transcript = _completed(api_key, transcript_id)
    sentences = formatting.sentences(transcript.words or [])
    return JsonResponse({**_export_head(transcript), "sentences": sentences})


@api_endpoint("GET")
def transcript_paragraphs(request, api_key, transcript_id):
    """`GET /v2/transcript/{id}/paragraphs`."""
    transcript = _completed(api_key, transcript_id)
    paragraphs = formatting.paragraphs(transcript.words or [])
    return JsonResponse({**_export_head(transcript), "paragraphs": paragraphs})


@api_endpoint("GET")
def transcript_subtitles(request, api_key, transcript_id, subtitle_format):
    """`GET /v2/transcript/{id}/srt` and `/vtt`, with `chars_per_caption`."""
    raw = request.GET.get("chars_per_caption")
    chars = formatting.DEFAULT_CHARS_PER_CAPTION
    if raw is not None:
        try:
            chars = int(raw)
        except ValueError:
            chars = 0
        if not 1 <= chars <= MAX_CHARS_PER_CAPTION:
            raise InvalidRequest(
                f"chars_per_caption must be a whole number from 1 to {MAX_CHARS_PER_CAPTION}."
            )
    transcript = _completed(api_key, transcript_id)
    export = formatting.srt if subtitle_format == "srt" else formatting.vtt
    return HttpResponse(
        export(transcript.words or [], chars), content_type="text/plain; charset=utf-8"
    )


@api_endpoint("GET")
def transcript_word_search(request, api_key, transcript_id):
    """`GET /v2/transcript/{id}/word-search?words=a,b c`: where each word or phrase occurs."""
    terms = [term.strip() for term in request.GET.get("words", "").split(",") if term.strip()]
    if not terms:
        raise InvalidRequest("words is required: the words or phrases to find, comma-separated.")
    if len(terms) > MAX_SEARCH_TERMS or any(len(t) > MAX_SEARCH_TERM_CHARS for t in terms):
        raise InvalidRequest(
            f"words takes at most {MAX_SEARCH_TERMS} words or phrases of at most "
            f"{MAX_SEARCH_TERM_CHARS} characters."
        )
    transcript = _completed(api_key, transcript_id)
    matches = formatting.word_search(transcript.words or [], terms)
    return JsonResponse(
        {
            "id": str(transcript.id),
            "total_count": sum(match["count"] for match in matches),
            "matches": matches,
        }
    )


@api_endpoint("GET", "DELETE")
def transcript_view(request, api_key, transcript_id):
    parsed = _parse_uuid(transcript_id, f"Invalid transcript id {transcript_id!r}: ids are UUIDs.")
    transcript = selectors.transcript_for_key(api_key=api_key, transcript_id=parsed)
    if transcript is None:
        raise NotFound(NOT_FOUND)
    if request.method == "DELETE":
        transcript = services.transcript_delete(api_key=api_key, transcript=transcript)
    return JsonResponse(transcript_json(transcript))


def _json_object(request) -> dict:
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise InvalidRequest("Send a JSON object with Content-Type: application/json.")
    raw = request.body
    if not raw.strip():
        raise InvalidRequest(
            'Send a JSON object in the body, for example {"audio_url": "<upload_url>"}.'
        )
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest(f"The body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise InvalidRequest("The body's JSON is nested too deeply.") from None
    if not isinstance(data, dict):
        raise InvalidRequest(
            'The body must be a JSON object, for example {"audio_url": "<upload_url>"}.'
        )
    return data


def _create(request, api_key):
    data = _json_object(request)
    audio_url = data.get("audio_url")
    if not isinstance(audio_url, str) or not audio_url.strip():
        raise InvalidRequest(
            "audio_url is required: the upload_url returned by POST /v2/upload, "
            "or an http(s) URL of the audio."
        )
    audio_url = audio_url.strip()
    options = parse_options(data)
    stored = _upload_from_url(request, api_key, audio_url)
    transcript = services.transcript_create(
        api_key=api_key, upload=stored, audio_url=audio_url, options=options
    )
    return JsonResponse(transcript_json(transcript))


def _upload_from_url(request, api_key, audio_url: str):
    """The upload an `audio_url` names if it is one of this server's upload URLs; None for
    a remote URL (the worker fetches it)."""
    if len(audio_url) > MAX_URL_CHARS:
        raise InvalidRequest(f"audio_url is longer than {MAX_URL_CHARS} characters.")
    try:
        parts = urlsplit(audio_url)
        parts.port  # noqa: B018 (a port out of range raises only when read)
    except ValueError:  # "http://[::1": an unclosed IPv6 bracket
        raise InvalidRequest("audio_url is not a valid URL.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(
            "audio_url must be an upload_url returned by POST /v2/upload, or an http(s) URL."
        )
    our_hosts = {request.get_host(), urlsplit(settings.SITE_URL).netloc}
    if parts.netloc not in our_hosts:
        return None
    not_upload = InvalidRequest(
        "audio_url names this server but not an upload: use the upload_url returned by "
        "POST /v2/upload."
    )
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise not_upload from None
    if match.view_name != "v2:upload_file":
        raise not_upload
    forbidden = UploadInaccessible("Cannot access uploaded file")
    try:
        upload_id = uuid.UUID(match.kwargs["upload_id"])
    except ValueError:
        raise forbidden from None
    stored = selectors.upload_for_key(api_key=api_key, upload_id=upload_id)
    # SECURITY: another project's upload and a missing one get the same answer (P3).
    if stored is None:
        raise forbidden
    return stored


def _list(request, api_key):
    params = request.GET
    limit_raw = params.get("limit") or str(LIST_DEFAULT_LIMIT)
    try:
        limit = int(limit_raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise InvalidRequest(f"limit must be a whole number from 1 to {LIST_MAX_LIMIT}.")
    # SECURITY: the list starts from the key's project.
    rows = Transcript.objects.for_project(api_key.project)
    kept = {"limit": limit}
    status = params.get("status")
    if status:
        if status not in Transcript.Status.values:
            raise InvalidRequest(f"status must be one of {', '.join(Transcript.Status.values)}.")
        rows = rows.filter(status=status)
        kept["status"] = status
    created_on = params.get("created_on")
    if created_on:
        try:
            day = date.fromisoformat(created_on)
            start = datetime.combine(day, time.min, tzinfo=UTC)
            end = start + timedelta(days=1)
        except (ValueError, OverflowError):
            raise InvalidRequest("created_on must be a date such as 2026-01-31.") from None
        rows = rows.filter(created_at__gte=start, created_at__lt=end)
        kept["created_on"] = created_on
    before_id, after_id = params.get("before_id"), params.get("after_id")
    if before_id and after_id:
        raise InvalidRequest("Use before_id or after_id, not both.")
    page_rows = rows
    if before_id or after_id:
        name = "before_id" if before_id else "after_id"
        cursor_id = _parse_uuid(before_id or after_id, f"{name} must be a transcript id (a UUID).")
        cursor = Transcript.objects.for_project(api_key.project).filter(pk=cursor_id).first()
        if cursor is None:
            raise InvalidRequest(f"{name} does not name a transcript of this project.")
        older = Q(created_at__lt=cursor.created_at) | Q(
            created_at=cursor.created_at, id__lt=cursor.id
        )
        newer = Q(created_at__gt=cursor.created_at) | Q(
            created_at=cursor.created_at, id__gt=cursor.id
        )
        page_rows = rows.filter(older) if before_id else rows.filter(newer)
    if after_id:
        # The page right after the cursor, shown newest first like every page.
        page = list(page_rows.order_by("created_at", "id")[:limit])[::-1]
    else:
        page = list(page_rows.order_by("-created_at", "-id")[:limit])
    base = _absolute(request, reverse("v2:transcripts"))
    prev_url = next_url = None
    if page:
        oldest, newest = page[-1], page[0]
        has_older = rows.filter(
            Q(created_at__lt=oldest.created_at) | Q(created_at=oldest.created_at, id__lt=oldest.id)
        ).exists()
        has_newer = rows.filter(
            Q(created_at__gt=newest.created_at) | Q(created_at=newest.created_at, id__gt=newest.id)
        ).exists()
        if has_older:
            prev_url = f"{base}?{urlencode({**kept, 'before_id': oldest.id})}"
        if has_newer:
            next_url = f"{base}?{urlencode({**kept, 'after_id': newest.id})}"
    return JsonResponse(
        {
            "page_details": {
                "limit": limit,
                "result_count": len(page),
                "current_url": request.build_absolute_uri(),
                "prev_url": prev_url,
                "next_url": next_url,
            },
            "transcripts": [_list_item(request, t) for t in page],
        }
    )


def _list_item(request, transcript: Transcript) -> dict:
    return {
        "id": str(transcript.id),
        "resource_url": _absolute(
            request, reverse("v2:transcript", kwargs={"transcript_id": str(transcript.id)})
        ),
        "status": transcript.status,
        "created": _iso(transcript.created_at),
        "completed": _iso(transcript.completed_at),
        "audio_url": DELETED_AUDIO_URL if transcript.is_deleted else transcript.audio_url,
        "error": transcript.error or None,
    }
