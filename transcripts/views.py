"""The Transcripts pages: every role of the account may read them."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, requires
from projects.models import Project
from transcripts import services
from transcripts.errors import TranscriptError
from transcripts.forms import TranscribeForm
from transcripts.models import Transcript

PAGE_SIZE = 25


def _project(request, project_id) -> Project:
    # SECURITY: another account's project is a 404, like a missing one.
    return get_object_or_404(Project.objects.for_account(request.account), pk=project_id)


def _transcript(request, project, transcript_id) -> Transcript:
    # SECURITY: found inside the account's project, or a 404.
    return get_object_or_404(
        Transcript.objects.for_account(request.account)
        .filter(project=project)
        .select_related("api_key__project"),
        pk=transcript_id,
    )


@requires(Action.VIEW)
def list_view(request, project_id):
    project = _project(request, project_id)
    rows = (
        Transcript.objects.for_account(request.account)
        .filter(project=project)
        .select_related("api_key__project")
    )
    status = request.GET.get("status", "")
    if status in Transcript.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    in_progress = any(
        t.status in (Transcript.Status.QUEUED, Transcript.Status.PROCESSING) for t in page
    )
    template = "transcripts/list.html"
    if request.htmx:
        template += "#rows"
    return render(
        request,
        template,
        {
            "nav": "projects",
            "project": project,
            "page": page,
            "status": status,
            "statuses": Transcript.Status.choices,
            "in_progress": in_progress,
        },
    )


def _too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # The form's own fields add a few hundred bytes to the file.
    return length > settings.API_MAX_UPLOAD_BYTES + 64 * 1024


@requires(Action.MANAGE_PROJECTS)
def create(request, project_id):
    """Upload a file and queue its transcript, as the API does with a key (Owners and Admins)."""
    project = _project(request, project_id)
    form = TranscribeForm()
    refused = ""
    if request.method == "POST" and _too_large(request):
        # Refused before Django reads the body into temporary files.
        refused = services.too_large().message
    elif request.method == "POST":
        form = TranscribeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                transcript = services.console_transcribe(
                    account=request.account,
                    actor=request.user,
                    project=project,
                    file=form.cleaned_data["audio"],
                    upload_url=lambda upload: request.build_absolute_uri(
                        reverse("v2:upload_file", kwargs={"upload_id": str(upload.pk)})
                    ),
                )
            except TranscriptError as error:
                show_error(request, error, form=form, field="audio")
            except SERVICE_ERRORS as error:
                show_error(request, error, form=form)
            else:
                messages.success(request, "Uploaded. The transcript is queued.")
                return redirect("transcripts:detail", project.pk, transcript.pk)
    return render(
        request,
        "transcripts/create.html",
        {
            "nav": "projects",
            "project": project,
            "form": form,
            "refused": refused,
            "max_mb": settings.API_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=400 if refused or form.errors else 200,
    )


@requires(Action.VIEW)
def detail(request, project_id, transcript_id):
    project = _project(request, project_id)
    transcript = _transcript(request, project, transcript_id)
    template = "transcripts/detail.html"
    if request.htmx:  # the page refreshing itself until the transcript is done
        template += "#body"
    return render(
        request, template, {"nav": "projects", "project": project, "transcript": transcript}
    )


@requires(Action.MANAGE_PROJECTS)
def delete(request, project_id, transcript_id):
    """POST deletes the text and the audio; GET is the confirm page."""
    project = _project(request, project_id)
    transcript = _transcript(request, project, transcript_id)
    if request.method == "POST":
        try:
            services.console_transcript_delete(
                account=request.account, actor=request.user, transcript=transcript
            )
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, "Deleted the transcript's text and audio.")
        return redirect("transcripts:detail", project.pk, transcript.pk)
    return render(
        request,
        "transcripts/delete.html",
        {"nav": "projects", "project": project, "transcript": transcript},
    )
