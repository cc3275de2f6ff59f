"""Rows of the portal's tables made in Python: the templates then only place plain values.

A row built with template tags ({% url %}, the date filter, {% blocktranslate %}, model methods)
costs a few tenths of a millisecond; lists of 50 people or records were most of their page.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


class RowLinks:
    """The URL of ``viewname`` for one id after another, without resolving it for each row.

    ``reverse`` costs about as much as rendering the rest of a row; the URL is resolved once with
    a marker id, and each row puts its id in the marker's place.
    """

    MARKER = 2_147_483_647

    def __init__(self, viewname: str):
        self.before, self.after = reverse(viewname, args=[self.MARKER]).split(str(self.MARKER))

    def __call__(self, pk: int) -> str:
        return f"{self.before}{pk}{self.after}"


def local_date(value) -> str:
    """A date as the ``date`` filter shows it with DATE_FORMAT, in the current time zone.

    Formatting a date translates the names in it each time; a list shows the same days again
    and again, so each day is formatted once per language."""
    return _date_in(timezone.localdate(value), get_language())


@lru_cache(maxsize=2048)
def _date_in(day, language: str, date_format_name: str = "DATE_FORMAT") -> str:
    return date_format(day, date_format_name)  # in ``language``, the active one


@receiver(setting_changed)
def _forget_dates(setting, **kwargs):
    if setting in {"DATE_FORMAT", "FORMAT_MODULE_PATH", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _date_in.cache_clear()


def local_datetime(value) -> str:
    """A moment as the ``date`` filter shows it with DATETIME_FORMAT, in the current time zone."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


# Day, abbreviated month, year: "3 Nov 2026", the month abbreviated in the page's language; the
# same order in the portal's three languages, and never ambiguous as a numeric date is.
SHORT_DATE_FORMAT = "j M Y"


def moment(value, *, time: bool = False) -> SafeString:
    """``value`` for a table: its day (and its time of day if ``time``) in a ``<time>`` element
    whose title gives the full date and time, in the current time zone."""
    local = timezone.localtime(value)
    short = _date_in(local.date(), get_language(), SHORT_DATE_FORMAT)  # once per day, as above
    if time:
        short = f"{short} {date_format(local, 'TIME_FORMAT')}"
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        local.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        short,
    )


def sentence(text: str, **values) -> SafeString:
    """A translated sentence with %(name)s placeholders, escaped, and ``values`` put in (markup
    such as a ``moment`` kept as markup, plain text escaped)."""
    return mark_safe(  # noqa: S308 -- every part is escaped first
        conditional_escape(text)
        % {name: conditional_escape(value) for name, value in values.items()}
    )
