from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self) -> None:
        # Here, not at the top: receivers import models, which need the app registry.
        from reporting.alerts import receivers as alert_receivers
        from reporting.limits import receivers as limit_receivers
        from reporting.signals import spend_limit_reached
        from reporting.usage.signals import usage_recorded

        usage_recorded.connect(
            limit_receivers.reservations_settle,
            dispatch_uid="reporting.limits.reservations_settle",
        )
        spend_limit_reached.connect(
            alert_receivers.alerts_on_limit_reached,
            dispatch_uid="reporting.alerts_on_limit_reached",
        )
