from django.shortcuts import render

from accounts.permissions import Action, requires


@requires(Action.VIEW)
def list_view(request):
    return render(
        request,
        "coming.html",
        {
            "nav": "members",
            "title": "Members",
            "description": "Invite teammates with a role: Owner, Admin or Reader.",
        },
    )
