from django.apps import AppConfig

from apikeys.signals import api_key_expired, api_key_expiring
from reporting.signals import spend_alert_fired, spend_limit_reached


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        # Here, not at the top: receivers and views import models, which need the app registry.
        from accounts.sections import register_account_section
        from webhooks import receivers, views

        spend_alert_fired.connect(receivers.spend_alert, dispatch_uid="webhooks.spend_alert")
        spend_limit_reached.connect(receivers.spend_limit, dispatch_uid="webhooks.spend_limit")
        api_key_expiring.connect(receivers.key_expiring, dispatch_uid="webhooks.key_expiring")
        api_key_expired.connect(receivers.key_expired, dispatch_uid="webhooks.key_expired")
        register_account_section("webhooks", views.account_section)
