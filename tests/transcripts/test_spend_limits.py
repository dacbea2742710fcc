"""POST /v2/transcript against spend limits: the worst case reserved before work starts,
refusals that name the limit, exact under concurrency (C1)."""

import io
import json
import threading
import wave

import pytest
from django.db import connections
from django.test import Client

from projects.services import project_delete
from reporting.limits import services as limits
from reporting.limits.models import SpendLimitNotice, SpendReservation
from reporting.models import UsageEvent
from reporting.usage.services import usage_event_record
from tests.transcripts.api_support import make_key, stored_upload
from transcripts import worker
from transcripts.models import Transcript, Upload

CENT = 10_000
# A minute of faster-whisper at $0.05 an hour, in micro-dollars.
MINUTE = 833
# A one-cent limit holds twelve of them: 12 x 833 = 9,996.
FITS_IN_A_CENT = 12


def silent_wav(seconds: int) -> bytes:
    """A WAV of `seconds` of silence at 4 kHz, 8-bit: a known duration in few bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(4000)
        writer.writeframes(b"\x80" * 4000 * seconds)
    return buffer.getvalue()


def create(client, secret, upload):
    return client.post(
        "/v2/transcript",
        {"audio_url": f"http://testserver/v2/upload/{upload.pk}"},
        content_type="application/json",
        HTTP_AUTHORIZATION=secret,
    )


def minute_upload(project, key=None) -> Upload:
    return stored_upload(project, key, content=silent_wav(60))


def spend_best(world, seconds: int, key: str = "earlier") -> None:
    """Usage recorded and not folded: `seconds` of "best" (about 103 micro-dollars a second)."""
    usage_event_record(
        account=world.project.account,
        project=world.project,
        api_key=world.key,
        product="speech_to_text",
        model="best",
        quantity=seconds,
        occurred_at=world.key.created_at,
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_unfolded_usage_counts_and_the_limit_crossed_is_named(
    api_world, team, django_capture_on_commit_callbacks
):
    world = api_world
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=CENT, project=world.project
    )
    spend_best(world, 80)  # 8,222: two minutes more fit, not three
    client = Client()
    accepted = [create(client, world.secret, minute_upload(world.project)) for _ in range(2)]
    assert [r.status_code for r in accepted] == [200, 200]
    refused_upload = minute_upload(world.project)
    with django_capture_on_commit_callbacks(execute=True):
        refused = create(client, world.secret, refused_upload)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "The monthly spend limit of $0.01 for project Production is reached"
    }
    assert Transcript.objects.count() == 2
    assert not refused_upload.transcripts.exists()
    reservations = SpendReservation.objects.order_by("created_at")
    assert [(r.amount_micros, r.status) for r in reservations] == [(MINUTE, "open")] * 2
    assert {r.reference for r in reservations} == {f"transcript:{r.json()['id']}" for r in accepted}
    assert UsageEvent.objects.count() == 1
    assert SpendLimitNotice.objects.count() == 1
    # The other project of the account is not covered by it.
    assert create(client, world.sibling_secret, minute_upload(world.sibling)).status_code == 200


@pytest.mark.django_db
def test_no_limit_no_reservation(api_world):
    assert create(Client(), api_world.secret, minute_upload(api_world.project)).status_code == 200
    assert not SpendReservation.objects.exists()


def _race(requests) -> list[int]:
    """Run each request in its own thread, all released at once; their status codes."""
    start = threading.Barrier(len(requests))
    codes: list[int] = [0] * len(requests)

    def run(index, request):
        try:
            start.wait()
            codes[index] = request().status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return codes


@pytest.mark.django_db(transaction=True)
def test_32_concurrent_creates_against_a_limit_that_allows_12(api_world, team):
    world = api_world
    limits.spend_limit_set(account=team.account, actor=team.owner, amount_micros=CENT)
    uploads = [minute_upload(world.project) for _ in range(32)]
    codes = _race([lambda u=u: create(Client(), world.secret, u) for u in uploads])
    assert sorted(codes) == [200] * FITS_IN_A_CENT + [429] * (32 - FITS_IN_A_CENT)
    assert Transcript.objects.count() == FITS_IN_A_CENT
    held = sum(SpendReservation.objects.open().values_list("amount_micros", flat=True))
    assert held == FITS_IN_A_CENT * MINUTE <= CENT
    assert SpendLimitNotice.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_keys_of_one_project_share_its_limit_under_concurrency(api_world, team):
    world = api_world
    second_key, second_secret = make_key(world.project, "Second key")
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=CENT, project=world.project
    )
    requests = []
    for secret in (world.secret, second_secret):
        for _ in range(16):
            upload = minute_upload(world.project)
            requests.append(lambda u=upload, s=secret: create(Client(), s, u))
    codes = _race(requests)
    assert codes.count(200) == FITS_IN_A_CENT and codes.count(429) == 32 - FITS_IN_A_CENT
    held = SpendReservation.objects.open()
    assert sum(r.amount_micros for r in held) <= CENT
    assert {r.api_key_id for r in held} <= {world.key.pk, second_key.pk}


@pytest.mark.django_db
def test_completion_turns_the_reservation_into_the_actual_cost(
    api_world, team, eager_celery, speech_wav, django_capture_on_commit_callbacks
):
    world = api_world
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=CENT, api_key=world.key
    )
    upload = stored_upload(world.project, world.key, content=speech_wav.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = create(Client(), world.secret, upload)
    transcript = Transcript.objects.get(pk=response.json()["id"])
    assert transcript.status == "completed", transcript.error
    event = UsageEvent.objects.get()
    reservation = SpendReservation.objects.get()
    assert reservation.status == "settled"
    assert reservation.settled_by == event.idempotency_key == f"transcript:{transcript.pk}"
    assert reservation.settled_micros == event.cost_micros > 0
    assert not SpendReservation.objects.open().exists()


@pytest.mark.django_db
def test_a_file_deleted_before_its_turn_releases_the_reservation(api_world, team):
    world = api_world
    limits.spend_limit_set(account=team.account, actor=team.owner, amount_micros=CENT)
    upload = minute_upload(world.project)
    response = create(Client(), world.secret, upload)
    assert SpendReservation.objects.open().count() == 1
    Upload.objects.filter(pk=upload.pk).update(path="")
    transcript = worker.transcript_run(transcript_id=response.json()["id"])
    assert transcript.status == "error"
    assert SpendReservation.objects.get().status == "released"
    assert not UsageEvent.objects.exists()


@pytest.mark.django_db
def test_a_project_deleted_before_its_transcripts_ran_releases_them(api_world, team):
    world = api_world
    limits.spend_limit_set(account=team.account, actor=team.owner, amount_micros=CENT)
    create(Client(), world.secret, minute_upload(world.project))
    project_delete(account=team.account, actor=team.owner, project=world.project)
    assert SpendReservation.objects.get().status == "released"


@pytest.mark.django_db
def test_a_remote_file_over_the_limit_ends_in_error_without_usage(
    api_world,
    team,
    eager_celery,
    local_http,
    loopback_allowed,
    django_capture_on_commit_callbacks,
):
    world = api_world
    local_http.routes["/long.wav"] = (200, {}, silent_wav(60))
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=CENT, project=world.project
    )
    spend_best(world, 95)  # 9,764: a minute more does not fit
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/v2/transcript",
            json.dumps({"audio_url": local_http.url("/long.wav")}),
            content_type="application/json",
            HTTP_AUTHORIZATION=world.secret,
        )
    assert response.status_code == 200
    transcript = Transcript.objects.get(pk=response.json()["id"])
    assert transcript.status == "error"
    assert transcript.error == "The monthly spend limit of $0.01 for project Production is reached"
    assert UsageEvent.objects.count() == 1
    assert not SpendReservation.objects.exists()
    assert SpendLimitNotice.objects.count() == 1


@pytest.mark.django_db
def test_a_remote_file_under_a_limit_already_reached_is_refused_at_once(
    api_world, team, local_http, loopback_allowed, django_capture_on_commit_callbacks
):
    world = api_world
    limits.spend_limit_set(
        account=team.account, actor=team.owner, amount_micros=CENT, project=world.project
    )
    spend_best(world, 100)  # 10,278: past the cent already
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/v2/transcript",
            json.dumps({"audio_url": local_http.url("/long.wav")}),
            content_type="application/json",
            HTTP_AUTHORIZATION=world.secret,
        )
    assert response.status_code == 429
    assert response.json()["error"] == (
        "The monthly spend limit of $0.01 for project Production is reached"
    )
    # Nothing queued, nothing fetched, nothing held; the refusal told once.
    assert not Transcript.objects.exists() and local_http.received == []
    assert not SpendReservation.objects.exists()
    assert SpendLimitNotice.objects.count() == 1
