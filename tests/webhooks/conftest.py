import pytest


@pytest.fixture
def receiver(local_http, loopback_allowed, settings):
    """The local HTTP server, reachable as a webhook endpoint (http, on 127.0.0.1); /hook answers 200."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    local_http.routes["/hook"] = (200, {}, b"ok")
    return local_http
