"""The admin API's documents in the console matrix: public, like any API reference.

Its operations take admin keys only: tests/console/test_admin_api_access.py walks
every one of them for every kind of key (the console matrix leaves them out).
"""

from tests.access import NOT_FOUND, OK, Expect


def _everyone(status):
    return Expect(anonymous=status, reader=status, admin=status, owner=status, outsider=status)


ROWS = {
    "admin_api:openapi-json": _everyone(OK),
    # The reference page: ninja's Swagger UI, its assets served from here (no CDN).
    "admin_api:openapi-view": _everyone(OK),
    # Nothing lives at /v1/admin/ itself.
    "admin_api:api-root": _everyone(NOT_FOUND),
}
