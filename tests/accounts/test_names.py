"""CR, LF and other control characters are refused in every name people type."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.names import validate_name
from apikeys.services import apikey_create
from projects.models import Project
from projects.services import project_create, project_rename

pytestmark = pytest.mark.django_db

BAD = [
    "Acme\r\nBcc: x@evil.test",
    "tab\there",
    "nul\x00",
    "bell\x07",
    "rtl\u202eexe.txt",
    "ls\u2028x",
]


@pytest.mark.parametrize("name", BAD)
def test_the_validator_refuses_control_characters(name):
    with pytest.raises(ValidationError):
        validate_name(name)


def test_the_validator_keeps_ordinary_names():
    for name in ["Acme GmbH & Co.", "Ünïcödé 東京 👩‍💻", "a-b_c (prod) #1"]:
        validate_name(name)


@pytest.mark.parametrize("name", BAD[:2])
def test_every_service_that_takes_a_name_refuses_them(team, name):
    project = Project.objects.create(account=team.account, name="Web")
    calls = [
        lambda: services.account_create(owner=team.owner, name=name),
        lambda: services.account_rename(account=team.account, actor=team.owner, name=name),
        lambda: services.support_account_update(
            account=team.account, actor=_staff(), changes={"name": name}
        ),
        lambda: project_create(account=team.account, actor=team.owner, name=name),
        lambda: project_rename(account=team.account, actor=team.owner, project=project, name=name),
        lambda: apikey_create(account=team.account, actor=team.owner, project=project, name=name),
    ]
    for call in calls:
        with pytest.raises(ValidationError) as raised:
            call()
        assert "control characters" in " ".join(raised.value.messages)
    team.account.refresh_from_db()
    assert team.account.name == "Acme"


def _staff():
    from tests.factories import UserFactory

    return UserFactory(is_staff=True)


def test_forms_show_the_refusal_on_the_field(clients):
    response = clients["owner"].post(reverse("accounts:settings"), {"name": "Acme\r\nX"})
    assert response.status_code in (200, 400)
    assert "control characters" in response.content.decode()
    response = clients["owner"].post(reverse("projects:create"), {"name": "P\nX"})
    assert response.status_code in (200, 400)
    assert "control characters" in response.content.decode()


def test_signup_refuses_a_user_name_with_a_line_break(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.test",
            "password1": "a-Long-password-42",
            "password2": "a-Long-password-42",
            "name": "Eve\r\nAdmin",
            "account_name": "Fine",
        },
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
