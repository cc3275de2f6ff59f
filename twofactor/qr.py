"""QR code images for the setup wizard: no database, no request.

Encoding costs milliseconds, so it is done once per pending key:

- the QR matrix comes from ``qrcode`` with a fixed mask pattern (choosing the best of the eight
  patterns means building and scoring eight matrices: about three times the cost; every
  pattern gives a valid code that authenticator apps read), the text in byte mode and the
  version computed from its length (``qrcode`` finds the version by building the data twice,
  and splitting the text into modes scans it again: a quarter of the matrix's cost);
- the PNG is written here, one bit a pixel, straight from the matrix (Pillow's image pipeline
  cost more than the matrix itself), compressed at zlib's default level (level 9 took three
  times as long for two bytes fewer);
- the finished data: URI is kept for a reload of the same step, in this process's memory only
  (never the shared cache or the session, which are stored), for a few minutes, and keyed by a
  hash of the text.
"""

import base64
import hashlib
import struct
import threading
import time
import zlib
from collections import OrderedDict

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

BOX_PIXELS = 6  # pixels a module
BORDER_MODULES = 4  # the quiet zone the QR standard asks for
CACHE_ENTRIES = 128
CACHE_SECONDS = 10 * 60  # as long as the wizard's recent authentication lasts


def qr_png_data_uri(text: str) -> str:
    """A PNG of ``text`` as a data: URI, to embed in the page (never a separate URL)."""
    key = hashlib.sha256(text.encode()).digest()
    image = _recent.get(key)
    if image is None:
        image = encode_png_data_uri(text)
        _recent.put(key, image)
    return image


def encode_png_data_uri(text: str) -> str:
    """``text`` encoded afresh (no cache)."""
    data = text.encode()
    code = qrcode.QRCode(
        version=smallest_version(len(data)),
        error_correction=ERROR_CORRECT_M,
        border=0,
        mask_pattern=0,
    )
    code.add_data(data, optimize=0)  # byte mode, the whole text
    code.make(fit=False)
    png = png_of_matrix(code.modules, box=BOX_PIXELS, border=BORDER_MODULES)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def smallest_version(length: int) -> int:
    """The smallest QR version (1-40) holding ``length`` bytes in byte mode at level M."""
    limits = util.BIT_LIMIT_TABLE[ERROR_CORRECT_M]
    for version in range(1, 41):
        count_bits = util.mode_sizes_for_version(version)[util.MODE_8BIT_BYTE]
        if 4 + count_bits + 8 * length <= limits[version]:
            return version
    raise ValueError(f"{length} bytes do not fit in a QR code")


def png_of_matrix(modules: list[list[bool]], *, box: int, border: int) -> bytes:
    """A black-on-white 1-bit PNG of a square matrix (True is dark), ``box`` pixels a module
    and ``border`` light modules around it."""
    translate = str.maketrans({"1": "0" * box, "0": "1" * box})  # a module -> its pixels
    side = (len(modules) + 2 * border) * box
    padding = "1" * (-side % 8)
    row_bytes = (side + 7) // 8
    quiet = "0" * border
    light_row = b"\x00" + b"\xff" * row_bytes
    lines = [light_row] * (border * box)
    for row in modules:
        bits = (quiet + "".join("1" if dark else "0" for dark in row) + quiet).translate(translate)
        line = b"\x00" + int(bits + padding, 2).to_bytes(row_bytes, "big")
        lines.extend([line] * box)
    lines.extend([light_row] * (border * box))
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, grey, no interlace
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(lines))),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class _RecentImages:
    """A small least-recently-used map whose entries expire."""

    def __init__(self, size: int, seconds: float):
        self.size = size
        self.seconds = seconds
        self._items: OrderedDict[bytes, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if time.monotonic() >= item[0]:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: bytes, value: str) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + self.seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_recent = _RecentImages(CACHE_ENTRIES, CACHE_SECONDS)
