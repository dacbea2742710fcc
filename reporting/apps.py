from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # Here, not at the top: receivers import models, which need the app registry.
        from reporting.limits import receivers
        from reporting.usage.signals import usage_recorded

        usage_recorded.connect(
            receivers.usage_recorded, dispatch_uid="reporting.limits.usage_recorded"
        )
