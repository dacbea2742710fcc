"""The Transcripts pages: every role of the account may read them."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from accounts.permissions import Action, requires
from projects.models import Project, Transcript

PAGE_SIZE = 25


def _project(request, project_id) -> Project:
    # SECURITY: another account's project is a 404, like a missing one.
    return get_object_or_404(Project.objects.for_account(request.account), pk=project_id)


@requires(Action.VIEW)
def list_view(request, project_id):
    project = _project(request, project_id)
    rows = Transcript.objects.for_account(request.account).filter(project=project)
    status = request.GET.get("status", "")
    if status in Transcript.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    in_progress = any(
        t.status in (Transcript.Status.QUEUED, Transcript.Status.PROCESSING) for t in page
    )
    template = "projects/transcripts/list.html"
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


@requires(Action.VIEW)
def detail(request, project_id, transcript_id):
    project = _project(request, project_id)
    transcript = get_object_or_404(
        Transcript.objects.for_account(request.account).filter(project=project),
        pk=transcript_id,
    )
    return render(
        request,
        "projects/transcripts/detail.html",
        {"nav": "projects", "project": project, "transcript": transcript},
    )
