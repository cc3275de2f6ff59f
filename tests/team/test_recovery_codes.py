"""My Team and recovery codes: Managers see whether each teammate has codes left, can list
those without, and see how many a teammate has left; never a code, never another team."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from twofactor import recovery
from twofactor.models import RecoveryCode
from twofactor.services.activity import RequestMeta
from twofactor.services.recovery_codes import create_recovery_codes

MEMBERS = reverse("team:members")
META = RequestMeta(ip_address="198.51.100.7", user_agent="Firefox")


def give_codes(person, *, used=0) -> list[str]:
    """A new set of recovery codes for ``person``, ``used`` of them used already."""
    codes = create_recovery_codes(user=person, request_meta=META)
    unused = RecoveryCode.objects.filter(recovery_codes__user=person, used_at__isnull=True)
    RecoveryCode.objects.filter(pk__in=list(unused.values_list("pk", flat=True)[:used])).update(
        used_at=timezone.now()
    )
    return codes


def row_of(page: str, email: str) -> str:
    """The table row of ``email`` in a My Team page."""
    start = page.index(f'<span class="person__email">{email}</span></td>')
    return page[start : page.index("</tr>", start)]


def listed(page: str) -> set[str]:
    return {email for email in EMAILS if f'<span class="person__email">{email}</span></td>' in page}


EMAILS = ["marta@acme.test", "alice@acme.test", "bob@acme.test", "carol@acme.test"]


@pytest.fixture
def team_with_codes(manager, member, member_device, make_user, acme, add_authenticator):
    """Alice with all ten codes, Bob with his codes all used, Carol (2FA on) who never had
    any; Marta, the Manager, has none either."""
    give_codes(member)
    bob = make_user("bob@acme.test", team=acme, full_name="Bob")
    add_authenticator(bob)
    give_codes(bob, used=recovery.COUNT)
    carol = make_user("carol@acme.test", team=acme, full_name="Carol")
    add_authenticator(carol)
    return {"alice": member, "bob": bob, "carol": carol}


# The list ----------------------------------------------------------------------------------------


def test_the_list_says_whether_each_teammate_has_recovery_codes_left(
    manager_client, team_with_codes
):
    page = manager_client.get(MEMBERS).content.decode()
    assert 'data-label="Recovery codes">Yes<' in row_of(page, "alice@acme.test")
    for email in ("bob@acme.test", "carol@acme.test", "marta@acme.test"):
        assert 'status-tag--no-codes">None</span>' in row_of(page, email), email
        assert 'data-label="Recovery codes">Yes<' not in row_of(page, email), email


def test_one_code_left_is_codes_left(manager_client, team_with_codes):
    give_codes(team_with_codes["bob"], used=recovery.COUNT - 1)
    page = manager_client.get(MEMBERS).content.decode()
    assert 'data-label="Recovery codes">Yes<' in row_of(page, "bob@acme.test")


def test_the_list_shows_no_code_nor_digest(manager_client, team_with_codes):
    codes = give_codes(team_with_codes["alice"])
    page = manager_client.get(MEMBERS).content.decode()
    for code in codes:
        canonical = recovery.normalize(code)
        assert code not in page and canonical not in page
        assert recovery.digest(canonical) not in page


def test_filter_no_recovery_codes_lists_only_teammates_without_codes_left(
    manager_client, team_with_codes
):
    page = manager_client.get(MEMBERS + "?recovery_codes=none").content.decode()
    assert listed(page) == {"marta@acme.test", "bob@acme.test", "carol@acme.test"}
    page = manager_client.get(MEMBERS + "?recovery_codes=left").content.decode()
    assert listed(page) == {"alice@acme.test"}
    page = manager_client.get(MEMBERS).content.decode()
    assert listed(page) == set(EMAILS)


def test_filter_no_recovery_codes_goes_with_the_status_and_the_search(
    manager_client, team_with_codes
):
    page = manager_client.get(MEMBERS + "?recovery_codes=none&q=bob").content.decode()
    assert listed(page) == {"bob@acme.test"}
    page = manager_client.get(MEMBERS + "?recovery_codes=none&status=off").content.decode()
    assert "Nobody in the team matches this search." in page


def test_the_pages_count_the_teammates_the_recovery_codes_filter_matches(
    manager_client, acme, make_user
):
    people = [make_user(f"p{n:02}@acme.test", team=acme, full_name=f"P {n:02}") for n in range(55)]
    for person in people[:52]:
        give_codes(person)
    page = manager_client.get(MEMBERS + "?recovery_codes=left").content.decode()
    assert "Page 1 of 2" in page and page.count("@acme.test</span></td>") == 50
    page = manager_client.get(MEMBERS + "?recovery_codes=none").content.decode()
    assert "Page 1 of" not in page and page.count("@acme.test</span></td>") == 4  # 3 and Marta


def test_the_filter_is_offered_with_a_no_recovery_codes_option(manager_client, team_with_codes):
    page = manager_client.get(MEMBERS).content.decode()
    assert 'name="recovery_codes"' in page
    assert '<option value="none">No recovery codes</option>' in page


def test_a_bogus_recovery_codes_filter_is_a_clear_message(manager_client, team_with_codes):
    response = manager_client.get(MEMBERS + "?recovery_codes=bogus")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("choice", ["", "none", "left"])
def test_another_teams_people_are_never_listed_whatever_their_codes(
    manager_client, team_with_codes, outsider, make_user, globex, add_authenticator, choice
):
    give_codes(outsider)
    dora = make_user("dora@globex.test", team=globex, full_name="Dora")
    add_authenticator(dora)
    page = manager_client.get(MEMBERS + f"?recovery_codes={choice}").content.decode()
    assert "@globex.test" not in page
    page = manager_client.get(MEMBERS + f"?recovery_codes={choice}&q=globex").content.decode()
    assert "@globex.test" not in page and "Nobody in the team matches this search." in page


# The teammate page -------------------------------------------------------------------------------


def detail(client, person) -> str:
    response = client.get(reverse("team:member_detail", args=[person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_teammate_page_says_how_many_codes_are_left_and_never_the_codes(
    manager_client, team_with_codes
):
    alice = team_with_codes["alice"]
    codes = give_codes(alice, used=3)
    page = detail(manager_client, alice)
    assert "7 of 10 recovery codes left" in page
    for code in codes:
        canonical = recovery.normalize(code)
        assert code not in page and canonical not in page
        assert recovery.digest(canonical) not in page


def test_the_teammate_page_says_when_one_code_is_left(manager_client, team_with_codes):
    give_codes(team_with_codes["alice"], used=recovery.COUNT - 1)
    assert "1 of 10 recovery codes left" in detail(manager_client, team_with_codes["alice"])


@pytest.mark.parametrize("who", ["bob", "carol"])
def test_the_teammate_page_says_no_recovery_codes_when_none_is_left(
    manager_client, team_with_codes, who
):
    page = detail(manager_client, team_with_codes[who])
    assert "No recovery codes" in page
    assert "recovery codes left" not in page


def test_the_teammate_page_of_another_teams_person_stays_a_404(manager_client, outsider):
    give_codes(outsider)
    response = manager_client.get(reverse("team:member_detail", args=[outsider.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("header, language", [("pt-BR", "pt-br"), ("es", "es")])
def test_the_recovery_codes_texts_are_translated(manager_client, team_with_codes, header, language):
    give_codes(team_with_codes["alice"], used=3)
    with translation.override(language):
        expected_list = [translation.gettext("No recovery codes"), translation.gettext("Yes")]
        expected_detail = translation.ngettext(
            "%(left)d of %(total)d recovery codes left",
            "%(left)d of %(total)d recovery codes left",
            7,
        ) % {"left": 7, "total": 10}
    assert "No recovery codes" not in expected_list and expected_detail.startswith(
        ("Restam", "Quedan")
    )
    page = manager_client.get(MEMBERS, HTTP_ACCEPT_LANGUAGE=header).content.decode()
    assert all(text in page for text in expected_list)
    page = manager_client.get(
        reverse("team:member_detail", args=[team_with_codes["alice"].pk]),
        HTTP_ACCEPT_LANGUAGE=header,
    ).content.decode()
    assert expected_detail in page
