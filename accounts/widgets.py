"""Form widgets of the portal."""

from functools import lru_cache

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .locale import time_zone_names

_options_by_key: dict[tuple, str] = {}


def _options_html(choices) -> str:
    """The ``<option>`` elements of ``choices``; kept when the choices name a ``cache_key``."""
    key = getattr(choices, "cache_key", None)
    html = _options_by_key.get(key) if key is not None else None
    if html is None:
        html = "".join(
            f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices
        )
        if key is not None:
            _options_by_key[key] = html
    return html


class PlainSelect(forms.Select):
    """A ``<select>`` written in Python: the time zones of My Preferences, and every other
    select of the portal's forms.

    Django's Select renders one template per option, which adds up over the ~600 time zones
    (and costs more than the rest of a filter form for a dozen options). This writes the same
    elements in Python, once per language and default zone for choices that name a
    ``cache_key``, and marks the selected option in them. Flat choices only, no groups.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        options = _options_html(self.choices)
        selected = self.format_value(value)
        if selected:
            option = f'<option value="{escape(selected[0])}">'
            options = options.replace(option, option[:-1] + " selected>", 1)
        # Every value and label in ``options`` went through escape().
        options = mark_safe(options)  # noqa: S308
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)


@lru_cache(maxsize=1)
def _time_zone_choices() -> tuple[tuple[str, str], ...]:
    return tuple((name, name.replace("_", " ")) for name in time_zone_names())


class TimeZoneChoices(BaseChoiceIterator):
    """The time zones as choices, "Portal default" first, made once per process.

    Django passes a choice iterator through as it is, where a list of ~600 pairs would be
    copied and checked pair by pair for every form.
    """

    @property
    def cache_key(self) -> tuple:
        return ("time zones", get_language(), settings.TIME_ZONE)

    def __iter__(self):
        yield ("", _("Portal default (%(zone)s)") % {"zone": settings.TIME_ZONE})
        yield from _time_zone_choices()
