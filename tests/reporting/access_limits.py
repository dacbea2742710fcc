"""Spend limit URLs: every member sees the limits, Owners and Admins set and clear them."""

from tests.access import REDIRECT, managers_only, members_only

ROWS = {
    "reporting:limits": members_only(),
    # Each persona acts in their own account (the outsider too): a redirect with a message.
    "reporting:limit_set": managers_only(
        REDIRECT,
        method="post",
        data=lambda world: {"limit-target": "account", "limit-amount": "25"},
    ),
    "reporting:limit_clear": managers_only(
        REDIRECT, method="post", data=lambda world: {"limit-target": "account"}
    ),
}
