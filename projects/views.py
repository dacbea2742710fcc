from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.errors import SERVICE_ERRORS, show_error
from accounts.permissions import Action, requires
from accounts.plans import LimitReached, Resource, limit_for, limit_message
from accounts.sections import table_columns
from projects import services
from projects.forms import ProjectNameForm
from projects.models import Project

# The rename field in each row is written out by hand; its limit is the form's.
NAME_MAX_LENGTH = ProjectNameForm.base_fields["name"].max_length


def _projects(account):
    return Project.objects.for_account(account).annotate(
        key_count=Count("api_keys", filter=Q(api_keys__deleted_at__isnull=True))
    )


def _row(request, project) -> Project:
    """One row of the table as htmx swaps it in, with the cells apps above add."""
    row = _projects(request.account).get(pk=project.pk)
    table_columns("projects.list", request, [row])
    return row


def _get_project(request, pk) -> Project:
    # SECURITY: another account's project, or a deleted one, is a 404.
    return get_object_or_404(Project.objects.for_account(request.account), pk=pk)


def _list_response(request, form=None, status=200, created=None):
    account = request.account
    projects = list(_projects(account))
    limit = limit_for(account, Resource.PROJECTS)
    # htmx (the create form) swaps the form and the table together.
    template = "projects/list.html#projects-area" if request.htmx else "projects/list.html"
    return render(
        request,
        template,
        {
            "nav": "projects",
            "projects": projects,
            # Columns apps above add (a project's spend limit): one read for all the rows.
            "extra_columns": table_columns("projects.list", request, projects),
            "form": form or ProjectNameForm(),
            "at_limit": len(projects) >= limit,
            "limit_message": limit_message(account, Resource.PROJECTS, limit),
            "name_max_length": NAME_MAX_LENGTH,
            "created": created,
        },
        status=status,
    )


@requires(Action.VIEW)
def list_view(request):
    return _list_response(request)


@requires(Action.MANAGE_PROJECTS)
@require_POST
def create(request):
    form = ProjectNameForm(request.POST)
    if form.is_valid():
        try:
            project = services.project_create(
                account=request.account, actor=request.user, name=form.cleaned_data["name"]
            )
        except LimitReached:
            pass  # The page's limit notice says it, once.
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            if request.htmx:
                return _list_response(request, created=project)
            messages.success(request, f"Created the project {project.name}.")
            return redirect("projects:list")
    return _list_response(request, form)


@requires(Action.MANAGE_PROJECTS)
def rename(request, pk):
    """Inline rename (htmx swaps the row); without JavaScript, a page of its own."""
    project = _get_project(request, pk)
    form = ProjectNameForm(request.POST or None, initial={"name": project.name})
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_rename(
                account=request.account,
                actor=request.user,
                project=project,
                name=form.cleaned_data["name"],
            )
        except SERVICE_ERRORS as error:
            show_error(request, error, form=form)
        else:
            if request.htmx:
                row = _row(request, project)
                return render(
                    request,
                    "projects/list.html#row",
                    {"project": row, "renamed": True, "name_max_length": NAME_MAX_LENGTH},
                )
            messages.success(request, f"Renamed the project to {project.name}.")
            return redirect("projects:list")
    if request.htmx:
        row = _row(request, project)
        return render(
            request,
            "projects/list.html#row",
            {"project": row, "rename_form": form, "name_max_length": NAME_MAX_LENGTH},
        )
    return render(
        request, "projects/rename.html", {"nav": "projects", "project": project, "form": form}
    )


@requires(Action.MANAGE_PROJECTS)
def delete(request, pk):
    """POST deletes; GET is the confirm page for browsers without JavaScript."""
    project = _get_project(request, pk)
    if request.method == "POST":
        try:
            services.project_delete(account=request.account, actor=request.user, project=project)
        except SERVICE_ERRORS as error:
            show_error(request, error)
        else:
            messages.success(request, f"Deleted the project {project.name}.")
        return redirect("projects:list")
    return render(request, "projects/delete.html", {"nav": "projects", "project": project})
