"""Every cell of SPEC's role table, asserted against can()."""

import pytest

from accounts.models import Membership
from accounts.permissions import ROLE_ACTIONS, Action, Role, can

YES, NO = True, False

# SPEC "Roles and what they may do": (action, Owner, Admin, Reader).
SPEC_TABLE = [
    (Action.VIEW, YES, YES, YES),
    (Action.MANAGE_MEMBERS, YES, YES, NO),
    (Action.MANAGE_PROJECTS, YES, YES, NO),
    (Action.MANAGE_API_KEYS, YES, YES, NO),
    (Action.MANAGE_ALERTS, YES, YES, NO),
    (Action.MANAGE_BILLING, YES, YES, NO),
    (Action.MANAGE_SPEND_LIMITS, YES, YES, NO),
    (Action.DELETE_ACCOUNT, YES, NO, NO),
    # Beyond the seed: settings and the audit log follow "manage"; only the
    # Owner requests an ownership transfer.
    (Action.MANAGE_SETTINGS, YES, YES, NO),
    (Action.VIEW_AUDIT, YES, YES, NO),
    # Webhook URLs are often credentials themselves: managers only (C2).
    (Action.MANAGE_WEBHOOKS, YES, YES, NO),
    (Action.REQUEST_TRANSFER, YES, NO, NO),
    # Members may leave; the Owner cannot (ownership moves first).
    (Action.LEAVE_ACCOUNT, NO, YES, YES),
]


@pytest.mark.parametrize(("action", "owner", "admin", "reader"), SPEC_TABLE)
def test_role_table(action, owner, admin, reader):
    assert can(Membership(role=Role.OWNER), action) is owner
    assert can(Membership(role=Role.ADMIN), action) is admin
    assert can(Membership(role=Role.READER), action) is reader


def test_every_action_is_in_the_table():
    assert {row[0] for row in SPEC_TABLE} == set(Action)
    assert set(ROLE_ACTIONS) == set(Role)


def test_no_membership_may_do_nothing():
    assert not any(can(None, action) for action in Action)
