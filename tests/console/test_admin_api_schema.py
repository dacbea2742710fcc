"""The generated OpenAPI document, fuzzed with schemathesis against the running API (X3).

With an Admin-role key, every operation answers within its documented statuses,
content types and schemas, and never with a server error.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from members.services import invitation_create
from projects.models import Project
from reporting.alerts.services import spend_alert_create
from tests.console.api_support import issue_admin_key

_django = get_wsgi_application()


def app(environ, start_response):
    """Django's WSGI app, minus closing the database connection around each request
    (as Django's test client does), so that requests run inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = _django(environ, start_response)
        body = b"".join(result)
        result.close()
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded through the app itself: the document is what /v1/admin/openapi.json serves.
# Kept well under a minute: no coverage phase (its hundreds of edge cases per
# operation are what the generated examples sample), a few examples each.
CONFIG = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
schema = schemathesis.openapi.from_wsgi("/v1/admin/openapi.json", app, config=CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_document_is_openapi_3_1_with_every_route():
    document = schema.raw_schema
    assert document["openapi"].startswith("3.1")
    assert len([op for path in document["paths"].values() for op in path]) == 42


@pytest.fixture
def secret(team):
    # Something to find: ids 1.. of a few kinds exist in the account.
    project = Project.objects.create(account=team.account, name="Fuzzed")
    invitation_create(account=team.account, actor=team.owner, email="f@acme.test", role="reader")
    spend_alert_create(account=team.account, actor=team.owner, scope="account", thresholds=[10**6])
    assert project.pk
    return issue_admin_key(team.account, team.owner, role="admin", name="Fuzzer")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_no_response_outside_the_schema(case, secret):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
