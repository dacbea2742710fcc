from django.apps import AppConfig

from projects.signals import project_deleted


class ApikeysConfig(AppConfig):
    name = "apikeys"

    def ready(self):
        # Here, not at the top: receivers import models, which need the app registry.
        from apikeys import receivers

        project_deleted.connect(
            receivers.project_keys_revoke, dispatch_uid="apikeys.project_keys_revoke"
        )
