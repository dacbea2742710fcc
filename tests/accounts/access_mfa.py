"""The MFA pages (accounts/mfa/) and the Require-MFA switch of the Account settings."""

from tests.access import FORBIDDEN, LOGIN, OK, REDIRECT, Expect, members_only

ROWS = {
    # Nobody in the matrix has MFA, so turning it on is refused with a message (302 back).
    "accounts:require_mfa": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=REDIRECT,
        method="post",
        data=lambda world: {"require_mfa": "on"},
    ),
    # The user's own pages: every signed-in persona, whatever their role.
    "accounts:mfa:security": members_only(OK),
    "accounts:mfa:setup": members_only(OK),
    "accounts:mfa:recovery_codes": members_only(
        REDIRECT, method="post", data=lambda world: {"code": "123456"}
    ),
    "accounts:mfa:disable": members_only(
        REDIRECT, method="post", data=lambda world: {"code": "123456"}
    ),
    # Without MFA there is nothing to verify: back to the console.
    "accounts:mfa:verify": members_only(REDIRECT),
    # Another user's (or no) session: refused with a message, back to the Security page.
    "accounts:mfa:session_end": members_only(
        REDIRECT, method="post", data=lambda world: {"session": world["foreign_session"]}
    ),
    # A4: support changes emails; allauth's email page leads to the Security page.
    "sign_in_email": members_only(REDIRECT),
    # Only reachable in the middle of a login; otherwise back to the login page.
    "accounts:mfa:login": Expect(
        anonymous=LOGIN, reader=LOGIN, admin=LOGIN, owner=LOGIN, outsider=LOGIN
    ),
}


def world(team):
    from allauth.usersessions.models import UserSession

    foreign = UserSession.objects.create(
        user=team.outsider, ip="192.0.2.1", session_key="foreign-session-key", user_agent="x"
    )
    return {"foreign_session": foreign.pk}
