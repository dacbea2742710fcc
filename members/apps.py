from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"

    def ready(self):
        from accounts.plans import Resource, register_usage_counter
        from members import selectors, signals  # noqa: F401

        register_usage_counter(Resource.MEMBERS, selectors.seats_used)
