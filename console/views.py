from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.models import Membership
from accounts.permissions import Action, can
from console import selectors
from reporting.billing import selectors as billing_selectors


@login_required
def dashboard(request):
    """What needs attention in the current account, or the chooser when none is chosen (A1)."""
    if request.account is None:
        if Membership.objects.filter(user=request.user).exists():
            return redirect("accounts:choose")
        return redirect("accounts:none")
    account = request.account
    membership = request.membership
    steps = selectors.first_steps(account)
    return render(
        request,
        "console/dashboard.html",
        {
            "nav": "home",
            "limits": {
                resource.value: (used, limit) for resource, used, limit in account.limits_in_use()
            },
            "month_to_date": billing_selectors.month_to_date(account=account),
            "attention": selectors.needs_attention(account),
            # The checklist is for those who can act on it (Owners and Admins).
            "first_steps": (
                steps if not steps.done and can(membership, Action.MANAGE_PROJECTS) else None
            ),
            "server_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )
