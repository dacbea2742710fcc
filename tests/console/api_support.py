"""Admin API test helpers: keys made through the service, requests with a key."""

import json

from django.test import Client

from apikeys.services import admin_key_create

ADMIN_PREFIX = "/v1/admin"


def issue_admin_key(account, actor, *, role="admin", name=None, expires_at=None) -> str:
    """A new admin key of `account`, made by `actor`; returns its secret."""
    return admin_key_create(
        account=account,
        actor=actor,
        name=name or f"{role} automation",
        role=role,
        expires_at=expires_at,
    ).secret


class Api:
    """A client that sends `Authorization: Bearer <key>` to /v1/admin/."""

    def __init__(self, key: str | None, client: Client | None = None):
        self.key = key
        self.client = client or Client()

    def headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def call(self, method, path, body=None, **params):
        url = ADMIN_PREFIX + path
        send = getattr(self.client, method)
        if method in ("get", "delete") and body is None:
            return send(url, params or None, **self.headers())
        return send(url, json.dumps(body or {}), content_type="application/json", **self.headers())

    def get(self, path, **params):
        return self.call("get", path, **params)

    def post(self, path, body=None):
        return self.call("post", path, body)

    def patch(self, path, body=None):
        return self.call("patch", path, body)

    def delete(self, path):
        return self.call("delete", path)
