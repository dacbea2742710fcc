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
        # Loaded once by CurrentAccountMiddleware with the current membership.
        "switcher_memberships": getattr(request, "memberships", None) or [],
    }
