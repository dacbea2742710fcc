"""The project-scoped /v2 API, shaped like the reference platform's so that its Python SDK works.

Every request is authenticated by an API key (`apikeys.auth.authenticate`) and
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
from django.http import FileResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.csrf import csrf_exempt

from apikeys.auth import KeyAuthError, authenticate
from transcripts import selectors, services, storage
from transcripts.errors import (
    InvalidRequest,
    NotFound,
    TooLarge,
    TranscriptError,
    UploadInaccessible,
)
from transcripts.models import Transcript
from transcripts.services import DELETED_AUDIO_URL, DELETED_TEXT

logger = logging.getLogger(__name__)

SPEECH_MODELS = ("best", "nano", "slam-1", "universal")
LIST_DEFAULT_LIMIT = 10
LIST_MAX_LIMIT = 200
NOT_FOUND = "Transcript not found"


# The one place where what the services refuse becomes an HTTP status.
STATUS_OF = {
    InvalidRequest: 400,
    UploadInaccessible: 403,
    NotFound: 404,
    TooLarge: 413,
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
    """Key authentication, allowed methods and JSON errors for one API view."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                # SECURITY: the key is the only credential; a session cookie counts for nothing.
                try:
                    api_key = authenticate(request.headers.get("Authorization"))
                except KeyAuthError as exc:
                    return _error(401, str(exc))
                if request.method not in methods:
                    response = _error(405, f"{request.method} is not allowed here.")
                    response["Allow"] = ", ".join(methods)
                    return response
                return view(request, api_key, *args, **kwargs)
            except TranscriptError as exc:
                return _error(status_of(exc), exc.message)
            except RequestDataTooBig:
                return _error(413, "The request body is too large.")
            except Exception:
                logger.exception("API request failed: %s %s", request.method, request.path)
                return _error(500, "Internal server error.")

        return wrapped

    return decorator


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
    return moment.isoformat() if moment else None


def transcript_json(transcript: Transcript) -> dict:
    deleted = transcript.is_deleted
    return {
        "id": str(transcript.id),
        "status": transcript.status,
        "audio_url": DELETED_AUDIO_URL if deleted else transcript.audio_url,
        "text": DELETED_TEXT if deleted else transcript.text,
        "words": None if deleted else transcript.words,
        "utterances": None,
        "confidence": None if deleted else transcript.confidence,
        "audio_duration": transcript.audio_duration,
        "language_code": transcript.language_code,
        "speech_model": transcript.speech_model,
        "speech_model_used": transcript.speech_model_used,
        "punctuate": False,
        "format_text": False,
        "webhook_url": None,
        "error": transcript.error or None,
    }


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
        raise InvalidRequest("audio_url is required: the upload_url returned by POST /v2/upload.")
    audio_url = audio_url.strip()
    speech_model = data.get("speech_model")
    if speech_model is not None and speech_model not in SPEECH_MODELS:
        raise InvalidRequest(f"speech_model must be null or one of {', '.join(SPEECH_MODELS)}.")
    language_code = data.get("language_code") or "en_us"
    if not isinstance(language_code, str) or len(language_code) > 16:
        raise InvalidRequest("language_code must be a language code such as en_us.")
    stored = _upload_from_url(request, api_key, audio_url)
    transcript = services.transcript_create(
        api_key=api_key,
        upload=stored,
        audio_url=audio_url,
        language_code=language_code,
        speech_model=speech_model,
    )
    return JsonResponse(transcript_json(transcript))


def _upload_from_url(request, api_key, audio_url: str):
    """The upload an `audio_url` names, if it is one of this server's upload URLs."""
    remote = InvalidRequest(
        "audio_url must be an upload_url returned by POST /v2/upload on this server: "
        "this server does not fetch remote URLs."
    )
    if len(audio_url) > 500:
        raise remote
    try:
        parts = urlsplit(audio_url)
        parts.port  # noqa: B018 (a port out of range raises only when read)
    except ValueError:  # "http://[::1": an unclosed IPv6 bracket
        raise InvalidRequest("audio_url is not a valid URL.") from None
    our_hosts = {request.get_host(), urlsplit(settings.SITE_URL).netloc}
    if parts.scheme not in ("http", "https") or parts.netloc not in our_hosts:
        raise remote
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise remote from None
    if match.view_name != "v2:upload_file":
        raise remote
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
