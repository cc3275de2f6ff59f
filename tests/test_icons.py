"""The portal's icons: every icon a template names is in the vendored sprite, and an icon is
either decoration hidden from screen readers or an image with its own words."""

import re
from pathlib import Path

from django.template import Context, Template

from team.views import STATUS_ICONS
from twofactor.status import TwoFactorStatus

ROOT = Path(__file__).resolve().parents[1]
SPRITE = ROOT / "static" / "icons" / "icons.svg"
ICON_TAG = re.compile(r"""{%\s*icon\s+["']([a-z0-9-]+)["']""")


def symbols() -> set[str]:
    return set(re.findall(r'<symbol id="([a-z0-9-]+)"', SPRITE.read_text()))


def test_every_icon_a_template_names_is_in_the_sprite():
    named = {
        (path.relative_to(ROOT), name)
        for path in (ROOT / "templates").rglob("*.html")
        for name in ICON_TAG.findall(path.read_text())
    }
    missing = sorted(str(where) + ": " + name for where, name in named if name not in symbols())
    assert not missing


def test_an_icon_without_a_label_is_hidden_from_screen_readers():
    html = Template('{% load portal %}{% icon "lock" %}').render(Context())
    assert 'aria-hidden="true"' in html
    assert 'role="img"' not in html
    assert re.search(r'<use href="[^"]*icons/icons\.svg#lock">', html)


def test_an_icon_with_a_label_says_it_escaped():
    html = Template('{% load portal %}{% icon "circle-x" label=text %}').render(
        Context({"text": "Refused <b>"})
    )
    assert 'role="img" aria-label="Refused &lt;b&gt;"' in html
    assert "aria-hidden" not in html


def test_the_sprite_carries_its_license():
    assert "@license lucide-static" in SPRITE.read_text()
    assert (SPRITE.parent / "LICENSE-lucide.txt").read_text().startswith("ISC License")


def test_every_icon_the_code_chooses_is_in_the_sprite():
    """Icons named in code and given to a template (``{% icon row.status_icon %}``)."""
    assert set(STATUS_ICONS) == set(TwoFactorStatus.values)
    assert set(STATUS_ICONS.values()) <= symbols()
