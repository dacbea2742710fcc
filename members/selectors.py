"""Reads shared by the members page and its fragments."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from accounts.mfa.selectors import with_mfa_status
from accounts.models import Account, Membership
from accounts.permissions import Role
from accounts.plans import Resource
from members.models import Invitation


@dataclass(frozen=True)
class SeatUsage:
    used: int
    limit: int
    pending: int
    expired: int = 0

    @property
    def full(self):
        return self.used >= self.limit


def seat_usage(account) -> SeatUsage:
    """Members and unexpired invites hold seats (M1); expired invites are shown, not counted."""
    invites = Invitation.objects.pending_for_account(account)
    pending = invites.filter(expires_at__gt=timezone.now()).count()
    expired = invites.count() - pending
    members = Membership.objects.for_account(account).count()
    return SeatUsage(
        used=members + pending,
        limit=account.limit(Resource.MEMBERS),
        pending=pending,
        expired=expired,
    )


def seats_used(account) -> int:
    """Active members plus unexpired pending invites (M1): what the seat limit counts."""
    return (
        Membership.objects.for_account(account).count()
        + Invitation.objects.holding_seat(account).count()
    )


def member_rows(account: Account) -> QuerySet[Membership]:
    """The account's members, Owner first, each with `mfa_enrolled`."""
    owner_first = Case(
        When(role=Role.OWNER, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return with_mfa_status(Membership.objects.for_account(account).select_related("user")).order_by(
        owner_first, "created_at", "id"
    )
