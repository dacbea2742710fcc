"""A 404 that can say more: the object was deleted, or lives in another of the user's accounts."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from console.selectors import not_here


class FriendlyNotFoundMiddleware:
    """Turn a view's 404 about a named object into a page with a way on (7)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        # htmx swaps fragments: a whole page is no answer there; the plain 404 stays.
        if (
            not isinstance(exception, Http404)
            or match is None
            or not request.user.is_authenticated
            or getattr(request, "htmx", False)
        ):
            return None
        found = not_here(
            user=request.user,  # type: ignore[arg-type]
            current=getattr(request, "account", None),
            view_name=match.view_name,
            kwargs=match.kwargs,
        )
        if found is None:
            return None
        return render(request, "console/not_here.html", {"found": found}, status=404)
