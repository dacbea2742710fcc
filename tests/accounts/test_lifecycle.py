"""Ownership transfer requests (M5, beyond) and account deletion (A5)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Account, AuditEvent, Membership, OwnershipTransferRequest
from accounts.permissions import Role
from accounts.services import support_transfer_request_approve, support_transfer_request_reject
from tests.conftest import login_client, support_client
from tests.factories import UserFactory, account_with_owner
from tests.reporting.support import rows_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="support@console.test", is_staff=True, is_superuser=True)


def _admin_membership(team):
    return Membership.objects.get(account=team.account, user=team.admin)


def test_owner_requests_transfer_to_an_admin_and_support_approves(
    team, clients, staff, django_capture_on_commit_callbacks
):
    response = clients["owner"].post(
        reverse("accounts:transfer_request"), {"new_owner": _admin_membership(team).pk}
    )
    assert response.status_code == 302
    transfer = OwnershipTransferRequest.objects.get(account=team.account)
    assert transfer.status == "pending"
    assert AuditEvent.objects.filter(
        account=team.account, action="account.transfer_request"
    ).exists()
    page = clients["owner"].get(reverse("accounts:detail")).content.decode()
    assert "admin@acme.test" in page and "Cancel the request" in page

    with django_capture_on_commit_callbacks(execute=True):
        support_transfer_request_approve(transfer=transfer, actor=staff)
    roles = dict(Membership.objects.filter(account=team.account).values_list("user__email", "role"))
    assert roles["admin@acme.test"] == Role.OWNER
    assert roles["owner@acme.test"] == Role.ADMIN
    transfer.refresh_from_db()
    assert transfer.status == "approved" and transfer.decided_by == staff
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"admin@acme.test", "owner@acme.test"}


@pytest.mark.parametrize("how", ["leaves", "removed", "demoted"])
def test_a_pending_transfer_is_cancelled_when_its_admin_stops_being_one(team, clients, how):
    from members import services as members

    transfer = OwnershipTransferRequest.objects.create(
        account=team.account, requested_by=team.owner, new_owner=team.admin
    )
    if how == "leaves":
        members.membership_leave(account=team.account, actor=team.admin)
    elif how == "removed":
        members.membership_remove(
            account=team.account, actor=team.owner, membership=_admin_membership(team)
        )
    else:
        members.membership_change_role(
            account=team.account,
            actor=team.owner,
            membership=_admin_membership(team),
            role="reader",
        )
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"
    audit = AuditEvent.objects.get(account=team.account, action="account.transfer_request_cancel")
    assert audit.metadata["to"] == "admin@acme.test" and audit.metadata["reason"]
    # The Owner can ask again at once, for someone else.
    page = clients["owner"].get(reverse("accounts:detail")).content.decode()
    assert "Cancel the request" not in page


def test_promoting_an_admin_or_changing_nothing_keeps_the_request(team):
    from members import services as members

    transfer = OwnershipTransferRequest.objects.create(
        account=team.account, requested_by=team.owner, new_owner=team.admin
    )
    members.membership_change_role(
        account=team.account, actor=team.owner, membership=_admin_membership(team), role="admin"
    )
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_support_rejects_and_both_are_told(team, staff, django_capture_on_commit_callbacks):
    transfer = OwnershipTransferRequest.objects.create(
        account=team.account, requested_by=team.owner, new_owner=team.admin
    )
    with django_capture_on_commit_callbacks(execute=True):
        support_transfer_request_reject(transfer=transfer, actor=staff, note="Ask by email")
    assert Membership.objects.get(account=team.account, role=Role.OWNER).user == team.owner
    transfer.refresh_from_db()
    assert transfer.status == "rejected"
    assert "Ask by email" in mail.outbox[0].body
    assert AuditEvent.objects.get(
        account=team.account, action="account.transfer_request_reject"
    ).by_support


@pytest.mark.parametrize("target", ["reader", "outsider", "garbage"])
def test_transfer_to_a_reader_or_non_member_is_refused(team, clients, target):
    value = {
        "reader": lambda: Membership.objects.get(account=team.account, user=team.reader).pk,
        "outsider": lambda: Membership.objects.get(user=team.outsider).pk,
        "garbage": lambda: "abc",
    }[target]()
    response = clients["owner"].post(reverse("accounts:transfer_request"), {"new_owner": value})
    assert response.status_code == 302
    assert not OwnershipTransferRequest.objects.exists()
    page = clients["owner"].get(response["Location"]).content.decode()
    assert "only be transferred to an Admin" in page


def test_second_pending_request_is_refused(team, clients):
    data = {"new_owner": _admin_membership(team).pk}
    clients["owner"].post(reverse("accounts:transfer_request"), data)
    clients["owner"].post(reverse("accounts:transfer_request"), data)
    assert OwnershipTransferRequest.objects.count() == 1


def test_owner_cancels_a_request(team, clients):
    transfer = OwnershipTransferRequest.objects.create(
        account=team.account, requested_by=team.owner, new_owner=team.admin
    )
    clients["owner"].post(reverse("accounts:transfer_cancel", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"


def test_approve_in_admin_action(team, staff):
    transfer = OwnershipTransferRequest.objects.create(
        account=team.account, requested_by=team.owner, new_owner=team.admin
    )
    client = support_client(staff)
    response = client.post(
        reverse("admin:accounts_ownershiptransferrequest_changelist"),
        {"action": "approve", "_selected_action": [transfer.pk]},
    )
    assert response.status_code == 302
    assert Membership.objects.get(account=team.account, role=Role.OWNER).user == team.admin


def test_sole_owner_deletes_the_account_and_every_row_goes(django_capture_on_commit_callbacks):
    owner = account_with_owner(name="Gone Soon")
    other = account_with_owner(owner=owner.user, name="Stays")
    client = login_client(owner.user, owner.account)
    account_id = owner.account.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:delete"), {"confirm_name": "Gone Soon"})
    assert response.status_code == 302
    assert rows_of(account_id) == {}
    assert Account.objects.filter(pk=other.account.pk).exists()
    # The user lands in their remaining account.
    assert client.get(reverse("home")).context["current_account"] == other.account


def test_deleting_the_only_account_leads_to_the_no_account_page():
    owner = account_with_owner(name="Only")
    client = login_client(owner.user, owner.account)
    client.post(reverse("accounts:delete"), {"confirm_name": "Only"})
    assert client.get(reverse("home"))["Location"] == reverse("accounts:none")


def test_wrong_typed_name_deletes_nothing():
    owner = account_with_owner(name="Keep Me")
    client = login_client(owner.user, owner.account)
    response = client.post(reverse("accounts:delete"), {"confirm_name": "keep me"})
    assert response.status_code == 200
    assert "exactly" in response.content.decode()
    assert Account.objects.filter(pk=owner.account.pk).exists()


def test_deletion_is_refused_while_other_members_are_present(team, clients):
    page = clients["owner"].get(reverse("accounts:detail")).content.decode()
    assert "Only the sole member" in page
    response = clients["owner"].post(reverse("accounts:delete"), {"confirm_name": "Acme"})
    assert response.status_code == 200
    assert Account.objects.filter(pk=team.account.pk).exists()


def test_admin_cannot_delete_the_account(team, clients):
    response = clients["admin"].post(reverse("accounts:delete"), {"confirm_name": "Acme"})
    assert response.status_code == 403
    assert Account.objects.filter(pk=team.account.pk).exists()


def test_deletion_removes_projects_keys_uploads_transcripts_usage_and_files(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    from datetime import UTC, datetime

    from apikeys.services import apikey_create
    from projects.services import project_create, project_delete
    from reporting.usage.services import usage_aggregate, usage_event_record
    from tests.transcripts.api_support import stored_transcript

    settings.MEDIA_ROOT = tmp_path / "media"
    owner = account_with_owner(name="Full House")
    account, user = owner.account, owner.user
    live = project_create(account=account, actor=user, name="Production")
    gone = project_create(account=account, actor=user, name="Old")
    issued = apikey_create(account=account, actor=user, project=live, name="Prod key")
    transcript = stored_transcript(live, issued.api_key)
    upload_file = settings.MEDIA_ROOT / transcript.upload.path
    assert upload_file.exists()
    usage_event_record(
        account=account,
        project=live,
        api_key=issued.api_key,
        product="speech_to_text",
        model="best",
        quantity=60,
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
        idempotency_key="full-house-1",
    )
    usage_aggregate()
    project_delete(account=account, actor=user, project=gone)
    before = rows_of(account.pk)
    assert {"projects.Project", "apikeys.ApiKey", "transcripts.Transcript"} <= set(before)
    assert {"reporting.UsageEvent", "reporting.UsageRollup"} <= set(before)

    client = login_client(user, account)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:delete"), {"confirm_name": "Full House"})
    assert response.status_code == 302
    assert rows_of(account.pk) == {}
    assert not upload_file.exists()
