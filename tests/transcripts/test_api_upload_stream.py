"""A large upload is streamed to disk: never `request.body`, never the whole file in memory."""

import hashlib
import tracemalloc
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from transcripts.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_file_larger_than_the_request_memory_cap_is_streamed(live_server, api_world, tmp_path):
    # Django refuses `request.body` beyond DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB):
    # succeeding with three times that proves the body is never read whole.
    size = 3 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    source = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(source, "wb") as out:
        block = bytes(range(256)) * 4096  # 1 MiB
        written = 0
        while written < size:
            part = block[: size - written]
            out.write(part)
            digest.update(part)
            written += len(part)

    # A first request loads what any request loads (modules, connections), so the
    # measured peak is the upload's own.
    warm_up = httpx.post(
        f"{live_server.url}/v2/upload", content=b"x", headers={"Authorization": api_world.secret}
    )
    assert warm_up.status_code == 200
    tracemalloc.start()
    try:
        with open(source, "rb") as body:
            response = httpx.post(
                f"{live_server.url}/v2/upload",
                content=body,
                headers={"Authorization": api_world.secret},
                timeout=60,
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 200, response.text
    # Client and server run in this process: their peak together stays far below the file.
    assert peak < size / 10, f"peak {peak} bytes for a {size}-byte upload"
    upload = Upload.objects.get(size=size)
    stored = Path(settings.MEDIA_ROOT) / upload.path
    assert upload.size == size
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest.hexdigest()
    assert response.json()["upload_url"] == f"{live_server.url}/v2/upload/{upload.pk}"
