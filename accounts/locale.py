"""The language and time zone of each request.

The language is the signed-in person's saved one, else the browser's (the language cookie, then
Accept-Language, as Django's ``get_language_from_request`` reads them); the person's time zone
is used for every date shown. This does what Django's LocaleMiddleware does for a site without
``i18n_patterns`` (the portal's URLs carry no language), after the authentication, so that a
saved language is activated once and the browser's is not worked out for nothing.
"""

import zoneinfo
from functools import lru_cache

from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers


@lru_cache(maxsize=1)
def time_zone_names() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class LocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        signed_in = user.is_authenticated
        language = user.language if signed_in else ""
        translation.activate(language or translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        if signed_in and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
