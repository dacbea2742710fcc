from tests.access import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    REDIRECT,
    Expect,
    managers_only,
    members_only,
)


def _key(world):
    return {"pk": world["pages_key"].pk}


ROWS = {
    "apikeys:list": members_only(),
    # Managers get the page showing the new key; the outsider's form refuses the
    # team's project as if it did not exist (200 with the form's error).
    "apikeys:create": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=OK,
        owner=OK,
        outsider=OK,
        method="post",
        data=lambda world: {
            "project": world["pages_key"].project_id,
            "name": "Matrix key",
            "token": "matrix-token",
        },
    ),
    "apikeys:delete": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        kwargs=lambda world: {"pk": world["pages_key"].pk},
    ),
    "apikeys:detail": members_only(outsider=NOT_FOUND, kwargs=_key),
    "apikeys:update": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        kwargs=_key,
        data=lambda world: {"scope": "read", "allowed_ips": "203.0.113.0/24"},
    ),
    # Managers get the page showing the successor, once.
    "apikeys:roll": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=OK,
        owner=OK,
        outsider=NOT_FOUND,
        method="post",
        kwargs=_key,
        data=lambda world: {"overlap": "1h"},
    ),
    # The outsider sets the policy of their own account.
    "apikeys:policy": managers_only(REDIRECT, method="post", data=lambda world: {"max_days": "90"}),
    # Admin keys, on the Account page: managers see the new key once.
    "apikeys:admin_key_create": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=OK,
        owner=OK,
        outsider=OK,
        method="post",
        data=lambda world: {"name": "Matrix admin key", "role": "reader"},
    ),
    "apikeys:admin_key_delete": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        kwargs=lambda world: {"pk": world["admin_key"].pk},
    ),
}


def world(team):
    from apikeys.services import admin_key_create, apikey_create
    from projects.models import Project

    project = Project.objects.create(account=team.account, name="Matrix keys")
    issued = apikey_create(account=team.account, actor=team.owner, project=project, name="Matrix")
    admin_key = admin_key_create(
        account=team.account, actor=team.owner, name="Matrix admin", role="admin"
    ).admin_key
    return {"pages_key": issued.api_key, "admin_key": admin_key}
