from django.shortcuts import render

from accounts.permissions import Action, requires


@requires(Action.VIEW)
def list_view(request):
    return render(
        request,
        "coming.html",
        {
            "nav": "apikeys",
            "title": "API keys",
            "description": "API keys authenticate requests to the API; each belongs to one project.",
        },
    )
