"""The "Download" of the recovery codes page: a minimal text file as a ``data:`` URI, made in
the page's own response (the plain codes are never served from a URL of their own)."""

from datetime import datetime
from urllib.parse import quote

DATA_URI_PREFIX = "data:text/plain;charset=utf-8,"


def download_file(*, codes: list[str], email: str, created_at: datetime) -> tuple[str, str]:
    """The file name and the ``data:`` URI of the text file that holds ``codes``."""
    name = "axurone-recovery-codes.txt"
    text = f"Axur One recovery codes for {email} ({created_at:%Y-%m-%d})\n\n" + "\n".join(codes)
    return name, DATA_URI_PREFIX + quote(text + "\n", safe="")
