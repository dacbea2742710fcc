"""An expired invite is listed, and holds no seat in the seats line (issue 17; M1)."""

import pytest
from django.urls import reverse

from members.models import Invitation
from members.services import invitation_create

pytestmark = pytest.mark.django_db


def test_the_seats_line_counts_no_expired_invite(team, clients):
    fresh = invitation_create(
        account=team.account, actor=team.owner, email="a@x.test", role="reader"
    )
    old = invitation_create(account=team.account, actor=team.owner, email="b@x.test", role="reader")
    Invitation.objects.filter(pk=old.pk).update(expires_at=old.sent_at)
    page = clients["admin"].get(reverse("members:list")).content.decode()
    assert "4 of 20 seats used (1 pending; 1 expired invite holds no seat)" in page
    assert f'id="invite-{fresh.pk}"' in page and f'id="invite-{old.pk}"' in page
    assert (
        'id="home-seats">4 of 20 seats<' in clients["admin"].get(reverse("home")).content.decode()
    )
