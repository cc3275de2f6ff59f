"""What the portal says after an action: which browser was revoked, how many others, which
authenticator was added, that the person is signed out, that a reset request is pending; and
that a date ending in a full stop ("8:17 a.m.") is never followed by another, in any language."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from tests.conftest import PASSWORD, code_for, sign_in_verified, sign_in_with_code
from twofactor import app_settings
from twofactor.models import Authenticator, ResetRequest, TrustedBrowser
from twofactor.services import codes
from twofactor.services.activity import RequestMeta
from twofactor.views.setup import WIZARD_KEY

MANAGE = reverse("twofactor:manage")
PREFERENCES = reverse("accounts:preferences")
LOST_PHONE = reverse("twofactor:lost_phone")
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
# A User-Agent is the sender's to write: ua-parser takes this one's name from the text itself.
HOSTILE = "<img src=x onerror=alert(1)>/1.0 CFNetwork/1240.0.4 Darwin/20.6.0"
LANGUAGES = ["en", "pt-br", "es"]
# A moment whose English time ends in a full stop: "8:17 a.m."
MORNING = datetime(2026, 11, 29, 8, 17, tzinfo=UTC)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member, name="Work phone")


@pytest.fixture
def chrome(member, device, clock):
    return sign_in_with_code(Client(HTTP_USER_AGENT=CHROME), member, device)


def trust_another_browser(member, user_agent, clock, device):
    clock.shift(30)  # the next code
    return sign_in_with_code(Client(HTTP_USER_AGENT=user_agent), member, device)


# Revoking browsers ----------------------------------------------------------------------------


def test_a_revoke_names_the_browser(chrome, member, device, clock):
    trust_another_browser(member, FIREFOX, clock, device)
    firefox = TrustedBrowser.objects.get(user=member, user_agent=FIREFOX)
    response = chrome.post(reverse("twofactor:revoke_browser", args=[firefox.pk]), follow=True)
    assert messages_of(response) == ["Firefox on Linux was revoked: it will be asked for a code."]


def test_the_browser_named_by_a_revoke_is_escaped(chrome, member, device, clock):
    trust_another_browser(member, HOSTILE, clock, device)
    hostile = TrustedBrowser.objects.get(user=member, user_agent=HOSTILE)
    response = chrome.post(reverse("twofactor:revoke_browser", args=[hostile.pk]), follow=True)
    [message] = messages_of(response)
    assert message.startswith("<img src=x onerror=alert(1)>")  # the parser's name, as sent
    page = response.content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; on iOS was revoked" in page


def test_revoking_all_others_counts_them(chrome, member, device, clock):
    trust_another_browser(member, FIREFOX, clock, device)
    response = chrome.post(reverse("twofactor:revoke_other_browsers"), follow=True)
    assert messages_of(response) == ["1 other browser was revoked: it will be asked for a code."]
    trust_another_browser(member, FIREFOX, clock, device)
    trust_another_browser(member, HOSTILE, clock, device)
    response = chrome.post(reverse("twofactor:revoke_other_browsers"), follow=True)
    assert messages_of(response) == [
        "2 other browsers were revoked: they will be asked for a code."
    ]
    assert "Revoke all other browsers" not in response.content.decode()


def test_revoking_all_others_when_none_is_left_says_so(chrome):
    response = chrome.post(reverse("twofactor:revoke_other_browsers"), follow=True)
    assert messages_of(response) == ["There was no other trusted browser to revoke."]
    assert "0" not in messages_of(response)[0]


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("pt-br", 1, "1 outro navegador foi revogado"),
        ("pt-br", 2, "2 outros navegadores foram revogados"),
        ("es", 1, "Se revocó 1 navegador más"),
        ("es", 2, "Se revocaron 2 navegadores más"),
        ("es", 1_000_000, "Se revocaron 1000000 de navegadores más"),
    ],
)
def test_the_count_of_revoked_browsers_takes_each_languages_plural(language, count, expected):
    with translation.override(language):
        message = ngettext(
            "%(count)d other browser was revoked: it will be asked for a code.",
            "%(count)d other browsers were revoked: they will be asked for a code.",
            count,
        ) % {"count": count}
    assert message.startswith(expected)


# Adding an authenticator, signing out ---------------------------------------------------------


def name_new_authenticator(client, user, name):
    """The wizard's last step, as its code step leaves it: the new authenticator confirmed and
    the session verified by it."""
    new = Authenticator.objects.create(user=user, name="", confirmed=True)
    sign_in_verified(client, user, new)
    session = client.session
    session[WIZARD_KEY] = {"step": 5, "authenticator": new.pk, "next": MANAGE}
    session.save()
    return client.post(reverse("twofactor:setup_name"), {"name": name}, follow=True)


def test_adding_another_authenticator_names_it(client, member, device):
    sign_in_verified(client, member, device)
    response = name_new_authenticator(client, member, "Tablet <script>")
    assert messages_of(response) == ["Authenticator “Tablet <script>” added."]
    page = response.content.decode()
    assert "Authenticator “Tablet &lt;script&gt;” added." in page
    assert "Two-factor authentication is on" not in page


def test_the_first_authenticator_turns_two_factor_on(client, member):
    page = name_new_authenticator(client, member, "My personal phone").content.decode()
    assert "Two-factor authentication is on." in page and "added." not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [("pt-br", "Autenticador “Tablet” adicionado."), ("es", "Se agregó el autenticador “Tablet”.")],
)
def test_the_added_authenticator_is_named_in_each_language(
    client, member, device, language, expected
):
    member.language = language
    member.save(update_fields=["language"])
    sign_in_verified(client, member, device)
    assert messages_of(name_new_authenticator(client, member, "Tablet")) == [expected]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "You are signed out."),
        ("pt-br", "Você saiu da sua conta."),
        ("es", "Cerraste la sesión."),
    ],
)
def test_sign_out_says_so_on_the_sign_in_page(client, member, device, language, expected):
    sign_in_verified(client, member, device)
    response = client.post(reverse("accounts:sign_out"), follow=True, HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:sign_in"))
    assert re.search(
        r'<p class="message message--success">(<svg[^>]*>.*?</svg>)?<span>'
        + re.escape(expected)
        + "</span></p>",
        page,
    )
    assert "_auth_user_id" not in client.session


# A pending reset request ----------------------------------------------------------------------


@pytest.fixture
def pending(client, member, device, clock):
    """A browser past the password step, owing a code."""
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    return client


def open_request(member, at=MORNING) -> ResetRequest:
    request = ResetRequest.objects.create(user=member, team=member.team)
    ResetRequest.objects.filter(pk=request.pk).update(created_at=at)
    return request


def test_lost_phone_offers_to_ask_the_managers(pending, manager):
    page = pending.get(LOST_PHONE).content.decode()
    assert "Ask my Managers for a reset" in page and "pending" not in page


def test_lost_phone_says_an_open_request_is_pending_since_when(pending, member, manager):
    open_request(member)
    page = pending.get(LOST_PHONE).content.decode()
    assert "Ask my Managers for a reset" not in page
    assert (
        "You asked for a reset on Nov. 29, 2026, 8:17 a.m.; it is pending and the Managers of "
        "your team have been told." in page
    )


def test_lost_phone_of_a_team_without_managers_names_the_administrators(pending, member):
    open_request(member)
    page = pending.get(LOST_PHONE).content.decode()
    assert "it is pending and the platform administrators have been told." in page


def test_lost_phone_ignores_a_closed_request(pending, member, manager):
    request = open_request(member)
    ResetRequest.objects.filter(pk=request.pk).update(status=ResetRequest.Status.DISMISSED)
    assert "Ask my Managers for a reset" in pending.get(LOST_PHONE).content.decode()


def test_asking_again_says_the_request_is_open(pending, member, manager):
    open_request(member)
    response = pending.post(LOST_PHONE, follow=True)
    assert any("already have an open request" in text for text in messages_of(response))
    assert ResetRequest.objects.filter(user=member).count() == 1


def pending_sentence_on_my_preferences(client, member, device) -> str:
    open_request(member)
    sign_in_verified(client, member, device)
    page = client.get(PREFERENCES).content.decode()
    return page[page.index('id="two-factor-reset-heading"') :]


def test_my_preferences_says_the_managers_were_told_of_a_pending_request(
    client, member, device, manager
):
    section = pending_sentence_on_my_preferences(client, member, device)
    assert "it is pending and the Managers of your team have been told." in section


def test_my_preferences_of_a_team_without_managers_names_the_administrators(client, member, device):
    section = pending_sentence_on_my_preferences(client, member, device)
    assert "it is pending and the platform administrators have been told." in section
    assert "Managers of your team have been told" not in section


# No full stop after a date's own ------------------------------------------------------------


def no_double_full_stop(text: str) -> None:
    assert not re.search(r"\.\s*\.", re.sub(r"<[^>]+>", "", text)), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_lost_phone_puts_no_full_stop_after_the_time(pending, member, manager, language):
    open_request(member)
    page = pending.get(LOST_PHONE, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    [sentence] = re.findall(r'<p class="status">(.*?)</p>', page, re.S)
    assert "8:17" in sentence or "08:17" in sentence
    no_double_full_stop(sentence)


@pytest.mark.parametrize("language", LANGUAGES)
def test_my_preferences_puts_no_full_stop_after_the_time(client, member, device, language):
    member.language = language
    member.save(update_fields=["language"])
    open_request(member)
    sign_in_verified(client, member, device)
    page = client.get(PREFERENCES).content.decode()
    section = page[page.index('id="two-factor-heading"') :]
    [sentence] = re.findall(r'<p class="status">(.*?)</p>', section, re.S)
    assert "8:17" in sentence
    no_double_full_stop(sentence)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_lock_email_puts_no_full_stop_after_the_time(member, device, clock, settings, language):
    settings.TWOFACTOR_THROTTLE_FACTOR = 0
    member.language = language
    member.save(update_fields=["language"])
    clock.move_to(MORNING.replace(hour=7))  # locked for an hour: until 8:17
    wrong = "000000" if code_for(device) != "000000" else "111111"
    for _ in range(app_settings.lock_after_failures()):
        codes.verify_sign_in_code(user=member, code=wrong, request_meta=RequestMeta())
    [message] = mail.outbox
    assert "8:17" in message.body
    no_double_full_stop(message.body)
    no_double_full_stop(message.alternatives[0][0])


# My Preferences: the reset in a section of its own ------------------------------------------


def test_a_managers_reset_has_its_own_section_that_says_what_it_does(
    client, manager, manager_device
):
    sign_in_verified(client, manager, manager_device)
    page = client.get(PREFERENCES).content.decode()
    section = page[page.index('id="two-factor-reset-heading"') :]
    section = section[: section.index("</section>")]
    assert "A reset removes your authenticators" in section
    link = re.search(r'<a class="([^"]*)" href="/2fa/reset/"[^>]*>(.*?)</a>', section, re.S)
    assert link is not None and "button--danger" not in link.group(1)
    assert re.sub(r"<[^>]+>", "", link.group(2)).strip() == "Reset"


def test_a_members_request_for_a_reset_has_the_same_section(client, member, device):
    sign_in_verified(client, member, device)
    page = client.get(PREFERENCES).content.decode()
    section = page[page.index('id="two-factor-reset-heading"') :]
    assert "Request a reset" in section[: section.index("</section>")]


def test_a_manager_without_two_factor_is_offered_no_reset(client, manager):
    client.force_login(manager)
    session = client.session
    session.save()
    page = client.get(PREFERENCES, follow=True).content.decode()
    assert 'href="/2fa/reset/"' not in page
