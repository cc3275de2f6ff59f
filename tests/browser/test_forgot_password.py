"""A forgotten password, as a person lives it: "Forgot your password?" on the sign-in page,
the link from the email, "Choose a new password", then the sign-in asks for the code as
always."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from twofactor import notifications

from .pages import (
    allow_another_code,
    code_now,
    enter_code,
    follow,
    heading,
    sign_in,
    submit,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a brand new pass phrase"
LINK = re.compile(r"http://[^\s\"<]+/password/reset/[^\s\"<]+/")


def test_a_forgotten_password_is_reset_from_the_email_and_the_code_is_still_asked(
    open_browser, member, add_authenticator
):
    device = add_authenticator(member, name="Alice's phone")
    page = open_browser()
    visit(page, "/sign-in/")
    follow(page, "Forgot your password?", screenshot="forgot-password")
    heading(page, "Forgot your password?")
    page.get_by_label("Email").fill(member.email)
    submit(page, "Send reset link", screenshot="reset-link-sent")
    heading(page, "Check your email")

    [message] = mail.outbox
    link = urlsplit(LINK.search(message.body).group(0)).path
    visit(page, link, screenshot="choose-new-password")
    heading(page, "Choose a new password")
    assert "/password/new/" in page.url and link not in page.url  # the token left the address

    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password again").fill("short")
    submit(page, "Save password", screenshot="choose-new-password-too-short")
    expect(page.get_by_role("alert")).to_contain_text("This password is too short")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    submit(page, "Save password")
    heading(page, "Sign in")
    expect(page.get_by_role("status")).to_contain_text("Your new password is saved")

    sign_in(page, member.email, NEW_PASSWORD)
    heading(page, "Two-factor authentication")
    allow_another_code(device)
    enter_code(page, code_now(device.key))
    heading(page, "My Preferences")

    visit(page, link)  # the link works once
    heading(page, "This link does not work")


def test_this_wasnt_me_secures_the_account_after_one_confirmation(open_browser, member):
    url = urlsplit(notifications.not_me_url(member, "new_browser")).path
    page = open_browser()
    visit(page, url, screenshot="not-me")
    heading(page, "This wasn't me")
    expect(page.get_by_text("New sign-in to your account", exact=False)).to_be_visible()

    submit(page, "Secure my account", screenshot="not-me-done")

    heading(page, "Your account is secured")
    [reset_email] = [m for m in mail.outbox if m.to == [member.email]]
    assert LINK.search(reset_email.body)
    visit(page, url)  # the link works once
    heading(page, "This wasn't me")
    expect(page.get_by_text("You already reported this")).to_be_visible()
