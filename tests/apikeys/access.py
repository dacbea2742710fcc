from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Expect, members_only

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
}


def world(team):
    from apikeys.services import apikey_create
    from projects.models import Project

    project = Project.objects.create(account=team.account, name="Matrix keys")
    issued = apikey_create(account=team.account, actor=team.owner, project=project, name="Matrix")
    return {"pages_key": issued.api_key}
