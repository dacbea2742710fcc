from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Expect, members_only

ROWS = {
    "projects:list": members_only(),
    # A valid create: managers are sent back to the list; the outsider creates in
    # their own account.
    "projects:create": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=REDIRECT,
        method="post",
        data=lambda world: {"name": "Matrix project"},
    ),
    # The team's project: the outsider gets 404, never 403 (no existence leak).
    "projects:rename": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=OK,
        owner=OK,
        outsider=NOT_FOUND,
        kwargs=lambda world: {"pk": world["pages_project"].pk},
    ),
    "projects:delete": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        kwargs=lambda world: {"pk": world["pages_project"].pk},
    ),
}


def world(team):
    from projects.models import Project

    return {"pages_project": Project.objects.create(account=team.account, name="Matrix")}
