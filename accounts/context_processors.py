"""What the base layout needs on every page, worked out once per process rather than by template
tags on every render: its links, its stylesheet and script, and the languages of the footer's
switcher (``{% url %}``, ``{% static %}`` and the language tags cost a third of the layout)."""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import reverse


@lru_cache(maxsize=1)
def layout_links() -> dict:
    return {
        "home_url": reverse("home"),
        "preferences_url": reverse("accounts:preferences"),
        "team_url": reverse("team:members"),
        "sign_out_url": reverse("accounts:sign_out"),
        "language_url": reverse("accounts:language"),
        "stylesheet": static("css/portal.css"),
        "script": static("js/portal.js"),
        "logo": static("img/logo.svg"),
        "favicon": static("img/favicon.svg"),
        "icons": static("icons/icons.svg"),
        # Each language in its own words ("Português (Brasil)"), whatever the page's language:
        # the names of settings.LANGUAGES, which My Preferences' language field shows too.
        "languages": list(settings.LANGUAGES),
    }


def layout(request) -> dict:
    return {"layout": layout_links()}


@receiver(setting_changed)
def _forget_layout(setting, **kwargs):
    if setting in {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "LANGUAGES", "FORCE_SCRIPT_NAME"}:
        layout_links.cache_clear()
