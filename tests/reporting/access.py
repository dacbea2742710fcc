import uuid

from tests.access import UNAUTHORIZED, Expect, managers_only, members_only


def service_only(**kwargs):
    """No persona carries the service token: everyone gets 401, a session counts for nothing."""
    return Expect(
        anonymous=UNAUTHORIZED,
        reader=UNAUTHORIZED,
        admin=UNAUTHORIZED,
        owner=UNAUTHORIZED,
        outsider=UNAUTHORIZED,
        method="post",
        **kwargs,
    )


ROWS = {
    "reporting:usage": members_only(
        data=lambda world: {"group": "project", "project": world["reporting_foreign_project"].pk}
    ),
    "reporting:usage_csv": members_only(data=lambda world: {"group": "key"}),
    "reporting:billing": managers_only(),
    "internal:usage_events": service_only(data=lambda world: {"events": "[]"}),
    "internal:streaming_sessions": service_only(),
    "internal:usage_authorize": service_only(),
    "internal:usage_reservation_release": service_only(
        kwargs=lambda world: {"reservation_id": world["reporting_session_id"]}
    ),
    "internal:streaming_session_close": service_only(
        kwargs=lambda world: {"session_id": world["reporting_session_id"]}
    ),
}


def world(team):
    from projects.models import Project

    return {
        # A filter naming another account's project: every member gets an empty report.
        "reporting_foreign_project": Project.objects.create(
            account=team.outsider_account, name="Foreign"
        ),
        "reporting_session_id": uuid.uuid4(),
    }
