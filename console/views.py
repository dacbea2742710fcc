from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.models import Membership
from reporting.billing import selectors as billing_selectors


@login_required
def dashboard(request):
    """The dashboard, or the account chooser when no account is chosen yet (A1)."""
    if request.account is None:
        if Membership.objects.filter(user=request.user).exists():
            return redirect("accounts:choose")
        return redirect("accounts:none")
    account = request.account
    return render(
        request,
        "console/dashboard.html",
        {
            "nav": "home",
            "limits": {
                resource.value: (used, limit) for resource, used, limit in account.limits_in_use()
            },
            "month_to_date": billing_selectors.month_to_date(account=account),
        },
    )
