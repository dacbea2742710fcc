"""What transcripts do when something else changes (connected in TranscriptsConfig.ready)."""

from functools import partial

from django.db import transaction

from projects.models import Project
from transcripts.services import project_transcripts_purge
from transcripts.storage import delete_project_files_on_commit
from transcripts.worker import transcripts_start_next


def project_purge(sender, *, project, **kwargs) -> None:
    """Uploads, transcripts and (once committed) their files go with their project (P4)."""
    project_transcripts_purge(project=project)
    # Its running transcripts went with it: the account's waiting ones may start.
    transaction.on_commit(partial(transcripts_start_next, account_id=project.account_id))


def account_files_delete(sender, *, account, **kwargs) -> None:
    """The database's cascade takes the rows; the files of every project, deleted ones too,
    go once the account's deletion commits (A5)."""
    project_ids = Project.objects.for_account_with_deleted(account).values_list("pk", flat=True)
    delete_project_files_on_commit(list(project_ids))
