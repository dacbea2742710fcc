from django.apps import AppConfig

from accounts.signals import account_deleting
from projects.signals import project_deleted


class TranscriptsConfig(AppConfig):
    name = "transcripts"

    def ready(self):
        # Here, not at the top: receivers and tasks import models, which need the app registry.
        # The tasks are registered in every process, the web's too: `transcripts.worker`
        # sends them by name, and that runs them in place when CELERY_TASK_ALWAYS_EAGER asks.
        from transcripts import receivers, tasks  # noqa: F401

        project_deleted.connect(receivers.project_purge, dispatch_uid="transcripts.project_purge")
        account_deleting.connect(
            receivers.account_files_delete, dispatch_uid="transcripts.account_files_delete"
        )
