from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Expect, members_only


def _managers(status, **kwargs):
    """Owners and Admins get `status`; Readers 403; the outsider 404 (another account's row)."""
    return Expect(
        anonymous=LOGIN, reader=FORBIDDEN, admin=status, owner=status, outsider=NOT_FOUND, **kwargs
    )


ROWS = {
    "members:list": members_only(),
    # The outsider invites into their own (Free) account, which has a free seat.
    "members:invite": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=REDIRECT,
        owner=REDIRECT,
        outsider=REDIRECT,
        method="post",
        data=lambda world: {"email": "newcomer@example.test", "role": "reader"},
    ),
    "members:invite_resend": _managers(
        REDIRECT, method="post", kwargs=lambda world: {"pk": world["invitation"].pk}
    ),
    "members:invite_delete": _managers(OK, kwargs=lambda world: {"pk": world["invitation"].pk}),
    "members:member_delete": _managers(
        OK, kwargs=lambda world: {"pk": world["reader_membership"].pk}
    ),
    "members:member_role": _managers(
        REDIRECT,
        method="post",
        kwargs=lambda world: {"pk": world["reader_membership"].pk},
        data=lambda world: {"role": "admin"},
    ),
    # The confirm page: members may leave, Owners (the outsider owns theirs) may not.
    "members:leave": Expect(
        anonymous=LOGIN, reader=OK, admin=OK, owner=FORBIDDEN, outsider=FORBIDDEN
    ),
    # The link is public; every signed-in persona has another address than the invite's.
    "members:accept": Expect(
        anonymous=OK,
        reader=FORBIDDEN,
        admin=FORBIDDEN,
        owner=FORBIDDEN,
        outsider=FORBIDDEN,
        kwargs=lambda world: {"token": world["invitation"].token},
    ),
}


def world(team):
    from accounts.models import Membership
    from members import services

    invitation = services.invitation_create(
        account=team.account, actor=team.owner, email="invitee@example.test", role="reader"
    )
    return {
        "invitation": invitation,
        "reader_membership": Membership.objects.get(account=team.account, user=team.reader),
    }
