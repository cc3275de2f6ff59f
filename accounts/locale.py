"""The signed-in person's own language and time zone, for pages and dates.

LocaleMiddleware picks the language from the language cookie or Accept-Language; a language saved
on the account wins over both, and the account's time zone is used for every date shown.
"""

import zoneinfo
from functools import lru_cache

from django.utils import timezone, translation


@lru_cache(maxsize=1)
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class UserLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
