"""Required MFA at the one chokepoint (A6), called from CurrentAccountMiddleware.process_view."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.mfa.selectors import has_mfa

# Pages that belong to the person, not to an account: reachable while an
# account still waits for them to enrol.
USER_LEVEL_URLS = frozenset(
    {
        "accounts:choose",
        "accounts:switch",
        "accounts:none",
        "accounts:create",
        "members:accept",
    }
)
USER_LEVEL_NAMESPACES = ("accounts:mfa", "admin")
# Authenticated by API key, admin key or service token, never by the session: not the
# console's to gate (the admin API's documents are public).
KEY_AUTHENTICATED_NAMESPACES = ("v2", "internal", "admin_api")
# Not the console's: the health check answers anyone.
PUBLIC_URLS = frozenset({"health"})
# What a signed-in session that still owes its code may reach.
UNVERIFIED_URLS = frozenset({"accounts:mfa:verify", "accounts:mfa:login", "account_logout"})


def is_account_url(match) -> bool:
    """Console pages live in app namespaces (plus the dashboard); allauth's pages,
    the person's own pages and the key-authenticated API are not an account's."""
    if match is None:
        return False
    if match.view_name in USER_LEVEL_URLS:
        return False
    if match.namespace.startswith(USER_LEVEL_NAMESPACES + KEY_AUTHENTICATED_NAMESPACES):
        return False
    return bool(match.namespace) or match.view_name == "home"


def _send_to(request, url_name):
    url = reverse(url_name)
    if request.method == "GET" and not request.htmx:
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def mfa_gate(request):
    """A redirect when the session may not use this page yet, else None.

    SECURITY: a user with MFA is asked for a code before any page; a member of
    an account that requires MFA reaches nothing of it until they enrol.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return None
    match = request.resolver_match
    if match is None or match.namespace.startswith(KEY_AUTHENTICATED_NAMESPACES):
        return None
    if match.view_name in PUBLIC_URLS:
        return None
    name = match.view_name
    if has_mfa(user):
        if name in UNVERIFIED_URLS:
            return None
        return _send_to(request, "accounts:mfa:verify")
    account = request.account
    if account is None or not account.require_mfa or not is_account_url(match):
        return None
    return _send_to(request, "accounts:mfa:setup")
