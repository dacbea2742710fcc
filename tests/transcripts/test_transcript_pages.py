"""The Transcripts pages of a project: every role reads them; other accounts get 404."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apikeys.models import ApiKey
from tests.transcripts.api_support import stored_transcript
from transcripts.models import Transcript

pytestmark = pytest.mark.django_db


def _list_url(project):
    return f"/projects/{project.pk}/transcripts/"


def test_every_role_sees_the_projects_transcripts(clients, api_world):
    older = stored_transcript(api_world.project, api_world.key, text="first words of the old one")
    Transcript.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(hours=1))
    newer = stored_transcript(api_world.project, api_world.key, text="brand new words here")
    failed = stored_transcript(api_world.project, api_world.key, status="error")
    other = stored_transcript(api_world.sibling, api_world.sibling_key, text="staging secrets")
    for persona in ("reader", "admin", "owner"):
        response = clients[persona].get(_list_url(api_world.project))
        assert response.status_code == 200
        page = response.content.decode()
        assert "brand new words here" in page and "first words of the old one" in page
        assert page.index("brand new words here") < page.index("first words of the old one")
        assert "Bad audio" in page
        assert "Production API" in page
        assert f"/projects/{api_world.project.pk}/transcripts/{failed.pk}/" in page
        assert f"/transcripts/{newer.pk}/" in page
        assert "staging secrets" not in page and str(other.pk) not in page


def test_the_list_filters_by_status_and_keeps_deleted_keys_names(clients, api_world):
    stored_transcript(api_world.project, api_world.key, text="kept words")
    stored_transcript(api_world.project, api_world.key, status="error")
    ApiKey.objects.filter(pk=api_world.key.pk).update(deleted_at=timezone.now())
    page = clients["reader"].get(_list_url(api_world.project) + "?status=completed")
    content = page.content.decode()
    assert "kept words" in content and "Bad audio" not in content
    assert "Production API" in content and "deleted" in content


def test_the_list_refreshes_rows_with_htmx_while_work_is_in_progress(clients, api_world):
    stored_transcript(api_world.project, api_world.key, status="queued")
    page = clients["reader"].get(_list_url(api_world.project)).content.decode()
    assert 'hx-trigger="every 5s"' in page
    fragment = clients["reader"].get(_list_url(api_world.project), HTTP_HX_REQUEST="true")
    content = fragment.content.decode()
    assert "Queued" in content
    assert "<html" not in content and "<h1>" not in content


def test_the_detail_page_shows_the_text_and_word_timings(clients, api_world):
    transcript = stored_transcript(api_world.project, api_world.key, text="hello there")
    response = clients["reader"].get(f"{_list_url(api_world.project)}{transcript.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "hello there" in page
    assert "<td>hello</td>" in page and ">300<" in page
    assert "pocketsphinx" in page and "Production API" in page


def test_transcripts_are_reached_only_through_their_own_project(clients, api_world):
    theirs = stored_transcript(api_world.sibling, api_world.sibling_key)
    response = clients["owner"].get(f"{_list_url(api_world.project)}{theirs.pk}/")
    assert response.status_code == 404
    # Another account's member gets 404 for both pages.
    mine = stored_transcript(api_world.project, api_world.key)
    assert clients["outsider"].get(_list_url(api_world.project)).status_code == 404
    detail = f"{_list_url(api_world.project)}{mine.pk}/"
    assert clients["outsider"].get(detail).status_code == 404
    # The outsider's own project is theirs to read.
    assert clients["outsider"].get(_list_url(api_world.foreign)).status_code == 200


def test_an_empty_project_explains_how_to_make_transcripts(clients, api_world):
    page = clients["reader"].get(_list_url(api_world.project)).content.decode()
    assert "No transcripts in Production yet" in page
    assert "POST /v2/upload" in page


def test_the_list_runs_as_many_queries_for_many_transcripts_as_for_one(clients, api_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert clients["reader"].get(_list_url(api_world.project)).status_code == 200
        return len(context)

    stored_transcript(api_world.project, api_world.key)
    one = queries()
    for _ in range(12):
        stored_transcript(api_world.project, api_world.key)
    assert queries() == one


def test_the_detail_page_refreshes_itself_until_the_transcript_is_done(clients, api_world):
    transcript = stored_transcript(api_world.project, api_world.key, status="processing")
    url = f"{_list_url(api_world.project)}{transcript.pk}/"
    page = clients["reader"].get(url).content.decode()
    assert 'hx-trigger="every 3s"' in page
    Transcript.objects.filter(pk=transcript.pk).update(
        status="completed", text="all done now", words=[], completed_at=timezone.now()
    )
    fragment = clients["reader"].get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "all done now" in fragment and "<html" not in fragment
    assert 'hx-trigger="every 3s"' not in fragment  # done: it stops asking
