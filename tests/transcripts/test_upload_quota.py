"""The per-project upload quota (accounts/plans.py): bytes held in uploads no transcript uses yet."""

import io
from pathlib import Path

import pytest

from accounts.plans import upload_quota_for
from tests.transcripts.api_support import stored_transcript
from tests.transcripts.test_api import error_of, post_upload
from transcripts.errors import UploadQuotaExceeded
from transcripts.models import Upload
from transcripts.services import upload_create

pytestmark = pytest.mark.django_db


def _hold(project, size):
    """An upload no transcript uses, of `size` bytes (its file need not exist for the count)."""
    return Upload.objects.create(project=project, path="", size=size)


def test_an_upload_past_the_quota_is_413_naming_the_plan_and_leaves_nothing(
    client, api_world, settings
):
    quota = upload_quota_for(api_world.project.account)
    _hold(api_world.project, quota - 100)
    response = post_upload(client, api_world, b"x" * 101)
    assert response.status_code == 413
    assert "upload quota" in error_of(response) and "Contracted plan" in error_of(response)
    assert Upload.objects.count() == 1
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    # Up to the quota exactly is fine.
    assert post_upload(client, api_world, b"x" * 100).status_code == 200


def test_the_quota_counts_bytes_not_announced_in_advance(api_world):
    """A chunked body has no Content-Length: the check after storing still holds."""
    quota = upload_quota_for(api_world.project.account)
    _hold(api_world.project, quota - 10)
    with pytest.raises(UploadQuotaExceeded):
        upload_create(api_key=api_world.key, stream=io.BytesIO(b"x" * 11), content_length=None)
    assert Upload.objects.count() == 1


def test_uploads_used_by_a_transcript_and_other_projects_do_not_count(client, api_world):
    quota = upload_quota_for(api_world.project.account)
    transcript = stored_transcript(api_world.project)
    Upload.objects.filter(pk=transcript.upload_id).update(size=quota)
    _hold(api_world.sibling, quota)
    assert post_upload(client, api_world, b"x" * 1000).status_code == 200
