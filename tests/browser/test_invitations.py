"""A Manager invites an address; the invitee opens the link from the email, joins, is taken
through the setup wizard (the QR code read from the screen) without a password prompt, and
lands signed in (rule 13)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from team.models import Invitation

from .pages import (
    check,
    code_now,
    decode_qr,
    enter_code,
    follow,
    heading,
    key_from_text,
    save_recovery_codes,
    sign_in_with_code,
    submit,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/team/join/[^/\s]+/)")
PASSWORD = "a long new passphrase 42"


def test_an_invitee_joins_from_the_email_and_sets_up_two_factor(
    open_browser, manager, manager_device
):
    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    heading(marta, "My Team")
    follow(marta, "Invite teammates")
    heading(marta, "Invite teammates")
    marta.get_by_label("Emails").fill("Nora@new.test\nnot-an-address")
    marta.get_by_label("Role").select_option(label="Member")
    submit(marta, "Send invitations")
    expect(marta.get_by_role("alert")).to_contain_text(
        "Line 2: “not-an-address” is not a valid email address."
    )
    assert Invitation.objects.count() == 0
    marta.get_by_label("Emails").fill("Nora@new.test")
    submit(marta, "Send invitations")
    heading(marta, "My Team")
    pending = marta.get_by_role("region", name="Pending invitations")
    row = pending.get_by_role("row").filter(has_text="nora@new.test")
    expect(row).to_contain_text("Member")
    expect(row).to_contain_text("Marta")
    expect(row.get_by_role("button", name="Resend the invitation to nora@new.test")).to_be_visible()

    [invitation_email] = [m for m in mail.outbox if m.to == ["nora@new.test"]]
    link = LINK.search(invitation_email.body).group(1)

    nora = open_browser()
    visit(nora, link)
    assert urlsplit(nora.url).path == "/team/join/"  # the token is out of the address bar
    heading(nora, "Join Acme")
    nora.get_by_label("Full name").fill("Nora Newcomer")
    nora.get_by_label("Password", exact=True).fill("short")
    nora.get_by_label("Password again").fill("short")
    submit(nora, "Join")
    expect(nora.get_by_text("This password is too short.", exact=False)).to_be_visible()
    nora.get_by_label("Password", exact=True).fill(PASSWORD)
    nora.get_by_label("Password again").fill(PASSWORD)
    submit(nora, "Join")

    # Straight into the wizard, past its password step.
    heading(nora, "Install an authenticator app")
    expect(nora.get_by_text("Step 2 of 5")).to_be_visible()
    submit(nora, "Continue")
    heading(nora, "Scan the QR code")
    uri = decode_qr(nora.get_by_role("img", name=re.compile(r"^QR code")).screenshot())
    key = key_from_text(parse_qs(urlsplit(uri).query)["secret"][0])
    submit(nora, "Continue")
    enter_code(nora, code_now(key))
    heading(nora, "Name this device")
    nora.get_by_label("Device name").fill("Nora's phone")
    submit(nora, "Done")
    save_recovery_codes(nora)
    heading(nora, "My Preferences")
    expect(nora.get_by_text(re.compile(r"^On since"))).to_be_visible()
    check(nora)

    person = User.objects.get(email="nora@new.test")
    assert (person.team, person.role) == (manager.team, "member")
    assert person.full_name == "Nora Newcomer"
    assert "Nora Newcomer joined Acme" in [
        m.subject for m in mail.outbox if m.to == [manager.email]
    ]

    visit(nora, link)  # the link worked once
    heading(nora, "This invitation cannot be used")
