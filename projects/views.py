from django.shortcuts import render

from accounts.permissions import Action, requires


@requires(Action.VIEW)
def list_view(request):
    return render(
        request,
        "coming.html",
        {
            "nav": "projects",
            "title": "Projects",
            "description": "Projects isolate data for production, staging or development, each with its own API keys.",
        },
    )
