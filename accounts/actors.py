"""Who acts in a service: a signed-in member (a User) or an admin key (an ApiActor).

Services take either as `actor`; `ensure_can` checks both against the same role
table and `audit_log` records both, so the admin API and the console share one
set of rules (X1).
"""

from dataclasses import dataclass

from accounts.models import User
from accounts.permissions import ROLE_ACTIONS, Action, Role

# The roles an admin key may carry: never Owner, so a key can do nothing that
# only the Owner may (delete the account, request a transfer).
KEY_ROLES = (Role.ADMIN, Role.READER)
# A key is not a member: it has no membership to leave.
_NEVER_BY_KEY = frozenset({Action.LEAVE_ACCOUNT})


@dataclass(frozen=True)
class ApiActor:
    """An admin key acting in its account with its role; `label` names it in the audit log."""

    account_id: int
    role: Role
    label: str
    key_id: int

    def may(self, action: str) -> bool:
        action = Action(action)
        if self.role not in KEY_ROLES or action in _NEVER_BY_KEY:
            return False
        return action in ROLE_ACTIONS[Role(self.role)]


Actor = User | ApiActor


def user_or_none(actor: Actor | None) -> User | None:
    """The user behind `actor`, for `created_by`-style columns (None for an admin key)."""
    return actor if isinstance(actor, User) else None


def actor_name(actor: Actor | None) -> str:
    """How lists and the audit log name the actor: a user's email or "admin key <name>"."""
    if isinstance(actor, ApiActor):
        return actor.label
    return actor.email if actor is not None else ""
