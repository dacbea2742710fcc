"""Transcription concurrency per account, from the plan table (C3): beyond it transcripts
are accepted and wait queued, then start in creation order as running ones finish."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from accounts.plans import PlanCode, get_plan
from tests.transcripts.api_support import make_key, stored_upload
from transcripts import housekeeping, worker
from transcripts.models import Transcript

FREE_SLOTS = get_plan(PlanCode.FREE).transcription_concurrency


def _create(project, secret) -> str:
    """POST /v2/transcript of a fresh upload (not audio: its run ends in error at once)."""
    upload = stored_upload(project)
    response = Client().post(
        "/v2/transcript",
        {"audio_url": f"http://testserver/v2/upload/{upload.pk}"},
        content_type="application/json",
        HTTP_AUTHORIZATION=secret,
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "queued"
    return response.json()["id"]


def _in_creation_order(project) -> list[Transcript]:
    return list(Transcript.objects.filter(project=project).order_by("created_at", "id"))


def _admitted(project) -> list[bool]:
    return [t.admitted_at is not None for t in _in_creation_order(project)]


@pytest.mark.django_db
def test_beyond_the_limit_transcripts_wait_and_start_in_order_as_others_finish(
    api_world, django_capture_on_commit_callbacks
):
    project, secret = api_world.foreign, api_world.foreign_secret  # an account on Free
    assert FREE_SLOTS == 5
    ids = [_create(project, secret) for _ in range(FREE_SLOTS + 3)]
    assert _admitted(project) == [True] * 5 + [False] * 3
    # The API shows them all queued; the waiting ones are no different there.
    body = Client().get(f"/v2/transcript/{ids[-1]}", HTTP_AUTHORIZATION=secret).json()
    assert body["status"] == "queued"
    # Another account's transcripts take none of its slots.
    _create(api_world.project, api_world.secret)
    assert Transcript.objects.get(project=api_world.project).admitted_at is not None

    # A run message for a waiting transcript (sent again by the watchdog) does not start it.
    with django_capture_on_commit_callbacks(execute=True):
        worker.transcript_run(transcript_id=ids[-1])
    assert Transcript.objects.get(pk=ids[-1]).is_waiting_for_slot

    # One finishes (its file is not audio: error): the oldest waiting one starts.
    with django_capture_on_commit_callbacks(execute=True):
        assert worker.transcript_run(transcript_id=ids[2]).status == "error"
    assert _admitted(project) == [True] * 6 + [False] * 2

    # One stuck past its deadline is moved to error: the next one starts.
    Transcript.objects.filter(pk=ids[0]).update(
        status="processing", deadline_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert housekeeping.transcripts_expire_stuck() == 1
    assert _admitted(project) == [True] * 7 + [False]

    # The watchdog neither admits beyond the limit nor out of order.
    later = timezone.now() + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        housekeeping.transcripts_requeue_waiting(now=later)
    assert _admitted(project) == [True] * 7 + [False]
    running = Transcript.objects.filter(
        project=project, admitted_at__isnull=False, status__in=["queued", "processing"]
    )
    assert running.count() == FREE_SLOTS


@pytest.mark.django_db
def test_deleting_a_project_frees_its_slots_for_the_accounts_other_projects(
    api_world, django_capture_on_commit_callbacks
):
    from projects.models import Project
    from projects.services import project_delete

    account = api_world.foreign.account
    owner = account.memberships.get().user
    spare = Project.objects.create(account=account, name="Spare")
    _, spare_secret = make_key(spare, "Spare API")
    for _ in range(FREE_SLOTS):
        _create(spare, spare_secret)
    waiting = _create(api_world.foreign, api_world.foreign_secret)
    assert Transcript.objects.get(pk=waiting).is_waiting_for_slot
    with django_capture_on_commit_callbacks(execute=True):
        project_delete(account=account, actor=owner, project=spare)
    assert not Transcript.objects.get(pk=waiting).is_waiting_for_slot


@pytest.mark.django_db(transaction=True)
def test_racing_creates_and_finishes_admit_exactly_the_limit_in_creation_order(api_world):
    project = api_world.foreign
    secrets = [make_key(project, f"Racer {n}")[1] for n in range(8)]
    barrier = threading.Barrier(len(secrets))
    errors = []

    def create(secret):
        try:
            barrier.wait()
            _create(project, secret)
        except Exception as error:  # reported by the test thread below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(secret,)) for secret in secrets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _admitted(project) == [True] * FREE_SLOTS + [False] * 3

    # Two finish at once: exactly the next two, by creation order, start.
    first_two = [t.pk for t in _in_creation_order(project)[:2]]
    barrier = threading.Barrier(2)

    def finish(transcript_id):
        try:
            barrier.wait()
            worker.transcript_run(transcript_id=transcript_id)
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=finish, args=(pk,)) for pk in first_two]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    statuses = [t.status for t in _in_creation_order(project)]
    assert statuses[:2] == ["error", "error"]
    assert _admitted(project) == [True] * 7 + [False]
