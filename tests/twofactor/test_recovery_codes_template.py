"""The "Recovery codes" page as a template: the codes as selectable text, "Download" as an
``<a download>`` of a data: URI, "Copy" and "Print" hidden until the static script shows them,
"I have saved them", no inline script, and the print stylesheet that shows only the codes."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test import RequestFactory
from django.utils import translation

from twofactor.recovery_download import download_file

CODES = [f"{n}kq4m-x9r2t" for n in range(10)]
CONTINUE = "/preferences/"


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside each ``<script>``."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)

    def find(self, tag, **attrs):
        wanted = attrs.items()
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted)]


def render(language="en"):
    name, href = download_file(codes=CODES, email="alice@acme.test", created_at=datetime.now(UTC))
    context = {
        "codes": CODES,
        "download_name": name,
        "download_href": href,
        "continue_url": CONTINUE,
    }
    with translation.override(language):
        page = render_to_string(
            "twofactor/recovery_codes.html", context, request=RequestFactory().get("/")
        )
    parsed = Elements()
    parsed.feed(page)
    return page, parsed, name, href


def test_the_page_shows_each_code_as_text_in_the_list(db):
    page, _parsed, _name, _href = render()
    assert '<h1 id="recovery-codes-heading">Recovery codes</h1>' in page
    listed = re.search(r'<ol id="recovery-codes"[^>]*>(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<code>([^<]+)</code>", listed) == CODES
    assert "shown only this once" in page


def test_download_is_a_link_with_the_file_name_and_the_data_uri(db):
    page, parsed, name, href = render()
    (link,) = parsed.find("a", download=name)
    assert link["href"] == href and href.startswith("data:text/plain;charset=utf-8,")
    assert ">Download</a>" in page


def test_copy_and_print_wait_for_the_script_and_i_have_saved_them_goes_on(db):
    page, parsed, _name, _href = render()
    (copy,) = parsed.find("button", type="button", **{"data-copy-target": "recovery-codes"})
    assert "hidden" in copy and copy["data-copied"] == "Copied"
    status = parsed.find("p", id=copy["data-copy-status"], role="status")
    assert status and status[0]["aria-live"] == "polite"
    (print_button,) = [a for t, a in parsed.tags if t == "button" and "data-print" in a]
    assert "hidden" in print_button
    assert ">Copy</button>" in page and ">Print</button>" in page
    (go_on,) = parsed.find("a", href=CONTINUE)
    assert ">I have saved them</a>" in page and "button--primary" in go_on["class"]


def test_the_page_loads_its_script_from_a_file_and_has_no_inline_script_or_style(db):
    page, parsed, _name, _href = render()
    scripts = parsed.find("script")
    assert static("js/recovery-codes.js") in [s.get("src") for s in scripts]
    assert static("js/copy.js") in [s.get("src") for s in scripts]
    assert all(s.get("src") and "defer" in s for s in scripts)
    assert parsed.script_text == []
    assert "<style" not in page and " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)  # no onclick and the like


@pytest.mark.parametrize("language", ["pt-br", "es"])
def test_the_page_is_translated(db, language):
    page, parsed, _name, _href = render(language)
    with translation.override(language):
        labels = [translation.gettext(t) for t in ("Recovery codes", "Download", "Copy", "Print")]
        saved = translation.gettext("I have saved them")
    assert "Download" not in labels and saved != "I have saved them"
    for label in labels + [saved]:
        assert f">{label}</" in page


def test_the_static_scripts_copy_the_codes_print_and_say_so():
    copy = Path(settings.BASE_DIR, "static/js/copy.js").read_text()
    assert "navigator.clipboard.writeText" in copy and 'join("\\n")' in copy
    script = Path(settings.BASE_DIR, "static/js/recovery-codes.js").read_text()
    assert "window.print()" in script and "hidden = false" in script


def test_printing_shows_only_the_heading_and_the_codes():
    css = Path(settings.BASE_DIR, "static/css/portal.css").read_text()
    rules = re.search(r"@media print \{(.*?)\n\}", css, re.S).group(1)
    hidden = re.search(r"([^{}]+)\{\s*display: none", rules).group(1)
    for selector in (".site-header", ".site-footer", ".messages", ".print-hidden"):
        assert selector in hidden
    page, _parsed, _name, _href = render()
    card = re.search(r'<section class="card recovery-sheet".*?</section>', page, re.S).group(0)
    outside_print = re.sub(r'<(p|div) [^>]*class="[^"]*print-hidden.*?</\1>', "", card, flags=re.S)
    assert "<h1" in outside_print and 'id="recovery-codes"' in outside_print
    assert "<button" not in outside_print and "<a " not in outside_print
    assert "shown only" not in outside_print
