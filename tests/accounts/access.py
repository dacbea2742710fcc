from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, REDIRECT, Expect, members_only

ROWS = {
    "accounts:detail": members_only(OK),
    "accounts:settings": Expect(anonymous=LOGIN, reader=FORBIDDEN, admin=OK, owner=OK, outsider=OK),
    "accounts:audit": Expect(anonymous=LOGIN, reader=FORBIDDEN, admin=OK, owner=OK, outsider=OK),
    "accounts:audit_csv": Expect(
        anonymous=LOGIN, reader=FORBIDDEN, admin=OK, owner=OK, outsider=OK
    ),
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

ROWS |= {
    # Only the Owner deletes the account; the outsider is the sole Owner of theirs.
    "accounts:delete": Expect(
        anonymous=LOGIN, reader=FORBIDDEN, admin=FORBIDDEN, owner=OK, outsider=OK
    ),
    # Request a transfer to the team's Admin: the outsider's form rejects a foreign member.
    "accounts:transfer_request": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=FORBIDDEN,
        owner=REDIRECT,
        outsider=REDIRECT,
        method="post",
        data=lambda world: {"new_owner": world["admin_membership"].pk},
    ),
    "accounts:transfer_cancel": Expect(
        anonymous=LOGIN,
        reader=FORBIDDEN,
        admin=FORBIDDEN,
        owner=REDIRECT,
        outsider=NOT_FOUND,
        method="post",
        kwargs=lambda world: {"pk": world["transfer_request"].pk},
    ),
}


def world(team):
    from accounts.models import Membership, OwnershipTransferRequest

    admin_membership = Membership.objects.get(account=team.account, user=team.admin)
    return {
        "admin_membership": admin_membership,
        "transfer_request": OwnershipTransferRequest.objects.create(
            account=team.account, requested_by=team.owner, new_owner=team.admin
        ),
    }
