from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Expect, managers_only


def _endpoint(world):
    return {"pk": world["webhook_endpoint"].pk}


def _managers_post(status, **kwargs):
    """Owners and Admins get `status`; the outsider, reaching for the team's endpoint, 404."""
    return Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=status,
        owner=status,
        outsider=NOT_FOUND,
        method="post",
        **kwargs,
    )


_VALID = {"url": "https://1.1.1.1/matrix", "events": ["api_key.expired"], "enabled": "on"}

ROWS = {
    # Readers may not see endpoints: their URLs are often credentials.
    "webhooks:list": managers_only(),
    # Managers get the page showing the secret; the outsider creates one in their own account.
    "webhooks:create": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=OK,
        owner=OK,
        outsider=OK,
        method="post",
        data=lambda world: _VALID,
    ),
    "webhooks:detail": managers_only(outsider=NOT_FOUND, kwargs=_endpoint),
    "webhooks:edit": _managers_post(REDIRECT, kwargs=_endpoint, data=lambda world: _VALID),
    "webhooks:delete": _managers_post(REDIRECT, kwargs=_endpoint),
    # Managers get the page showing the new secret, once.
    "webhooks:roll_secret": _managers_post(OK, kwargs=_endpoint),
    "webhooks:test": _managers_post(REDIRECT, kwargs=_endpoint),
    "webhooks:redeliver": _managers_post(
        REDIRECT,
        kwargs=lambda world: {
            "pk": world["webhook_endpoint"].pk,
            "delivery_pk": world["webhook_delivery"].pk,
        },
    ),
}


def world(team):
    from tests.webhooks.support import make_endpoint
    from webhooks.models import WebhookDelivery
    from webhooks.services import webhook_test_send

    endpoint, _secret = make_endpoint(team)
    delivery = webhook_test_send(account=team.account, actor=team.admin, endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.SUCCEEDED, next_attempt_at=None, attempts=1
    )
    return {"webhook_endpoint": endpoint, "webhook_delivery": delivery}
