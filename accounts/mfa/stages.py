"""The login step that asks for a code after the password (allauth's login stages)."""

# allauth.account.stages imported first in a process fails on a circular import;
# loading stagekit first settles allauth's own order.
from allauth.account.internal import stagekit  # noqa: F401
from allauth.account.stages import LoginStage, LoginStageController  # noqa: F401
from django.shortcuts import redirect

from accounts.mfa.selectors import has_mfa

STAGE_KEY = "console_mfa"


class MfaStage(LoginStage):
    key = STAGE_KEY
    urlname = "accounts:mfa:login"

    def handle(self):
        user = self.login.user
        if user is None or not has_mfa(user):
            return None, True
        return redirect(self.urlname), True
