import re

import pytest

from tests.conftest import recent, sign_in_verified


@pytest.fixture
def manager_client(clock, client, manager, add_authenticator):
    """The Manager's browser: signed in with a code, the password typed again just now."""
    sign_in_verified(client, manager, add_authenticator(manager, name="Marta phone"))
    recent(client)
    return client


def without_icons(page: str) -> str:
    """A page's markup without its icons (decoration beside the words the tests look for)."""
    return re.sub(r'<svg class="icon"[^>]*>.*?</svg>', "", page)
