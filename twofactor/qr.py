"""QR code images for the setup wizard: no database, no request.

The image holds the secret key, so it is encoded afresh for every view of the step and kept
nowhere but in that response. The encoding takes the shortest path:

- the QR matrix comes from ``qrcode`` with a fixed mask pattern (every pattern gives a valid code
  that authenticator apps read; choosing the best of the eight means building and scoring eight
  matrices), the text in byte mode and the version computed from its length (``qrcode`` would
  find the version by building the data twice, and scan the text again to split it into modes);
- the PNG is written here, one bit a pixel, straight from the matrix (no image library in
  between), compressed at zlib's default level.
"""

import base64
import struct
import zlib

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

BOX_PIXELS = 6  # pixels a module
BORDER_MODULES = 4  # the quiet zone the QR standard asks for


def qr_png_data_uri(text: str) -> str:
    """A PNG of ``text`` as a data: URI, to embed in the page (never a separate URL)."""
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
