"""`{% key_lifetime_policy_form %}`: the keys' lifetime policy on the Account settings page.

A template tag, so that the accounts app (below apikeys) needs no import of it.
"""

from django import template

from apikeys.forms import KeyLifetimePolicyForm

register = template.Library()


@register.inclusion_tag("apikeys/_policy_form.html", takes_context=True)
def key_lifetime_policy_form(context):
    account = context["request"].account
    return {
        "policy_form": KeyLifetimePolicyForm(initial={"max_days": account.max_key_lifetime_days}),
        "csrf_token": context.get("csrf_token"),
    }
