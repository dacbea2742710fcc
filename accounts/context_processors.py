from django.utils.functional import SimpleLazyObject

from accounts.models import Membership
from accounts.permissions import allowed_actions


def console(request):
    """The current account, the switcher's list and what the member may do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "current_account": getattr(request, "account", None),
        "current_membership": membership,
        "allowed": allowed_actions(membership),
        "switcher_memberships": SimpleLazyObject(
            lambda: list(Membership.objects.filter(user=user).select_related("account"))
        ),
    }
