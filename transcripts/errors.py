"""What uploads and transcripts refuse, in the domain's words; `transcripts.api` maps them to HTTP."""

from accounts.errors import ServiceError


class TranscriptError(ServiceError):
    """A request for an upload or transcript that is refused; `message` is shown to the caller."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidRequest(TranscriptError):
    """The request is malformed or asks for something this server does not do."""


class UnsupportedLanguage(InvalidRequest):
    """The engine does not transcribe this language."""


class UnsupportedOption(InvalidRequest):
    """An option this server cannot honour, named in the message (never silently ignored)."""


class NotCompleted(InvalidRequest):
    """The transcript has no words to export: not completed, or deleted."""


class NotFinished(InvalidRequest):
    """The transcript is still queued or processing, so it cannot be deleted yet."""


class NotFound(TranscriptError):
    """No such upload or transcript in the caller's project (another project's counts as none)."""


class UploadInaccessible(TranscriptError):
    """The upload named is not one the caller's project may use (P3)."""


class TooLarge(TranscriptError):
    """The file is larger than this server accepts."""


class UploadQuotaExceeded(TooLarge):
    """The project already holds its plan's bytes of uploads that no transcript uses."""


class OverSpendLimit(TranscriptError):
    """A spend limit covering the caller is reached: the message names it (429)."""

    def __init__(self, message: str, *, refusal=None):
        super().__init__(message)
        # The limit's own refusal (reporting.limits), told to its watchers once rolled back.
        self.refusal = refusal
