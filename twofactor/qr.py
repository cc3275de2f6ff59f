"""QR code images for the setup wizard: no database, no request."""

import base64
import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png_data_uri(text: str) -> str:
    """A PNG of ``text`` as a data: URI, to embed in the page (never a separate URL)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=6, border=4, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
