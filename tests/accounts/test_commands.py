"""The command line for administrators: ``add_member`` (and its service) and ``seed_demo``."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.management.commands.seed_demo import DEMO_PEOPLE
from accounts.models import Team, User
from tests.conftest import PASSWORD

NEW_EMAIL = "nina@initech.test"


@pytest.fixture
def stdin(monkeypatch):
    """Feed ``text`` to the command's standard input."""

    def feed(text):
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    return feed


@pytest.fixture
def typed_passwords(monkeypatch):
    """Answer the interactive prompts with ``answers``, in order; keeps the prompts shown."""
    prompts = []

    def answer(*answers):
        replies = iter(answers)

        def fake_getpass(prompt="Password: ", stream=None):
            prompts.append(prompt)
            return next(replies)

        monkeypatch.setattr("getpass.getpass", fake_getpass)
        return prompts

    return answer


def add_member(*args, password=PASSWORD, stdin):
    """Run ``add_member`` with the password on standard input; return what it printed."""
    stdin(password + "\n")
    out = io.StringIO()
    call_command("add_member", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def assert_nothing_created(users_before, teams_before):
    assert User.objects.count() == users_before
    assert Team.objects.count() == teams_before


# add_member: good paths -------------------------------------------------------------------------


def test_add_member_creates_a_new_team_and_a_member_in_it(db, stdin):
    output = add_member(NEW_EMAIL, "--team", "Initech", stdin=stdin)

    user = User.objects.get(email=NEW_EMAIL)
    assert user.team.name == "Initech"
    assert Team.objects.filter(name="Initech").count() == 1
    assert f"Added {NEW_EMAIL} to team Initech as Member." in output


def test_add_member_joins_an_existing_team_matched_without_regard_to_case(db, acme, stdin):
    add_member(NEW_EMAIL, "--team", "  aCmE ", stdin=stdin)

    assert User.objects.get(email=NEW_EMAIL).team == acme
    assert Team.objects.count() == 1
    assert Team.objects.get().name == "Acme"


def test_add_member_collapses_spaces_in_a_new_team_name(db, stdin):
    add_member(NEW_EMAIL, "--team", "  Initech   Labs ", stdin=stdin)

    assert User.objects.get(email=NEW_EMAIL).team.name == "Initech Labs"


def test_add_member_with_manager_flag_gives_the_manager_role(db, stdin):
    output = add_member(NEW_EMAIL, "--team", "Initech", "--manager", stdin=stdin)

    user = User.objects.get(email=NEW_EMAIL)
    assert user.role == User.Role.MANAGER
    assert user.is_manager
    assert "as Manager." in output


def test_add_member_without_manager_flag_gives_the_member_role(db, stdin):
    add_member(NEW_EMAIL, "--team", "Initech", stdin=stdin)

    user = User.objects.get(email=NEW_EMAIL)
    assert user.role == User.Role.MEMBER
    assert not user.is_manager


def test_add_member_stores_the_full_name_with_spaces_collapsed(db, stdin):
    add_member(NEW_EMAIL, "--team", "Initech", "--name", "  Nina   Nakamura ", stdin=stdin)

    assert User.objects.get(email=NEW_EMAIL).full_name == "Nina Nakamura"


def test_add_member_without_name_leaves_the_full_name_empty(db, stdin):
    add_member(NEW_EMAIL, "--team", "Initech", stdin=stdin)

    assert User.objects.get(email=NEW_EMAIL).full_name == ""


def test_add_member_stores_the_email_in_lower_case(db, stdin):
    add_member("  Nina@Initech.TEST ", "--team", "Initech", stdin=stdin)

    assert User.objects.filter(email=NEW_EMAIL).exists()


def test_password_read_from_stdin_signs_the_new_member_in(db, stdin):
    add_member(NEW_EMAIL, "--team", "Initech", password="  spaced out passphrase ", stdin=stdin)

    user = authenticate(email=NEW_EMAIL, password="  spaced out passphrase ")
    assert user is not None and user.email == NEW_EMAIL
    assert authenticate(email=NEW_EMAIL, password="spaced out passphrase") is None


def test_password_from_stdin_is_only_the_first_line_without_its_line_ending(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\r\nsecond line\n"))
    call_command(
        "add_member", NEW_EMAIL, "--team", "Initech", "--password-stdin", stdout=io.StringIO()
    )

    assert authenticate(email=NEW_EMAIL, password=PASSWORD) is not None


def test_interactive_prompt_with_matching_passwords_creates_the_member(db, typed_passwords):
    prompts = typed_passwords(PASSWORD, PASSWORD)

    call_command("add_member", NEW_EMAIL, "--team", "Initech", stdout=io.StringIO())

    assert len(prompts) == 2
    assert authenticate(email=NEW_EMAIL, password=PASSWORD) is not None


# add_member: bad paths --------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["not-an-email", "nina@", "", "   "])
def test_bad_email_is_refused_clearly_and_creates_nothing(db, stdin, email):
    with pytest.raises(CommandError, match="valid email"):
        add_member(email, "--team", "Initech", stdin=stdin)

    assert_nothing_created(0, 0)


def test_existing_email_is_refused_clearly_even_in_another_case(member, stdin):
    users, teams = User.objects.count(), Team.objects.count()

    with pytest.raises(CommandError, match="alice@acme.test already exists"):
        add_member("ALICE@Acme.test", "--team", "Initech", stdin=stdin)

    assert_nothing_created(users, teams)
    member.refresh_from_db()
    assert member.team.name == "Acme"


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("4815162342", "entirely numeric"),
        ("nina@initech.test", "too similar"),
    ],
    ids=["short", "common", "numeric", "like-the-email"],
)
def test_weak_password_is_refused_and_creates_neither_user_nor_team(db, stdin, password, reason):
    with pytest.raises(CommandError, match=reason):
        add_member(NEW_EMAIL, "--team", "Initech", password=password, stdin=stdin)

    assert_nothing_created(0, 0)


def test_empty_password_from_stdin_is_refused(db, stdin):
    with pytest.raises(CommandError, match="The password is empty."):
        add_member(NEW_EMAIL, "--team", "Initech", password="", stdin=stdin)

    assert_nothing_created(0, 0)


def test_interactive_prompt_with_mismatching_passwords_is_refused(db, typed_passwords):
    typed_passwords(PASSWORD, PASSWORD + "!")

    with pytest.raises(CommandError, match="The two passwords differ."):
        call_command("add_member", NEW_EMAIL, "--team", "Initech", stdout=io.StringIO())

    assert_nothing_created(0, 0)


def test_blank_team_name_is_refused_and_creates_nothing(db, stdin):
    with pytest.raises(CommandError, match="A team needs a name."):
        add_member(NEW_EMAIL, "--team", "   ", stdin=stdin)

    assert_nothing_created(0, 0)


def test_team_is_required(db, stdin):
    stdin(PASSWORD + "\n")
    with pytest.raises(CommandError, match="--team"):
        call_command("add_member", NEW_EMAIL, "--password-stdin")

    assert_nothing_created(0, 0)


# seed_demo --------------------------------------------------------------------------------------


def test_seed_demo_refuses_with_debug_off_and_creates_nothing(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())

    assert_nothing_created(0, 0)


def run_seed_demo():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_creates_acme_and_its_three_people_once(db, settings):
    settings.DEBUG = True

    first = run_seed_demo()
    second = run_seed_demo()

    assert Team.objects.count() == 1
    acme = Team.objects.get(name="Acme")
    people = User.objects.filter(team=acme)
    assert people.count() == 3
    assert sorted(people.values_list("role", flat=True)) == ["manager", "member", "member"]
    assert "3 new account(s)" in first
    assert "0 new account(s)" in second


def test_seed_demo_joins_an_existing_acme_team_whatever_its_case(db, settings):
    settings.DEBUG = True
    existing = Team.objects.create(name="ACME")

    run_seed_demo()

    assert Team.objects.count() == 1
    assert User.objects.filter(team=existing).count() == len(DEMO_PEOPLE)


def test_seed_demo_printed_password_signs_each_demo_person_in(db, settings):
    settings.DEBUG = True

    output = run_seed_demo()

    password = re.search(r"Password: (\S+)", output).group(1)
    for email, _name, role in DEMO_PEOPLE:
        assert email in output
        user = authenticate(email=email, password=password)
        assert user is not None, email
        assert user.role == role
    assert authenticate(email=DEMO_PEOPLE[0][0], password=password + "x") is None
