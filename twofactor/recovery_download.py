"""The "Download" of the recovery codes page: a text file made in the page's own response.

No database, no request: the plain codes go from the caller into a ``data:`` URI that the page
puts in an ``<a download>``, so the file is never served from a URL of its own and the codes
live only in that one response. The text follows the active language.
"""

import re
from datetime import datetime
from urllib.parse import quote

from django.utils.translation import gettext

from accounts.rows import local_date

FILE_PREFIX = "axurone-recovery-codes"
DATA_URI_PREFIX = "data:text/plain;charset=utf-8,"

# Anything but letters, digits, dots and dashes becomes a dash in the file name, so the name is
# the same on every system and needs no quoting in the download attribute.
_UNSAFE_IN_NAME = re.compile(r"[^a-z0-9.]+")


def download_file(*, codes: list[str], email: str, created_at: datetime) -> tuple[str, str]:
    """The file name and the ``data:`` URI of the text file that holds ``codes``."""
    return file_name(email), DATA_URI_PREFIX + quote(file_text(codes, email, created_at), safe="")


def file_name(email: str) -> str:
    """``axurone-recovery-codes-<account>.txt``, the account's address in safe characters."""
    account = _UNSAFE_IN_NAME.sub("-", email.lower()).strip("-.")
    return f"{FILE_PREFIX}-{account}.txt" if account else f"{FILE_PREFIX}.txt"


def file_text(codes: list[str], email: str, created_at: datetime) -> str:
    """The title, the account, the date, one code a line, then how to use them."""
    lines = [
        gettext("Axur One recovery codes"),
        "",
        gettext("Account: %(email)s") % {"email": email},
        gettext("Created: %(date)s") % {"date": local_date(created_at)},
        "",
        *codes,
        "",
        gettext(
            "When you cannot use your authenticator, sign in with your password and, on the "
            'code page, choose "Use a recovery code".'
        ),
        gettext("Each code works once."),
        gettext("Keep these codes somewhere safe, apart from your phone."),
        gettext('To get new codes, choose "Generate new codes" in Manage Access.'),
    ]
    return "\n".join(lines) + "\n"
