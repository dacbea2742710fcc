from django.conf import settings

from tests.access import NOT_FOUND, OK, Expect

ROWS = {
    # Public: it says whether the database answers, nothing else.
    "health": Expect(anonymous=OK, reader=OK, admin=OK, owner=OK, outsider=OK),
    # The token alone decides, whoever is signed in (scripts/test sets METRICS_TOKEN,
    # so the junk-input walk reaches the gauges); without a token set it is a 404.
    "metrics": Expect(
        **dict.fromkeys(
            ("anonymous", "reader", "admin", "owner", "outsider"),
            OK if settings.METRICS_TOKEN else NOT_FOUND,
        ),
        headers=lambda world: {"HTTP_AUTHORIZATION": f"Bearer {settings.METRICS_TOKEN}"},
    ),
}
