"""The base layout on every page: its links, forms and language switcher, worked out once per
process (accounts/context_processors.py) and still right when settings change."""

import re

from django.urls import reverse

from tests.conftest import sign_in_verified


def test_layout_links_forms_and_languages(client, manager, add_authenticator):
    sign_in_verified(client, manager, add_authenticator(manager))
    page = client.get(reverse("team:members")).content.decode()
    assert f'<a class="brand" href="{reverse("home")}">' in page
    icon = r'<svg class="icon" aria-hidden="true" focusable="false"><use href="[^"]+"></use></svg>'
    preferences, team = reverse("accounts:preferences"), reverse("team:members")
    assert re.search(f'<a href="{preferences}">{icon}My Preferences</a>', page)
    assert re.search(f'<a href="{team}" aria-current="page">{icon}My Team</a>', page)
    assert f'action="{reverse("accounts:sign_out")}"' in page
    assert f'action="{reverse("accounts:language")}"' in page
    assert '<link rel="stylesheet" href="/static/css/portal.css">' in page
    options = re.findall(r'<option value="([^"]+)" lang="[^"]+"( selected)?>([^<]+)</option>', page)
    assert options == [
        ("en", " selected", "English"),
        ("pt-br", "", "Português (Brasil)"),
        ("es", "", "Español"),
    ]


def test_a_member_has_no_my_team_link_and_the_current_language_is_selected(
    client, member, add_authenticator
):
    member.language = "es"
    member.save()
    sign_in_verified(client, member, add_authenticator(member))
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert reverse("team:members") not in page
    assert f'<a href="{reverse("accounts:preferences")}" aria-current="page">' in page
    assert '<option value="es" lang="es" selected>Español</option>' in page


def test_layout_follows_a_change_of_settings(client, db, settings):
    settings.STATIC_URL = "/assets/"
    page = client.get(reverse("accounts:sign_in")).content.decode()
    assert '<link rel="stylesheet" href="/assets/css/portal.css">' in page


def test_the_footer_and_my_preferences_name_each_language_the_same_way(
    client, member, add_authenticator
):
    sign_in_verified(client, member, add_authenticator(member))
    page = client.get(reverse("accounts:preferences")).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    field = page[page.index('<select name="language"') :]
    field = field[: field.index("</select>")]
    footer_names = re.findall(r'<option value="[^"]+" lang="[^"]+"(?: selected)?>([^<]+)<', footer)
    field_names = re.findall(r'<option value="[^"]+"(?: selected)?>([^<]+)<', field)
    assert footer_names == ["English", "Português (Brasil)", "Español"]
    assert field_names == footer_names


def test_the_language_help_names_the_empty_option_as_it_reads(client, member, add_authenticator):
    member.language = "pt-br"
    member.save()
    sign_in_verified(client, member, add_authenticator(member))
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert ">Igual ao meu navegador</option>" in page
    assert "“Igual ao meu navegador” segue o seu navegador." in page
