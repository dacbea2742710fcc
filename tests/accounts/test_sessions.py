"""Sessions on the Security page, ended by their user or by support's email change; A4 emails."""

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import AuditEvent
from tests.factories import PASSWORD, UserFactory, account_with_owner

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def owner():
    return account_with_owner(name="Solo").user


def signed_in(user, user_agent=FIREFOX, address="198.51.100.7") -> Client:
    """A browser that logged in through allauth, as a person does."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get(reverse("accounts:mfa:security")).status_code == 200


def test_the_security_page_lists_each_session_with_device_address_and_last_seen(owner):
    laptop = signed_in(owner)
    signed_in(owner, IPHONE, "203.0.113.9")
    page = laptop.get(reverse("accounts:mfa:security")).content.decode()
    assert "Firefox 128.0 on Ubuntu" in page and "198.51.100.7" in page
    assert "Mobile Safari 17.5 on iOS 17.5" in page and "203.0.113.9" in page
    assert "This session" in page and "Last seen" in page


def test_ending_another_session_signs_it_out_and_is_audited(owner):
    laptop = signed_in(owner)
    phone = signed_in(owner, IPHONE, "203.0.113.9")
    target = UserSession.objects.get(user=owner, user_agent=IPHONE)
    response = laptop.post(reverse("accounts:mfa:session_end"), {"session": target.pk})
    assert response.status_code == 302
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)
    assert AuditEvent.objects.filter(action="user.session_end", actor=owner).count() == 1


def test_ending_the_current_session_logs_out(owner):
    laptop = signed_in(owner)
    mine = UserSession.objects.get(user=owner)
    response = laptop.post(reverse("accounts:mfa:session_end"), {"session": mine.pk})
    assert response["Location"] == reverse("account_login")
    assert not is_signed_in(laptop)


def test_another_users_session_cannot_be_ended(owner):
    victim = account_with_owner(name="Other").user
    victim_browser = signed_in(victim)
    theirs = UserSession.objects.get(user=victim)
    response = signed_in(owner).post(reverse("accounts:mfa:session_end"), {"session": theirs.pk})
    assert response.status_code == 302
    assert is_signed_in(victim_browser)
    assert UserSession.objects.filter(pk=theirs.pk).exists()


def test_support_changing_the_email_signs_the_user_out_everywhere(owner):
    browsers = [signed_in(owner), signed_in(owner, IPHONE)]
    staff = UserFactory(is_staff=True)
    services.support_change_email(user=owner, new_email="new@solo.test", actor=staff)
    assert not any(is_signed_in(browser) for browser in browsers)
    event = AuditEvent.objects.get(action="user.change_email")
    assert event.metadata["sessions_ended"] == 2


def test_no_self_serve_email_addition_or_primary_change(owner):
    """A4: the email page leads to the Security page; its actions change nothing, never 500."""
    other = UserFactory(email="someone@else.test")
    EmailAddress.objects.create(user=other, email=other.email, primary=True, verified=True)
    browser = signed_in(owner)
    assert browser.get("/auth/email/")["Location"].startswith(reverse("accounts:mfa:security"))
    for data in [
        {"action_add": "", "email": "unverified@new.test"},
        {"action_primary": "", "email": other.email},
        {"action_primary": "", "email": "unverified@new.test"},
    ]:
        response = browser.post("/auth/email/", data)
        assert response.status_code == 302
    assert list(EmailAddress.objects.filter(user=owner).values_list("email", flat=True)) in (
        [],
        [owner.email],
    )
    assert EmailAddress.objects.get(email=other.email).user == other
    owner.refresh_from_db()
    assert owner.email != "unverified@new.test"
