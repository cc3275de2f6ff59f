"""The five-step setup wizard and mandatory setup at sign-in."""

import base64
import html
import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, code_for, sign_in_verified, stepped_up
from tests.twofactor.test_totp import needs_zbarimg, scanned
from twofactor import qr, totp
from twofactor.models import Activity, Authenticator, Passkey
from twofactor.views.setup import AUTHENTICATOR_APPS, WIZARD_KEY, start_setup_with_new_password

SETUP = reverse("twofactor:setup")
APP = reverse("twofactor:setup_app")
SCAN = reverse("twofactor:setup_scan")
VERIFY = reverse("twofactor:setup_verify")
NAME = reverse("twofactor:setup_name")


def sign_in(client, email, password=PASSWORD, next_url=None):
    url = reverse("accounts:sign_in") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password})


def key_groups_on(page: str) -> list[str]:
    """The groups of the key under "Set up manually", each in its own element."""
    code = re.search(r'<code id="setup-key"[^>]*>(.*?)</code>', page, re.S).group(1)
    groups = re.findall(r'<span class="manual__group">([A-Z2-7]+)</span>', code)
    assert re.sub(r"<[^>]+>", "", code) == " ".join(groups)  # nothing else in the key
    return groups


def key_from_page(page: str) -> bytes:
    """The key as a person copies it from "Set up manually"."""
    base32 = "".join(key_groups_on(page))
    return base64.b32decode(base32 + "=" * (-len(base32) % 8))


def go_to_scan(client):
    client.post(SETUP, {"password": PASSWORD})
    client.post(APP)
    return client.get(SCAN)


def every_step(client) -> list:
    """The five steps of a first setup, each as it is first shown (the password step opened
    afresh, a code typed at the fourth)."""
    pages = [client.get(SETUP)]
    client.post(SETUP, {"password": PASSWORD})
    pages.append(client.get(APP))
    client.post(APP)
    pages.append(client.get(SCAN))
    key = key_from_page(pages[-1].content.decode())
    client.post(SCAN)
    pages.append(client.get(VERIFY))
    client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    pages.append(client.get(NAME))
    assert [page.status_code for page in pages] == [200] * 5
    return pages


@pytest.fixture
def wizard_client(client, member, clock):
    sign_in(client, member.email)
    return client


def test_new_user_is_forced_through_setup_and_lands_where_they_wanted(client, member, clock):
    response = sign_in(client, member.email, next_url="/preferences/?tab=security")
    assert response.url.startswith(SETUP)
    # Every page but setup sends them back to the wizard.
    assert client.get(reverse("accounts:preferences")).url.startswith(SETUP)

    page = client.get(response.url).content.decode()
    assert 'name="password"' in page and "Continue" in page
    assert client.post(SETUP, {"password": PASSWORD}).url == APP
    page = client.get(APP).content.decode()
    for text in ("Google Authenticator", "Microsoft Authenticator", "Google Play", "App Store"):
        assert text in page
    assert client.post(APP).url == SCAN
    scan = client.get(SCAN)
    page = scan.content.decode()
    assert 'alt="QR code' in page and "Set up manually" in page
    key = key_from_page(page)
    assert len(key) == 20
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()

    assert client.post(SCAN).url == VERIFY
    clock.shift(20)
    response = client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    assert response.url == NAME
    device = Authenticator.objects.get(user=member)
    assert device.confirmed
    response = client.post(NAME, {"name": "  My   personal phone "})
    # The first setup ends on its recovery codes, which go on where the person was going.
    assert response.status_code == 200
    assert response.context["continue_url"] == "/preferences/?tab=security"
    device.refresh_from_db()
    assert device.name == "My personal phone"
    assert client.get("/preferences/?tab=security").status_code == 200
    assert WIZARD_KEY not in client.session
    kinds = set(Activity.objects.filter(subject=member).values_list("kind", flat=True))
    assert {Activity.Kind.TWO_FACTOR_ENABLED, Activity.Kind.AUTHENTICATOR_ADDED} <= kinds
    assert Activity.Kind.BROWSER_TRUSTED in kinds


def test_qr_code_holds_the_same_key_as_the_manual_entry(wizard_client, member):
    page = go_to_scan(wizard_client).content.decode()
    uri = "otpauth://totp/AxurOne:alice@acme.test"
    device = Authenticator.objects.get(user=member)
    expected = totp.provisioning_uri(device.key, member.email)
    assert expected.startswith(uri)
    assert key_from_page(page) == device.key
    params = parse_qs(urlparse(expected).query)
    assert params["issuer"] == ["AxurOne"]
    assert unquote(urlparse(expected).path) == "/AxurOne:alice@acme.test"


def test_wrong_password_at_step_one_keeps_the_user_there(wizard_client):
    response = wizard_client.post(SETUP, {"password": "not mine"})
    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert wizard_client.get(APP).url == SETUP


@pytest.mark.parametrize("step", [APP, SCAN, VERIFY, NAME])
def test_later_steps_cannot_be_reached_before_the_password(wizard_client, member, step):
    assert wizard_client.get(step).status_code == 302
    response = wizard_client.post(step, {"code": "123456", "name": "x"})
    assert response.status_code == 302
    assert response.url == SETUP
    assert not Authenticator.objects.filter(user=member).exists()


def test_code_step_cannot_be_posted_before_the_key_is_shown(wizard_client, member):
    wizard_client.post(SETUP, {"password": PASSWORD})
    wizard_client.post(APP)
    response = wizard_client.post(VERIFY, {"code": "123456"})
    assert response.url == SCAN
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_naming_step_cannot_be_reached_before_a_correct_code(wizard_client, member):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    response = wizard_client.post(NAME, {"name": "Sneaky"})
    assert response.url == VERIFY
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


@pytest.mark.parametrize(
    "bad_code, message",
    [
        ("12345", "Enter the 6-digit code"),
        ("1234567", "Enter the 6-digit code"),
        ("abcdef", "Enter the 6-digit code"),
        ("9" * 500, "Enter the 6-digit code"),
        ("", "This field is required."),
    ],
    ids=["short", "long", "letters", "oversized", "empty"],
)
def test_malformed_codes_get_a_clear_message(wizard_client, member, bad_code, message):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    response = wizard_client.post(VERIFY, {"code": bad_code})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_wrong_code_reminds_about_the_phone_clock(wizard_client, member):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    device = Authenticator.objects.get(user=member)
    wrong = code_for(device, offset_steps=5)
    response = wizard_client.post(VERIFY, {"code": wrong})
    assert "That code is not correct" in response.content.decode()
    assert "sets its date and time automatically" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_code_with_a_space_is_accepted(wizard_client, member, clock):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    code = code_for(Authenticator.objects.get(user=member))
    assert wizard_client.post(VERIFY, {"code": f"{code[:3]} {code[3:]}"}).url == NAME


def test_code_of_another_users_key_is_refused(wizard_client, member, manager, add_authenticator):
    other = add_authenticator(manager)
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    response = wizard_client.post(VERIFY, {"code": code_for(other)})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def qr_from_page(page: str) -> str:
    """The QR code's image as the page embeds it (a data: URI)."""
    return re.search(r'<img[^>]* src="(data:image/png;base64,[^"]+)"', page).group(1)


def test_reloading_the_qr_step_keeps_the_same_key_and_image(wizard_client, member):
    first = go_to_scan(wizard_client).content.decode()
    second = wizard_client.get(SCAN).content.decode()
    assert key_from_page(first) == key_from_page(second)
    assert Authenticator.objects.filter(user=member).count() == 1
    device = Authenticator.objects.get(user=member)
    image = qr.qr_png_data_uri(totp.provisioning_uri(device.key, member.email))
    assert qr_from_page(first) == qr_from_page(second) == image


def test_a_reload_of_the_qr_step_encodes_the_image_again(wizard_client, monkeypatch):
    """The image holds the key: nothing keeps it from one request to the next."""
    encoded = []
    encode = qr.png_of_matrix
    monkeypatch.setattr(qr, "png_of_matrix", lambda *a, **kw: encoded.append(a) or encode(*a, **kw))
    go_to_scan(wizard_client)
    wizard_client.get(SCAN)
    assert len(encoded) == 2


@needs_zbarimg
def test_the_qr_code_of_a_reload_scans_to_the_key_shown(wizard_client, member, tmp_path):
    go_to_scan(wizard_client)
    page = wizard_client.get(SCAN).content.decode()
    uri = totp.provisioning_uri(key_from_page(page), member.email)
    assert scanned(qr_from_page(page), tmp_path) == uri


def test_restarting_the_wizard_discards_the_abandoned_key(wizard_client, member):
    first = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.get(SETUP)
    second = key_from_page(go_to_scan(wizard_client).content.decode())
    assert first != second
    assert Authenticator.objects.filter(user=member).count() == 1
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_an_abandoned_wizard_leaves_no_active_device_and_still_forces_setup(client, member, clock):
    sign_in(client, member.email)
    go_to_scan(client)
    client.post(reverse("accounts:sign_out"))
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()
    response = sign_in(client, member.email)
    assert response.url.startswith(SETUP)


def test_steps_after_the_password_need_it_to_be_recent(wizard_client, member, clock):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    clock.shift(11 * 60)
    response = wizard_client.post(VERIFY, {"code": "123456"})
    assert response.url == SETUP
    assert wizard_client.get(SCAN).url == SETUP


def test_key_is_never_shown_again_after_the_code_step(wizard_client, member):
    page = go_to_scan(wizard_client).content.decode()
    key = key_from_page(page)
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    base32 = totp.key_to_base32(key)
    grouped = totp.group_for_reading(base32)
    for url in (SCAN, VERIFY, SETUP, APP):
        response = wizard_client.get(url, follow=True)
        body = response.content.decode()
        assert base32 not in body and grouped not in body
        assert "manual__group" not in body and "otpauth:" not in body
    wizard_client.post(NAME, {"name": "Phone"})
    for url in (SCAN, reverse("accounts:preferences")):
        body = wizard_client.get(url, follow=True).content.decode()
        assert base32 not in body and grouped not in body


def test_no_step_of_the_wizard_is_cached(wizard_client, member):
    """Every step, the app and naming steps too: each carries the wizard's session state, and
    the scan step shows the key."""
    pages = every_step(wizard_client)
    assert all("no-store" in page["Cache-Control"] for page in pages)


def test_empty_device_name_is_refused(wizard_client, member):
    key = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    response = wizard_client.post(NAME, {"name": "   "})
    assert response.status_code == 200
    assert "Give the device a name" in response.content.decode()
    response = wizard_client.post(NAME, {"name": "x" * 65})
    assert "at most 64 characters" in response.content.decode()


def test_setup_code_form_has_the_mobile_input_hints(wizard_client):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    page = wizard_client.get(VERIFY).content.decode()
    assert 'inputmode="numeric"' in page
    assert 'autocomplete="one-time-code"' in page
    assert "Authenticate" in page
    # The button is enabled in the HTML, so the form works without JavaScript.
    button = re.search(r"<button[^>]*data-code-submit[^>]*>", page).group(0)
    assert "disabled" not in button


def test_naming_at_the_end_of_setup_is_recorded_as_named_and_a_later_rename_as_renamed(
    wizard_client, member
):
    key = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})

    wizard_client.post(NAME, {"name": "My personal phone"})

    device = Authenticator.objects.get(user=member)
    named = Activity.objects.filter(subject=member, kind=Activity.Kind.AUTHENTICATOR_NAMED)
    assert [record.detail["authenticator"] for record in named] == ["My personal phone"]
    assert not Activity.objects.filter(kind=Activity.Kind.AUTHENTICATOR_RENAMED).exists()

    # Renamed later, from Manage Access.
    wizard_client.post(reverse("twofactor:rename_authenticator", args=[device.pk]), {"name": "Old"})

    renamed = Activity.objects.get(subject=member, kind=Activity.Kind.AUTHENTICATOR_RENAMED)
    assert renamed.detail == {"authenticator": "Old", "previous": "My personal phone"}
    assert named.count() == 1


# Moving back, the progress bar, the apps and the QR step's helpers -----------------------------


def back_link(page: str) -> str | None:
    """Where the step's "Back" goes, if it has one."""
    found = re.search(r'<a class="button" href="([^"]+)">[^<]*<svg[^>]*>.*?</svg>Back</a>', page)
    return html.unescape(found.group(1)) if found else None


def progress(page: str) -> list[tuple[str, str]]:
    """The progress bar as a screen reader reads it: each step's words, and "current" for the
    one marked aria-current="step"."""
    steps = re.search(r'<ol class="wizard-progress__steps"[^>]*>(.*?)</ol>', page, re.S).group(1)
    return [
        (re.sub(r"<[^>]+>", "", item).strip(), "current" if 'aria-current="step"' in attrs else "")
        for attrs, item in re.findall(r"<li([^>]*)>(.*?)</li>", steps, re.S)
    ]


def test_back_from_the_qr_step_keeps_the_pending_key_and_its_image(wizard_client, member):
    scan = go_to_scan(wizard_client).content.decode()
    assert back_link(scan) == APP

    step_two = wizard_client.get(APP)
    assert step_two.status_code == 200
    assert wizard_client.post(APP).url == SCAN
    again = wizard_client.get(SCAN).content.decode()

    assert key_from_page(again) == key_from_page(scan)
    assert qr_from_page(again) == qr_from_page(scan)
    assert Authenticator.objects.filter(user=member).count() == 1
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_back_from_the_app_step_to_the_password_keeps_the_pending_key(wizard_client, member):
    scan = go_to_scan(wizard_client).content.decode()
    wizard_client.get(APP)
    back = back_link(wizard_client.get(APP).content.decode())
    assert back == f"{SETUP}?back"

    page = wizard_client.get(back)
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    again = go_to_scan(wizard_client).content.decode()

    assert key_from_page(again) == key_from_page(scan)
    assert Authenticator.objects.filter(user=member).count() == 1


def test_back_still_asks_for_the_password_and_keeps_where_the_wizard_leads(wizard_client):
    wizard_client.get(f"{SETUP}?next=/preferences/?tab=security")
    wizard_client.post(SETUP, {"password": PASSWORD})
    wizard_client.get(f"{SETUP}?back")
    response = wizard_client.post(SETUP, {"password": "not mine"})
    assert "That is not your password" in response.content.decode()
    assert wizard_client.session[WIZARD_KEY]["next"] == "/preferences/?tab=security"


def test_back_once_the_password_is_no_longer_recent_starts_afresh_with_a_new_key(
    wizard_client, member, clock
):
    """Back keeps the pending key only while the password that led to it is recent: later, as
    on every other step, the wizard starts again and the key shown long ago is dropped."""
    scan = go_to_scan(wizard_client).content.decode()
    clock.shift(11 * 60)

    wizard_client.get(f"{SETUP}?back")
    assert wizard_client.session[WIZARD_KEY]["step"] == 1
    again = go_to_scan(wizard_client).content.decode()

    assert key_from_page(again) != key_from_page(scan)
    assert Authenticator.objects.filter(user=member).count() == 1


def test_back_without_a_wizard_under_way_starts_one(wizard_client):
    response = wizard_client.get(f"{SETUP}?back")
    assert response.status_code == 200
    assert wizard_client.session[WIZARD_KEY]["step"] == 1


def test_a_wizard_entered_past_its_password_has_no_back_on_its_first_step(
    client, member, rf, clock
):
    """Joining through an invitation: the password just chosen is the step before."""
    client.force_login(member)
    request = rf.get("/")
    request.user, request.session = member, client.session
    start_setup_with_new_password(request, next_url="/preferences/")
    request.session.save()

    page = client.get(APP).content.decode()
    assert "Install an authenticator app" in page
    assert back_link(page) is None
    assert progress(page)[0] == ("Password (done)", "")
    client.post(APP)
    assert back_link(client.get(SCAN).content.decode()) == APP

    # Once the password has to be typed again, the password step comes back, and Back with it.
    clock.shift(11 * 60)
    assert client.get(APP).url == SETUP
    client.post(SETUP, {"password": PASSWORD})
    assert back_link(client.get(APP).content.decode()) == f"{SETUP}?back"


def test_the_progress_bar_names_every_step_marks_the_current_one_and_those_done(
    wizard_client, clock
):
    names = ["Password", "Install app", "Scan", "Enter code", "Name"]
    pages = every_step(wizard_client)

    for number, response in enumerate(pages, start=1):
        page = response.content.decode()
        assert f"Step {number} of 5" in page
        expected = [
            (f"{name} (done)", "") if position < number else (name, "")
            for position, name in enumerate(names, start=1)
        ]
        expected[number - 1] = (names[number - 1], "current")
        assert progress(page) == expected, number


def test_the_progress_bar_speaks_the_persons_language(wizard_client):
    page = wizard_client.get(SETUP, HTTP_ACCEPT_LANGUAGE="pt-BR").content.decode()
    assert [words for words, _ in progress(page)] == [
        "Senha",
        "Instalar app",
        "Escanear",
        "Digitar código",
        "Nome",
    ]


@pytest.fixture
def adding_client(client, member, add_authenticator, clock):
    """A person with an authenticator app, adding another from Manage Access."""
    sign_in_verified(client, member, add_authenticator(member, name="Old phone"))
    stepped_up(client)
    client.get(f"{SETUP}?next={reverse('twofactor:manage')}")
    return client


def test_a_person_with_an_app_already_is_only_asked_to_open_it(adding_client, member, clock):
    adding_client.post(SETUP, {"password": PASSWORD})
    page = adding_client.get(APP).content.decode()

    assert "Open your authenticator app and add a new entry." in page
    assert "install one of these free apps" not in page
    # The apps stay at hand, folded, for a new phone that has none.
    assert "<details" in page and "Google Authenticator" in page
    assert [words for words, _ in progress(page)][:2] == ["Password (done)", "Open app"]
    assert "Step 2 of 5" in page

    adding_client.post(APP)
    key = key_from_page(adding_client.get(SCAN).content.decode())
    adding_client.post(SCAN)
    adding_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    page = adding_client.get(NAME).content.decode()
    assert progress(page)[1] == ("Open app (done)", "")
    assert adding_client.post(NAME, {"name": "New phone"}).url == reverse("twofactor:manage")
    assert Authenticator.objects.filter(user=member, confirmed=True).count() == 2


def test_the_first_setup_keeps_calling_the_app_step_install_to_the_end(wizard_client, clock):
    key = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    # The authenticator is on now; the wizard still tells the steps as they were.
    assert progress(wizard_client.get(NAME).content.decode())[1] == ("Install app (done)", "")


def test_a_person_with_a_passkey_only_is_shown_the_apps_to_install(client, member, clock):
    passkey = Passkey.objects.create(
        user=member,
        name="Key",
        confirmed=True,
        credential_id=b"key",
        credential_id_sha256="0" * 64,
        public_key=b"",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    sign_in_verified(client, member, passkey)
    stepped_up(client)
    client.get(SETUP)
    client.post(SETUP, {"password": PASSWORD})
    page = client.get(APP).content.decode()
    assert "Install an authenticator app" in page and "Open app" not in page


def test_the_app_step_shows_each_app_with_its_icon_and_store_badges(wizard_client):
    wizard_client.post(SETUP, {"password": PASSWORD})
    page = wizard_client.get(APP).content.decode()
    for app in AUTHENTICATOR_APPS:
        item = re.search(
            rf'<li class="apps__item">(?:(?!</li>).)*?{app["name"]}(?:(?!</li>).)*</li>', page, re.S
        ).group(0)
        assert f'src="/static/{app["icon"]}"' in item
        assert f'href="{app["google_play"]}"' in item and f'href="{app["app_store"]}"' in item
        assert "Get it on" in item and "Google Play" in item
        assert "Download on the" in item and "App Store" in item


def test_every_image_of_the_wizard_is_the_portals_own(wizard_client, clock):
    """No image is fetched from elsewhere: each is a file of the portal or a data: URI."""
    pages = every_step(wizard_client)
    sources = [
        src
        for page in pages
        for src in re.findall(r'<img[^>]* src="([^"]*)"', page.content.decode())
    ]
    assert len(sources) > len(pages)  # the logo on each, the apps and the QR code
    assert all(re.match(r"(/(?!/)|data:image/)", src) for src in sources), sources


def test_open_in_app_links_to_the_provisioning_uri(wizard_client, member):
    page = go_to_scan(wizard_client).content.decode()
    href = re.search(r'<a class="button" href="(otpauth://[^"]+)">', page).group(1)
    uri = html.unescape(href)
    device = Authenticator.objects.get(user=member, confirmed=False)
    assert uri == totp.provisioning_uri(device.key, member.email)
    parts = urlparse(uri)
    assert unquote(parts.path) == f"/AxurOne:{member.email}"
    assert parse_qs(parts.query)["issuer"] == ["AxurOne"]
    assert "Open in authenticator app" in page


def test_the_key_is_in_groups_of_four_each_kept_whole(wizard_client, member):
    page = go_to_scan(wizard_client).content.decode()
    groups = key_groups_on(page)
    assert [len(group) for group in groups] == [4] * 8
    device = Authenticator.objects.get(user=member, confirmed=False)
    assert "".join(groups) == totp.key_to_base32(device.key)


def test_copy_key_starts_hidden_for_its_script_to_show(wizard_client):
    page = go_to_scan(wizard_client).content.decode()
    button = re.search(r"<button[^>]*data-copy-target[^>]*>", page).group(0)
    assert " hidden" in button and 'data-copy-target="setup-key"' in button
    assert 'data-copy-as="key"' in button
    assert 'id="setup-key-status"' in page and 'aria-live="polite"' in page
    assert '<script src="/static/js/copy.js" defer></script>' in page
