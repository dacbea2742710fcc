from django.apps import AppConfig

from accounts.signals import account_deleting
from projects.signals import project_deleted


class TranscriptsConfig(AppConfig):
    name = "transcripts"

    def ready(self):
        # Here, not at the top: receivers import models, which need the app registry.
        from transcripts import receivers

        project_deleted.connect(receivers.project_purge, dispatch_uid="transcripts.project_purge")
        account_deleting.connect(
            receivers.account_files_delete, dispatch_uid="transcripts.account_files_delete"
        )
