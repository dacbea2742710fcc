from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        # Here, not at the top: receivers import models, which need the app registry.
        from reporting.alerts import receivers
        from reporting.signals import spend_limit_reached

        spend_limit_reached.connect(
            receivers.alerts_on_limit_reached, dispatch_uid="reporting.alerts_on_limit_reached"
        )
