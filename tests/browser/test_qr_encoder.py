"""Issue 12 P4: the signing page draws each QR frame itself (api/static/js/lib/qr.js). Its symbols are read by
the phone's decoder, module for module what Python's ``qrcode`` makes for the same version, level M and mask,
and the mask it picks is the one of least penalty (the standard's four rules on the whole symbol)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import qrcode
from qrcode.util import QRData, lost_point

from mobile.client import decode_qr_image

pytestmark = pytest.mark.usefixtures("no_script_errors")

FRAME = "ygqc://sign?s=Zq3_9aB-xYz0123456789a&t=882341234&h=AbCdEfGhIjKlMnOpQrStUv"
PAYLOADS = [
    "a",
    FRAME,
    (FRAME + "&x=") * 2 + "y" * 4,  # 150 characters
    ("k=v&" * 75)[:300],
    "签署" * 150,  # 300 characters, 900 bytes of UTF-8
    "ü=&é" * 75,
]

ENCODE = """async ([texts, options]) => {
  const qr = await import("/static/js/lib/qr.js");
  return texts.map(function (text, i) {
    const code = qr.encode(text, options[i]);
    const rows = [];
    for (let r = 0; r < code.size; r++) {
      let row = "";
      for (let c = 0; c < code.size; c++) row += code.isDark(r, c) ? "1" : "0";
      rows.push(row);
    }
    return {version: code.version, mask: code.mask, rows: rows, png: options[i].png ? qr.pngDataUrl(code) : null};
  });
}"""


def encode_in_page(page, texts: list[str], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return page.evaluate(ENCODE, [texts, options])


def byte_mode(text: str) -> QRData:
    return QRData(text.encode(), mode=4)  # qrcode.util.MODE_8BIT_BYTE, whatever characters the text has


def reference(text: str, version: int, mask: int) -> list[str]:
    """Python's qrcode, byte mode, level M, no quiet zone."""
    code = qrcode.QRCode(version=version, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask,
                         border=0)
    code.add_data(byte_mode(text))
    code.make(fit=False)
    return ["".join("1" if dark else "0" for dark in row) for row in code.modules]


def smallest_version(text: str) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(byte_mode(text))
    code.make(fit=True)
    return int(code.version)


@pytest.fixture
def page(live_server, browser_page):
    browser_page.goto(f"{live_server.url}/login")  # any page of the server: the module is imported from it
    return browser_page


def test_page_drawn_qr_codes_decode_and_match_the_reference_symbol(page, tmp_path: Path):
    drawn = encode_in_page(page, PAYLOADS, [{"png": True}] * len(PAYLOADS))
    for text, code in zip(PAYLOADS, drawn, strict=True):
        header, data = code["png"].split(",", 1)
        assert header == "data:image/png;base64"
        image = tmp_path / "frame.png"
        image.write_bytes(base64.b64decode(data))
        assert decode_qr_image(image) == text
        assert code["version"] == smallest_version(text)
        assert code["rows"] == reference(text, code["version"], code["mask"])
        penalties = [lost_point([[m == "1" for m in row] for row in reference(text, code["version"], mask)])
                     for mask in range(8)]
        assert code["mask"] == penalties.index(min(penalties))


def test_every_version_and_every_mask_match_the_reference_symbol(page):
    text = "t=1&签署"  # 10 bytes: fits version 1, so every version can be asked for
    cases = [(text, {"version": v, "mask": (v * 3) % 8}) for v in range(1, 41)]
    cases += [(FRAME, {"mask": mask}) for mask in range(8)]
    drawn = encode_in_page(page, [t for t, _ in cases], [o for _, o in cases])
    for (text, options), code in zip(cases, drawn, strict=True):
        version = options.get("version", smallest_version(text))
        assert (code["version"], code["mask"]) == (version, options["mask"])
        assert code["rows"] == reference(text, version, options["mask"]), options
