"""Table rows made in Python show what the template tags would."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from accounts.rows import RowLinks, local_date, local_datetime, moment

DATE_FILTER = Template('{{ value|date:"DATE_FORMAT" }}')
DATETIME_FILTER = Template('{{ value|date:"DATETIME_FORMAT" }}')
MOMENT_TEMPLATE = Template(
    '<time datetime="{{ value.isoformat }}" title="{{ value|date:"DATETIME_FORMAT" }}">'
    '{{ value|date:"j M Y" }}{% if time %} {{ value|date:"TIME_FORMAT" }}{% endif %}</time>'
)
MOMENTS = [
    datetime(2026, 1, 31, 23, 30, tzinfo=UTC) + timedelta(days=d, hours=5 * d) for d in range(40)
]


@pytest.mark.parametrize("language", ["en", "pt-br", "es"])
@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo", "Asia/Tokyo"])
def test_dates_read_as_the_date_filter_writes_them_in_each_language_and_zone(language, zone):
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for moment in MOMENTS:
            context = Context({"value": moment})
            assert local_date(moment) == DATE_FILTER.render(context)
            assert local_datetime(moment) == DATETIME_FILTER.render(context)


@pytest.mark.parametrize("language", ["en", "pt-br", "es"])
@pytest.mark.parametrize("zone", ["UTC", "America/Sao_Paulo", "Asia/Tokyo"])
def test_a_moment_reads_as_the_template_would_write_it_in_each_language_and_zone(language, zone):
    """``moment`` formats each day's short date once: what it shows is still what the date
    filter writes, its day in the zone of the page, its month in the page's language."""
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        for value in MOMENTS:
            for time in (False, True):
                context = Context({"value": timezone.localtime(value), "time": time})
                assert moment(value, time=time) == MOMENT_TEMPLATE.render(context)


def test_a_day_formatted_in_one_language_is_not_shown_in_another():
    moment = MOMENTS[0]
    with translation.override("en"):
        english = local_date(moment)
    with translation.override("es"):
        assert local_date(moment) != english
        assert "enero" in local_date(moment) or "febrero" in local_date(moment)


def test_row_links_are_the_urls_reverse_gives():
    links = RowLinks("team:member_detail")
    assert [links(pk) for pk in (1, 42, 987654)] == [
        reverse("team:member_detail", args=[pk]) for pk in (1, 42, 987654)
    ]
