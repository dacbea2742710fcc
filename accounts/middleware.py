"""The one chokepoint for the current account: `request.account` and `request.membership`."""

import time

from allauth.usersessions.models import UserSession
from django.conf import settings

from accounts.mfa.enforcement import mfa_gate
from accounts.models import Membership
from accounts.services import remember_memberships

SESSION_KEY = "current_account_id"


def select_account(request, account_id) -> None:
    request.session[SESSION_KEY] = account_id


def current_membership(request):
    """The user's membership of the account chosen in the session, or of their only account.

    One query loads all the user's memberships (with their accounts): the
    switcher lists them and services' `ensure_can` reuses the current one.
    SECURITY: the session value is re-checked against the user's memberships on
    every request, so a removed member loses access at their next request.
    """
    user = request.user
    memberships = list(Membership.objects.select_related("account").filter(user=user))
    request.memberships = memberships
    remember_memberships(user, memberships)
    raw = request.session.get(SESSION_KEY)
    if raw is not None:
        try:
            account_id = int(raw)
        except (TypeError, ValueError):
            account_id = None
        for membership in memberships:
            if membership.account_id == account_id:
                return membership
        del request.session[SESSION_KEY]
    if len(memberships) == 1:
        select_account(request, memberships[0].account_id)
        return memberships[0]
    return None


class CurrentAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.account = None
        request.membership = None
        request.memberships = []
        if request.user.is_authenticated:
            membership = current_membership(request)
            if membership is not None:
                request.membership = membership
                request.account = membership.account
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Required MFA is enforced here, after URL resolution, for every view at once.
        return mfa_gate(request)


SEEN_KEY = "session_seen_at"


class SessionActivityMiddleware:
    """Keep each signed-in session's address, device and last-seen time for the Security page.

    allauth's own tracking writes on every request; this refreshes a session's row at
    most every SESSION_ACTIVITY_INTERVAL seconds (or at once when its row is missing).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if request.user.is_authenticated and session is not None and session.session_key:
            now = int(time.time())
            seen = session.get(SEEN_KEY)
            if not isinstance(seen, int) or now - seen >= settings.SESSION_ACTIVITY_INTERVAL:
                UserSession.objects.create_from_request(request)
                session[SEEN_KEY] = now
        return self.get_response(request)
