from django.apps import AppConfig


class ApikeysConfig(AppConfig):
    name = "apikeys"

    def ready(self):
        from accounts.plans import Resource, register_usage_counter
        from apikeys.models import ApiKey

        register_usage_counter(
            Resource.API_KEYS, lambda account: ApiKey.objects.for_account(account).count()
        )
