"""Invitation actions that lose a race to another admin are a clear message, never a 500."""

import pytest
from django.urls import reverse

from members import services
from members.models import Invitation
from tests.races import while_row_is_changed

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invitation(team):
    return services.invitation_create(
        account=team.account, actor=team.owner, email="new@example.test", role="reader"
    )


def _revoked_by_the_owner(team, invitation):
    return lambda: services.invitation_revoke(
        account=team.account, actor=team.owner, invitation=invitation
    )


def test_deleting_an_invite_that_another_admin_deletes_meanwhile(team, clients, invitation):
    response = while_row_is_changed(
        Invitation,
        invitation.pk,
        _revoked_by_the_owner(team, invitation),
        lambda: clients["admin"].post(
            reverse("members:invite_delete", args=[invitation.pk]), follow=True
        ),
    )
    assert response.status_code == 200
    assert "no longer pending" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED


def test_resending_an_invite_that_another_admin_deletes_meanwhile(team, clients, invitation):
    digest = Invitation.objects.get(pk=invitation.pk).token_digest
    response = while_row_is_changed(
        Invitation,
        invitation.pk,
        _revoked_by_the_owner(team, invitation),
        lambda: clients["admin"].post(
            reverse("members:invite_resend", args=[invitation.pk]), follow=True
        ),
    )
    assert response.status_code == 200
    assert "no longer pending" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert invitation.token_digest == digest  # no new link was issued
