"""Roles and what they may do (SPEC "Roles and what they may do").

The one place that decides permissions: views declare the action they need
with `@requires(...)`, templates read `allowed` from the context processor,
and both end in `can()`.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    READER = "reader", "Reader"


# Roles a member may be given from the dashboard: nobody becomes Owner there (M4).
ASSIGNABLE_ROLES = (Role.ADMIN, Role.READER)
DEFAULT_INVITE_ROLE = Role.READER


class Action(models.TextChoices):
    VIEW = "view", "View members, projects, API keys, usage, transcriptions"
    MANAGE_MEMBERS = "manage_members", "Invite, update or remove members"
    MANAGE_PROJECTS = "manage_projects", "Create, edit or delete projects"
    MANAGE_API_KEYS = "manage_api_keys", "Create or delete API keys"
    MANAGE_ALERTS = "manage_alerts", "Create, edit or delete spend alerts"
    MANAGE_BILLING = "manage_billing", "View or edit billing, autopay, invoices"
    MANAGE_SPEND_LIMITS = "manage_spend_limits", "Set or clear spend limits"
    MANAGE_SETTINGS = "manage_settings", "Edit account settings (name, required MFA)"
    MANAGE_WEBHOOKS = "manage_webhooks", "View, create, edit or delete account webhooks"
    VIEW_AUDIT = "view_audit", "View the audit log"
    REQUEST_TRANSFER = "request_transfer", "Request an ownership transfer"
    DELETE_ACCOUNT = "delete_account", "Delete the account"
    LEAVE_ACCOUNT = "leave_account", "Leave the account"


_MANAGE = {
    Action.VIEW,
    Action.MANAGE_MEMBERS,
    Action.MANAGE_PROJECTS,
    Action.MANAGE_API_KEYS,
    Action.MANAGE_ALERTS,
    Action.MANAGE_BILLING,
    Action.MANAGE_SPEND_LIMITS,
    Action.MANAGE_SETTINGS,
    # Readers do not see webhooks at all: an endpoint's URL is often itself a credential
    # (chat tools' incoming-webhook URLs carry their token in the path).
    Action.MANAGE_WEBHOOKS,
    Action.VIEW_AUDIT,
}

ROLE_ACTIONS = {
    Role.OWNER: frozenset(_MANAGE | {Action.DELETE_ACCOUNT, Action.REQUEST_TRANSFER}),
    # The Owner cannot leave: ownership moves to someone else first (M5).
    Role.ADMIN: frozenset(_MANAGE | {Action.LEAVE_ACCOUNT}),
    Role.READER: frozenset({Action.VIEW, Action.LEAVE_ACCOUNT}),
}


def can(membership, action) -> bool:
    """Whether the member may perform `action` in their account."""
    if membership is None:
        return False
    return Action(action) in ROLE_ACTIONS[Role(membership.role)]


def allowed_actions(membership) -> dict:
    """`{action_name: bool}` for templates (`allowed.MANAGE_PROJECTS`)."""
    return {action.name: can(membership, action) for action in Action}


def requires(action=Action.VIEW):
    """Guard a view: a signed-in member of the current account who may do `action`.

    Anonymous users go to the login page, users with no current account to the
    account chooser; a member without the permission gets 403.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.membership is None:
                return redirect("accounts:choose")
            # SECURITY: the role check for every console view happens here.
            if not can(request.membership, action):
                raise PermissionDenied(
                    f"Your role ({request.membership.get_role_display()}) does not allow this."
                )
            return view(request, *args, **kwargs)

        wrapped.required_action = Action(action)
        return wrapped

    return decorator
