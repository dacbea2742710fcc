"""The Transcripts pages and the /v2 API in the authorization matrix.

The API authenticates with keys only: every persona's console session gets 401.
"""

from tests.access import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    REDIRECT,
    UNAUTHORIZED,
    Expect,
    managers_only,
    members_only,
)


def _api(method="get", **kwargs):
    return Expect(
        anonymous=UNAUTHORIZED,
        reader=UNAUTHORIZED,
        admin=UNAUTHORIZED,
        owner=UNAUTHORIZED,
        outsider=UNAUTHORIZED,
        method=method,
        **kwargs,
    )


def _project(world):
    return {"project_id": world["transcripts_project"].pk}


def _transcript_id(world):
    return {"transcript_id": str(world["transcript"].pk)}


ROWS = {
    # The outsider asks for the team's project: 404, as for one that does not exist.
    "transcripts:list": members_only(outsider=NOT_FOUND, kwargs=_project),
    "transcripts:create": managers_only(outsider=NOT_FOUND, kwargs=_project),
    "transcripts:detail": members_only(
        outsider=NOT_FOUND,
        kwargs=lambda world: {**_project(world), "transcript_id": world["transcript"].pk},
    ),
    # Managers delete (and are sent back to the transcript); deleting twice is harmless.
    "transcripts:delete": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        kwargs=lambda world: {**_project(world), "transcript_id": world["transcript"].pk},
    ),
    # Unknown API paths: JSON 404 for everyone, with or without a key.
    "v2:unknown": Expect(
        anonymous=NOT_FOUND,
        reader=NOT_FOUND,
        admin=NOT_FOUND,
        owner=NOT_FOUND,
        outsider=NOT_FOUND,
        kwargs=lambda world: {"rest": "v2/upload"},
    ),
    "v2:upload": _api("post"),
    "v2:upload_file": _api(kwargs=lambda world: {"upload_id": str(world["transcript"].upload_id)}),
    "v2:transcripts": _api(),
    "v2:transcript": _api(kwargs=lambda world: {"transcript_id": str(world["transcript"].pk)}),
    "v2:transcript_sentences": _api(kwargs=_transcript_id),
    "v2:transcript_paragraphs": _api(kwargs=_transcript_id),
    "v2:transcript_srt": _api(kwargs=_transcript_id),
    "v2:transcript_vtt": _api(kwargs=_transcript_id),
    "v2:transcript_word_search": _api(kwargs=_transcript_id),
}


def world(team):
    from projects.models import Project
    from transcripts.models import Transcript, Upload

    project = Project.objects.create(account=team.account, name="Transcripts matrix")
    # Rows only: the matrix reads no file.
    upload = Upload.objects.create(project=project, path="", size=0)
    transcript = Transcript.objects.create(
        project=project,
        upload=upload,
        audio_url=f"http://testserver/v2/upload/{upload.pk}",
        status=Transcript.Status.COMPLETED,
        text="matrix words",
        words=[],
        audio_duration=1,
    )
    return {"transcripts_project": project, "transcript": transcript}
