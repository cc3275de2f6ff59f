"""My Preferences and the recovery codes: a warning with few or none left, and a one-time
request to create them for people whose 2FA was on before recovery codes existed."""

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from tests.conftest import recent, sign_in_verified, stepped_up
from twofactor.models import Activity, RecoveryCode, RecoveryCodes, RecoveryCodesPromptDismissal
from twofactor.services.activity import RequestMeta
from twofactor.services.codes import verify_recovery_code
from twofactor.services.recovery_codes import create_recovery_codes
from twofactor.views.preferences import two_factor_section

PREFERENCES = reverse("accounts:preferences")
GENERATE = reverse("twofactor:generate_recovery_codes")
NOT_NOW = reverse("twofactor:dismiss_recovery_codes_prompt")
MANAGE = reverse("twofactor:manage")
CREATE_PROMPT = "Create recovery codes"


def use_codes(user, codes, number):
    for code in codes[:number]:
        assert verify_recovery_code(user=user, code=code, request_meta=RequestMeta()).accepted


def form_posting_to(page: str, url: str) -> bool:
    return f'method="post" action="{url}"' in page


@pytest.fixture
def alice(client, member, member_device):
    """Alice's browser, signed in with a code; her 2FA is on."""
    return sign_in_verified(client, member, member_device)


@pytest.mark.parametrize(
    ("used", "says"),
    [
        (7, "Only 3 recovery codes left."),
        (8, "Only 2 recovery codes left."),
        (9, "Only 1 recovery code left."),
    ],
)
def test_preferences_says_how_few_codes_are_left_and_offers_new_ones(
    alice, member, clock, used, says
):
    use_codes(member, create_recovery_codes(user=member, request_meta=RequestMeta()), used)
    page = alice.get(PREFERENCES).content.decode()
    assert says in page
    assert form_posting_to(page, GENERATE) and "Generate new codes" in page
    assert CREATE_PROMPT not in page


def test_preferences_says_nothing_of_codes_while_more_than_three_are_left(alice, member, clock):
    use_codes(member, create_recovery_codes(user=member, request_meta=RequestMeta()), 6)
    page = alice.get(PREFERENCES).content.decode()
    assert "recovery code" not in page.lower()
    assert not form_posting_to(page, GENERATE)


def test_preferences_says_when_no_codes_are_left(alice, member, clock):
    use_codes(member, create_recovery_codes(user=member, request_meta=RequestMeta()), 10)
    page = alice.get(PREFERENCES).content.decode()
    assert "You have no recovery codes left." in page
    assert "Only 0" not in page
    assert form_posting_to(page, GENERATE) and "Generate new codes" in page


@pytest.mark.parametrize(("header", "language"), [("pt-BR", "pt-br"), ("es", "es")])
def test_preferences_says_how_few_are_left_in_portuguese_and_spanish(
    alice, member, clock, header, language
):
    use_codes(member, create_recovery_codes(user=member, request_meta=RequestMeta()), 8)
    page = alice.get(PREFERENCES, headers={"accept-language": header}).content.decode()
    with translation.override(language):
        few = translation.ngettext(
            "Only %(counter)s recovery code left.", "Only %(counter)s recovery codes left.", 2
        ) % {"counter": 2}
        generate = translation.gettext("Generate new codes")
    assert "recovery codes left" not in few and few in page
    assert generate != "Generate new codes" and generate in page


# People whose 2FA was on before recovery codes existed -----------------------------------------


def test_preferences_asks_someone_with_2fa_and_no_codes_to_create_them(alice):
    page = alice.get(PREFERENCES).content.decode()
    assert CREATE_PROMPT in page and form_posting_to(page, GENERATE)
    assert form_posting_to(page, NOT_NOW) and "Not now" in page


def test_preferences_does_not_ask_someone_who_has_codes(alice, member):
    create_recovery_codes(user=member, request_meta=RequestMeta())
    page = alice.get(PREFERENCES).content.decode()
    assert CREATE_PROMPT not in page and not form_posting_to(page, NOT_NOW)


def test_not_now_stops_the_request_for_good(alice, client, member, member_device):
    response = alice.post(NOT_NOW)
    assert response.status_code == 302 and response.url == PREFERENCES
    page = alice.get(PREFERENCES).content.decode()
    assert CREATE_PROMPT not in page
    assert "You can create recovery codes at any time in Manage Access." in page  # the message
    # Not a mark of this session: a later sign-in is not asked again either.
    alice.logout()
    page = sign_in_verified(client, member, member_device).get(PREFERENCES).content.decode()
    assert CREATE_PROMPT not in page
    assert RecoveryCodes.objects.filter(user=member).count() == 0  # nothing else changed


def test_not_now_twice_keeps_one_mark(alice, member):
    alice.post(NOT_NOW)
    alice.post(NOT_NOW)
    assert RecoveryCodesPromptDismissal.objects.filter(user=member).count() == 1


def test_not_now_of_one_person_leaves_the_others_asked(alice, member, manager, manager_device):
    alice.post(NOT_NOW)
    marta = sign_in_verified(Client(), manager, manager_device)
    assert CREATE_PROMPT in marta.get(PREFERENCES).content.decode()


def test_not_now_needs_a_post_and_a_signed_in_person(alice, member):
    assert alice.get(NOT_NOW).status_code == 405
    anonymous = Client().post(NOT_NOW)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("accounts:sign_in"))
    assert not RecoveryCodesPromptDismissal.objects.exists()


def test_create_recovery_codes_from_preferences_shows_them_and_returns_there(alice, member):
    recent(alice)
    stepped_up(alice)
    response = alice.post(GENERATE, {"next": PREFERENCES})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert response.context["continue_url"] == PREFERENCES
    assert Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODES_CREATED).count() == 1
    assert CREATE_PROMPT not in alice.get(PREFERENCES).content.decode()


def test_create_recovery_codes_needs_the_step_up(alice, member):
    response = alice.post(GENERATE, {"next": PREFERENCES})
    assert response.status_code == 302 and response.url.startswith(
        reverse("accounts:confirm_password")
    )
    assert not RecoveryCodes.objects.filter(user=member).exists()


def test_the_codes_page_does_not_continue_to_another_site(alice):
    recent(alice)
    stepped_up(alice)
    response = alice.post(GENERATE, {"next": "https://evil.example/"})
    assert response.context["continue_url"] == MANAGE


# 2FA off: the section says nothing of recovery codes -------------------------------------------


def section_page(user) -> str:
    """The 2FA section as My Preferences renders it for ``user`` (someone with 2FA off never
    reaches My Preferences: setup comes first)."""
    request = RequestFactory().get(PREFERENCES)
    request.user = user
    section = two_factor_section(request)
    return render_to_string(
        section.template_name, {"section": section.context, "user": user}, request=request
    )


def test_section_says_nothing_of_codes_with_2fa_off(member, add_authenticator):
    add_authenticator(member, confirmed=False)  # a setup under way is not 2FA on
    assert "recovery code" not in section_page(member).lower()  # no set: not asked
    create_recovery_codes(user=member, request_meta=RequestMeta())
    RecoveryCode.objects.filter(
        pk__in=list(
            RecoveryCode.objects.filter(recovery_codes__user=member).values_list("pk", flat=True)[
                :9
            ]
        )
    ).update(used_at=timezone.now())
    assert "recovery code" not in section_page(member).lower()  # one left: not warned


def test_section_asks_for_codes_with_2fa_on(member, member_device):
    assert CREATE_PROMPT in section_page(member)
