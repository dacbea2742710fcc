"""A cancel that loses to support's decision is a clear message, never a 500 or an overwrite."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AuditEvent, OwnershipTransferRequest
from tests.factories import UserFactory
from tests.races import while_row_is_changed

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancelling_a_transfer_that_support_approves_meanwhile(team, clients):
    transfer = services.transfer_request_create(
        account=team.account, actor=team.owner, new_owner=team.admin
    )
    support = UserFactory(is_staff=True)

    response = while_row_is_changed(
        OwnershipTransferRequest,
        transfer.pk,
        lambda: services.support_transfer_request_approve(transfer=transfer, actor=support),
        lambda: clients["owner"].post(
            reverse("accounts:transfer_cancel", args=[transfer.pk]), follow=True
        ),
    )

    assert response.status_code == 200
    assert "no longer pending" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == OwnershipTransferRequest.Status.APPROVED
    assert not AuditEvent.objects.filter(action="account.transfer_request_cancel").exists()
