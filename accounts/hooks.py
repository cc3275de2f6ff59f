"""Places where an app above accounts takes over part of accounts' own pages.

accounts signs people in with a password and shows My Preferences; it knows nothing of a second
factor. An app that adds one registers, from its ``AppConfig.ready``, what happens once the
password is right and a section of My Preferences; accounts calls whatever is registered.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import auth
from django.http import HttpResponseRedirect


def sign_in_with_password_only(request, user, next_url: str):
    auth.login(request, user)
    return HttpResponseRedirect(next_url)


@dataclass
class AfterPassword:
    """``(request, user, next_url) -> response``: the password step was passed."""

    handler: Callable = sign_in_with_password_only

    def register(self, handler: Callable) -> None:
        self.handler = handler

    def __call__(self, request, user, next_url: str):
        return self.handler(request, user, next_url)


@dataclass(frozen=True)
class Section:
    """A section of My Preferences: its template and what the template reads as ``section``."""

    template_name: str
    context: dict


@dataclass
class PreferenceSections:
    """The sections other apps add to My Preferences, each ``(request) -> Section``."""

    makers: list[Callable] = field(default_factory=list)

    def register(self, maker: Callable) -> None:
        if maker not in self.makers:
            self.makers.append(maker)

    def for_request(self, request) -> list[Section]:
        return [maker(request) for maker in self.makers]


after_password = AfterPassword()
preference_sections = PreferenceSections()
