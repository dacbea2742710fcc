from django.shortcuts import render

from accounts.permissions import Action, requires


@requires(Action.VIEW)
def usage(request):
    return render(
        request,
        "coming.html",
        {
            "nav": "reporting",
            "title": "Reporting",
            "description": "Usage and spend by product, model, project and API key.",
        },
    )


@requires(Action.MANAGE_BILLING)
def billing(request):
    return render(
        request,
        "coming.html",
        {
            "nav": "billing",
            "title": "Billing",
            "description": "Plan, autopay and monthly invoices.",
        },
    )
