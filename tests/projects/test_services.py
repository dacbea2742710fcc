"""Projects: create within the plan limit, rename, delete with its keys (P1, P4)."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections

from accounts.models import AuditEvent, Membership
from accounts.plans import LimitReached, PlanCode
from apikeys.auth import KeyAuthError, authenticate
from apikeys.models import ApiKey
from apikeys.services import apikey_create
from projects.models import Project
from projects.services import project_create, project_delete, project_rename
from tests.factories import account_with_owner


@pytest.mark.django_db
def test_create_trims_the_name_and_audits(team):
    project = project_create(account=team.account, actor=team.admin, name="  Staging ")
    assert project.name == "Staging"
    assert project.account == team.account
    assert project.created_by == team.admin
    event = AuditEvent.objects.get(action="project.create")
    assert (event.actor, event.target_id, event.target_label) == (
        team.admin,
        str(project.pk),
        "Staging",
    )


@pytest.mark.django_db
def test_readers_and_outsiders_cannot_change_projects(team, make_project):
    project = make_project()
    for actor in (team.reader, team.outsider):
        with pytest.raises(PermissionDenied):
            project_create(account=team.account, actor=actor, name="x")
        with pytest.raises(PermissionDenied):
            project_rename(account=team.account, actor=actor, project=project, name="x")
        with pytest.raises(PermissionDenied):
            project_delete(account=team.account, actor=actor, project=project)
    project.refresh_from_db()
    assert (project.name, project.deleted_at) == ("Production", None)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "  ", "x" * 101, "x" * 200])
def test_bad_names_are_refused(team, make_project, name):
    with pytest.raises(ValidationError):
        project_create(account=team.account, actor=team.owner, name=name)
    project = make_project()
    with pytest.raises(ValidationError):
        project_rename(account=team.account, actor=team.owner, project=project, name=name)
    assert list(Project.objects.values_list("name", flat=True)) == ["Production"]


@pytest.mark.django_db
def test_names_are_unique_in_an_account_ignoring_case(team, make_project):
    make_project("Production")
    staging = make_project("Staging")
    with pytest.raises(ValidationError, match="already exists"):
        project_create(account=team.account, actor=team.owner, name="production")
    with pytest.raises(ValidationError, match="already exists"):
        project_rename(account=team.account, actor=team.owner, project=staging, name="PRODUCTION")
    # Another account may use the same name.
    project_create(account=team.outsider_account, actor=team.outsider, name="Production")
    # Renaming to a new case of its own name is fine.
    project_rename(account=team.account, actor=team.owner, project=staging, name="STAGING")
    assert Project.objects.get(pk=staging.pk).name == "STAGING"


@pytest.mark.django_db
def test_rename_is_audited_with_both_names(team, make_project):
    project = make_project("Dev")
    project_rename(account=team.account, actor=team.admin, project=project, name="Development")
    event = AuditEvent.objects.get(action="project.rename")
    assert event.metadata == {"from": "Dev", "to": "Development"}
    # An unchanged name writes nothing.
    project_rename(account=team.account, actor=team.admin, project=project, name="Development")
    assert AuditEvent.objects.filter(action="project.rename").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("plan", "limit", "plan_name"),
    [
        (PlanCode.FREE, 2, "Free"),
        (PlanCode.PAYG, 2, "PAYG"),
        (PlanCode.CONTRACTED, 5, "Contracted"),
    ],
)
def test_the_project_limit_of_each_plan(plan, limit, plan_name):
    owner = account_with_owner(plan=plan)
    for i in range(limit):
        project_create(account=owner.account, actor=owner.user, name=f"P{i}")
    with pytest.raises(LimitReached) as caught:
        project_create(account=owner.account, actor=owner.user, name="One more")
    assert str(caught.value) == f"Your {plan_name} plan allows {limit} projects."
    assert Project.objects.for_account(owner.account).count() == limit
    # A deleted project frees its place.
    project_delete(
        account=owner.account,
        actor=owner.user,
        project=Project.objects.for_account(owner.account).first(),
    )
    project_create(account=owner.account, actor=owner.user, name="One more")


@pytest.mark.django_db
def test_enterprise_limit_is_per_account():
    owner = account_with_owner(plan=PlanCode.ENTERPRISE, custom_max_projects=7)
    for i in range(7):
        project_create(account=owner.account, actor=owner.user, name=f"P{i}")
    with pytest.raises(LimitReached, match="Enterprise plan allows 7 projects"):
        project_create(account=owner.account, actor=owner.user, name="P7")


@pytest.mark.django_db
def test_delete_removes_keys_keeps_the_name_and_audits(team, make_project):
    project = make_project("Production")
    other = make_project("Staging")
    doomed = [
        apikey_create(account=team.account, actor=team.owner, project=project, name=f"k{i}")
        for i in range(2)
    ]
    kept = apikey_create(account=team.account, actor=team.owner, project=other, name="kept")

    project_delete(account=team.account, actor=team.admin, project=project)

    for issued in doomed:
        with pytest.raises(KeyAuthError):
            authenticate(issued.secret)
        assert ApiKey.objects.get(pk=issued.api_key.pk).deleted_at is not None
    assert authenticate(kept.secret).project == other
    # The row stays, named and marked deleted, for reports (P4, U4).
    gone = Project.objects.for_account_with_deleted(team.account).get(pk=project.pk)
    assert gone.is_deleted and gone.name == "Production"
    assert str(gone) == "Production (deleted)"
    assert list(Project.objects.for_account(team.account)) == [other]
    event = AuditEvent.objects.get(action="project.delete")
    assert event.metadata == {"api_keys_deleted": 2}
    assert event.target_label == "Production"
    # The name is free again, and a second delete is refused with a message.
    project_create(account=team.account, actor=team.owner, name="Production")
    with pytest.raises(ValidationError):
        project_delete(account=team.account, actor=team.owner, project=project)


@pytest.mark.django_db
def test_another_accounts_project_cannot_be_changed(team, make_project):
    theirs = make_project("Theirs", account=team.outsider_account)
    with pytest.raises(ValidationError):
        project_rename(account=team.account, actor=team.owner, project=theirs, name="Mine")
    with pytest.raises(ValidationError):
        project_delete(account=team.account, actor=team.owner, project=theirs)
    theirs.refresh_from_db()
    assert (theirs.name, theirs.deleted_at) == ("Theirs", None)


@pytest.mark.django_db
def test_projects_stay_when_their_creator_leaves(team):
    project = project_create(account=team.account, actor=team.admin, name="Production")
    issued = apikey_create(account=team.account, actor=team.admin, project=project, name="k")
    Membership.objects.filter(user=team.admin, account=team.account).delete()
    assert Project.objects.for_account(team.account).get() == project
    assert authenticate(issued.secret).project == project


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_at_the_limit_never_exceed_it():
    owner = account_with_owner(plan=PlanCode.FREE)
    barrier = threading.Barrier(16)
    outcomes = []

    def create(i):
        try:
            barrier.wait()
            project_create(account=owner.account, actor=owner.user, name=f"Project {i}")
            outcomes.append("created")
        except LimitReached:
            outcomes.append("limit")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] * 2 + ["limit"] * 14
    assert Project.objects.for_account(owner.account).count() == 2
