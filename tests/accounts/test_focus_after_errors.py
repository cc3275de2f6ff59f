"""A form sent back with errors gives the focus to what must be typed again: after a wrong
password its field (the email stays as typed), else the first field with an error."""

import re

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, sign_in_verified

SIGN_IN = reverse("accounts:sign_in")
CONFIRM = reverse("accounts:confirm_password")
CHANGE = reverse("accounts:change_password")
NEW = "a much longer new passphrase"


def inputs(page: str) -> dict[str, str]:
    return {
        re.search(r'name="([^"]+)"', tag).group(1): tag
        for tag in re.findall(r"<input[^>]*>", page)
        if 'type="hidden"' not in tag
    }


def focused(page: str) -> list[str]:
    return [name for name, tag in inputs(page).items() if re.search(r"\bautofocus\b", tag)]


def test_the_sign_in_page_starts_on_the_email(client, db):
    assert focused(client.get(SIGN_IN).content.decode()) == ["email"]


def test_a_wrong_password_focuses_the_password_and_keeps_the_email(client, member):
    page = client.post(SIGN_IN, {"email": member.email, "password": "wrong"}).content.decode()
    assert "The email or password is not correct." in page
    assert focused(page) == ["password"]
    assert f'value="{member.email}"' in inputs(page)["email"]
    assert "value=" not in inputs(page)["password"]


def test_a_malformed_email_focuses_the_email(client, db):
    page = client.post(SIGN_IN, {"email": "not-an-email", "password": PASSWORD}).content.decode()
    assert focused(page) == ["email"]


def test_a_password_typed_again_wrongly_keeps_the_focus_on_it(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    page = client.post(CONFIRM, {"password": "wrong"}).content.decode()
    assert "That is not your password." in page
    assert focused(page) == ["password"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}, "old_password"),
        # Every password field is empty again: the first of them is typed first.
        (
            {"old_password": PASSWORD, "new_password1": NEW, "new_password2": "other"},
            "old_password",
        ),
    ],
)
def test_change_password_focuses_the_first_field_to_type_again(
    client, member, add_authenticator, data, expected
):
    sign_in_verified(client, member, add_authenticator(member))
    page = client.post(CHANGE, data).content.decode()
    assert 'aria-invalid="true"' in page
    assert focused(page) == [expected]


def test_a_form_without_errors_keeps_its_own_focus(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    assert focused(client.get(CHANGE).content.decode()) == ["old_password"]
