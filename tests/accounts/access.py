from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Expect, members_only

ROWS = {
    "home": members_only(OK),
    "accounts:detail": members_only(OK),
    "accounts:settings": Expect(anonymous=LOGIN, reader=FORBIDDEN, admin=OK, owner=OK, outsider=OK),
    "accounts:audit": Expect(anonymous=LOGIN, reader=FORBIDDEN, admin=OK, owner=OK, outsider=OK),
    "accounts:choose": members_only(OK),
    # Switching into the team's account: members may, the outsider gets 404.
    "accounts:switch": Expect(
        anonymous=LOGIN,
        reader=REDIRECT,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        data=lambda world: {"account": world["account"].pk},
    ),
    # Everyone here has an account, so the "no account" page sends them home.
    "accounts:none": members_only(REDIRECT),
    "accounts:create": members_only(OK),
}
