"""Rows of the portal's tables made in Python: the templates then only place plain values.

A row built with template tags ({% url %}, the date filter, {% blocktranslate %}, model methods)
costs a few tenths of a millisecond; lists of 50 people or records were most of their page.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format


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
    """A date as the ``date`` filter shows it with DATE_FORMAT, in the current time zone."""
    return date_format(timezone.localtime(value), "DATE_FORMAT")


def local_datetime(value) -> str:
    """A moment as the ``date`` filter shows it with DATETIME_FORMAT, in the current time zone."""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")
