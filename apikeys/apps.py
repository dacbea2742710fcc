from django.apps import AppConfig

from accounts.plans import Resource, register_usage_counter
from projects.signals import project_deleted


class ApikeysConfig(AppConfig):
    name = "apikeys"

    def ready(self):
        # Here, not at the top: these modules import models, which need the app registry.
        from accounts.sections import register_account_section
        from apikeys import receivers, views
        from apikeys.models import ApiKey

        register_account_section("admin_keys", views.admin_keys_section)

        register_usage_counter(
            Resource.API_KEYS, lambda account: ApiKey.objects.for_account(account).counted().count()
        )
        project_deleted.connect(
            receivers.project_keys_revoke, dispatch_uid="apikeys.project_keys_revoke"
        )
