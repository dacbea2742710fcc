from django.apps import AppConfig

from accounts.plans import Resource, register_usage_counter


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        # Here, not at the top: models need the app registry.
        from members import selectors, signals  # noqa: F401

        register_usage_counter(Resource.MEMBERS, selectors.seats_used)
