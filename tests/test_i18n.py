"""Languages: English, Portuguese (Brazil) and Spanish, in pages and emails.

Expected texts come from the catalogues themselves (never typed here), so these tests check that
pages and emails go through the catalogues, in the right language."""

import re
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD, sign_in_verified
from twofactor.models import Activity, RefusedAttempts
from twofactor.services import activity, resets

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\{\s*\w+\s*\}\}")


def translated(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_there_are_catalogues_for_portuguese_and_spanish():
    assert {path.parts[-3] for path in CATALOGUES} == {"pt_BR", "es"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(path):
    catalogue = polib.pofile(str(path))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert not catalogue.metadata_is_fuzzy


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: path.parts[-3])
def test_placeholders_match_the_english(path):
    for entry in polib.pofile(str(path)).translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            for form in entry.msgstr_plural.values():
                found = sorted(PLACEHOLDER.findall(form))
                plural = sorted(PLACEHOLDER.findall(entry.msgid_plural))
                assert found in (expected, plural), (entry.msgid, form)
        else:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == expected, entry.msgid


@pytest.mark.parametrize("header, language", [("pt-BR,pt;q=0.9,en;q=0.5", "pt-br"), ("es", "es")])
def test_sign_in_page_follows_the_browser_language(client, db, header, language):
    page = client.get(reverse("accounts:sign_in"), HTTP_ACCEPT_LANGUAGE=header).content.decode()
    heading = translated("Sign in", language)
    assert heading != "Sign in"
    assert f"<h1>{heading}</h1>" in page
    assert f'lang="{language}"' in page
    assert translated("Password", language) in page


@pytest.mark.parametrize("header, language", [("pt-BR", "pt-br"), ("es-419,es", "es")])
def test_wizard_is_translated(client, member, header, language):
    client.force_login(member)
    client.post(reverse("twofactor:setup"), {"password": PASSWORD})
    page = client.get(reverse("twofactor:setup_app"), HTTP_ACCEPT_LANGUAGE=header).content.decode()
    expected = translated("Install an authenticator app", language)
    assert expected != "Install an authenticator app" and expected in page
    assert translated("Continue", language) in page


@pytest.mark.parametrize("header, language", [("pt-BR", "pt-br"), ("es", "es")])
def test_my_team_is_translated(client, manager, member, add_authenticator, header, language):
    sign_in_verified(client, manager, add_authenticator(manager))
    page = client.get(reverse("team:members"), HTTP_ACCEPT_LANGUAGE=header).content.decode()
    for text in ("My Team", "Reset 2FA", "Not set up"):
        assert translated(text, language) != text
        assert translated(text, language) in page


def test_the_saved_language_wins_over_the_browser(client, member, add_authenticator):
    member.language = "es"
    member.save()
    sign_in_verified(client, member, add_authenticator(member))
    page = client.get(reverse("accounts:preferences"), HTTP_ACCEPT_LANGUAGE="pt-BR").content
    assert translated("My Preferences", "es") in page.decode()


def test_a_user_who_chose_portuguese_gets_the_reset_email_in_portuguese(member, manager):
    member.language = "pt-br"
    member.save()
    resets.reset_two_factor(actor=manager, member=member, request_meta=activity.RequestMeta())
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    subject = translated("Your two-factor authentication was reset", "pt-br")
    assert subject != "Your two-factor authentication was reset"
    assert message.subject == subject
    assert translated("IP address", "pt-br") in message.body


def test_switching_language_keeps_the_user_on_the_same_page(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    here = reverse("twofactor:manage")
    response = client.post(reverse("accounts:language"), {"language": "pt-br", "next": here})
    assert response.status_code == 302 and response.url == here
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt-br"
    member.refresh_from_db()
    assert member.language == "pt-br"
    page = client.get(here).content.decode()
    assert translated("Manage Access", "pt-br") in page


def test_switching_language_works_before_sign_in_and_ignores_other_sites(client, db):
    response = client.post(
        reverse("accounts:language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert "evil.example" not in response.url
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert f"<h1>{translated('Sign in', 'es')}</h1>" in page


def test_unknown_language_is_refused_with_a_message(client, db):
    response = client.post(reverse("accounts:language"), {"language": "xx", "next": "/sign-in/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_dates_follow_the_users_time_zone(client, member, add_authenticator, clock):
    device = add_authenticator(member)
    device.created_at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    device.save()
    sign_in_verified(client, member, device)
    response = client.post(
        reverse("accounts:preferences"), {"language": "en", "time_zone": "America/Sao_Paulo"}
    )
    assert response.status_code == 302
    page = client.get(reverse("twofactor:manage")).content.decode()
    assert "Nov. 29, 2026, 9 a.m." in page  # 12:00 UTC is 09:00 in São Paulo
    client.post(reverse("accounts:preferences"), {"language": "en", "time_zone": ""})
    assert "Nov. 29, 2026, noon" in client.get(reverse("twofactor:manage")).content.decode()


def test_unknown_time_zone_is_refused_with_a_message(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    response = client.post(
        reverse("accounts:preferences"), {"language": "en", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    member.refresh_from_db()
    assert member.time_zone == ""


@pytest.mark.parametrize("language", ["pt_BR", "es"])
@pytest.mark.parametrize(
    "choices", [Activity.Kind, Activity.Origin, RefusedAttempts.Kind], ids=lambda c: c.__qualname__
)
def test_every_event_of_the_log_is_translated(choices, language):
    """A kind added in code but missing from the catalogues would read in English in the log."""
    with translation.override("en"):
        english = [str(label) for label in choices.labels]
    with translation.override(language):
        local = [str(label) for label in choices.labels]
    assert [text for text, other in zip(english, local, strict=True) if text == other] == []
