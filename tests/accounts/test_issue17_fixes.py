"""Bugs seen while walking the console as a new user (issue 17), one test each."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.permissions import Role
from reporting.billing.models import LedgerEntry
from tests.conftest import login_client, support_client
from tests.factories import PASSWORD, AccountFactory, UserFactory, account_with_owner, enrol_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="support@console.test", is_staff=True, is_superuser=True)


def test_picking_an_account_in_the_switcher_on_the_chooser_goes_to_its_dashboard(team):
    second = AccountFactory(name="Rita's Studio")
    Membership.objects.create(account=second, user=team.admin, role=Role.READER)
    client = login_client(team.admin)
    chooser = reverse("accounts:choose")
    assert client.get(chooser).status_code == 200
    response = client.post(reverse("accounts:switch"), {"account": second.pk, "next": chooser})
    assert response["Location"] == reverse("home")
    # Elsewhere the switcher still returns to the page it was used on.
    response = client.post(
        reverse("accounts:switch"), {"account": team.account.pk, "next": "/members/"}
    )
    assert response["Location"] == "/members/"


def test_a_direct_transfer_emails_like_an_approved_request_and_keeps_the_emails_case(
    team, staff, django_capture_on_commit_callbacks
):
    client = support_client(staff)
    url = reverse("admin:accounts_account_transfer_ownership", args=[team.account.pk])
    new_owner = Membership.objects.get(account=team.account, user=team.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"new_owner": new_owner.pk}, follow=True)
    [email] = mail.outbox
    assert set(email.to) == {"owner@acme.test", "admin@acme.test"}
    assert email.subject == "[Speech console] Ownership of Acme transferred"
    assert "admin@acme.test is now its Owner" in email.body
    assert "owner@acme.test is now an Admin" in email.body
    page = response.content.decode()
    assert "Transferred the ownership of Acme: admin@acme.test is now its Owner" in page
    assert "Admin@acme.test" not in page


def test_one_second_to_wait_is_singular(db):
    owner = account_with_owner(name="Solo").user
    device, _ = enrol_mfa(owner)
    client = Client()
    client.post(reverse("account_login"), {"login": owner.email, "password": PASSWORD})
    # One failure locks for one second (django-otp's default factor): 0.7 s are left.
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=1,
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=0.3),
    )
    page = client.post(reverse("accounts:mfa:login"), {"code": "000000"}).content.decode()
    assert "Too many wrong codes. Wait 1 second, then try again." in page
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_count=4, throttling_failure_timestamp=timezone.now()
    )
    page = client.post(reverse("accounts:mfa:login"), {"code": "000000"}).content.decode()
    assert "Wait 8 seconds, then try again." in page or "Wait 9 seconds, then try again." in page


def test_ledger_entries_in_the_admin(staff):
    assert LedgerEntry._meta.verbose_name_plural == "ledger entries"
    page = support_client(staff).get(reverse("admin:index")).content.decode()
    assert "Ledger entries" in page and "entrys" not in page
