"""What transcripts do when something else changes (connected in TranscriptsConfig.ready)."""

from transcripts.services import project_transcripts_purge


def project_purge(sender, *, project, **kwargs) -> None:
    """Uploads, transcripts and (once committed) their files go with their project (P4)."""
    project_transcripts_purge(project=project)
