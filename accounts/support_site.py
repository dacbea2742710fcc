"""The Django admin as support staff's site: the same throttled login as everyone, and MFA.

SECURITY: `/support/login/` is not a second, unthrottled password form: it sends
to allauth's login (rate-limited per address and per login), and an admin page
opens only for a staff session verified with a second factor; staff without an
authenticator are sent to enrol.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.mfa.selectors import has_mfa


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


class SupportAdminSite(AdminSite):
    site_header = "Speech console support"
    site_title = "Speech console support"

    def has_permission(self, request):
        user = request.user
        return super().has_permission(request) and user.is_verified()

    def login(self, request, extra_context=None):
        """Send to where the session gets what the admin needs: login, MFA code or enrolment."""
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        next_url = next_url or reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            return redirect(_with_next("account_login", next_url))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("Support pages are for support staff.")
        if user.is_verified():
            return redirect(next_url)
        if has_mfa(user):
            return redirect(_with_next("accounts:mfa:verify", next_url))
        messages.info(request, "Support pages need MFA: set up an authenticator app first.")
        return redirect(_with_next("accounts:mfa:setup", next_url))
