"""Faxes for people: the first page as PNG (TIFF through Pillow, PDF through PDFium), TIFF as PDF.

Blocking (file access, decoding): run in the executor. Pillow comes with Home Assistant.
"""

from __future__ import annotations

from collections.abc import Mapping
import io
from pathlib import Path
from typing import Any, Final

from PIL import Image
import pypdfium2

# A fax page is 1728 dots wide; half of that is sharp enough for a picture card.
MAX_WIDTH: Final = 1000
# PDF pages are measured in points (1/72 in); twice that is about 144 dpi.
PDF_SCALE: Final = 2.0


# What a damaged file makes the decoders raise: reported as ValueError.
_DECODE_ERRORS: Final = (OSError, RuntimeError, Image.DecompressionBombError, SyntaxError, EOFError)


def first_page_png(path: Path) -> bytes:
    """Return the first page of a TIFF or PDF fax as PNG; raise ValueError for other or damaged files."""
    try:
        return _first_page_png(path)
    except _DECODE_ERRORS as err:
        raise ValueError(f"{path.name} cannot be read: {err}") from err


def _first_page_png(path: Path) -> bytes:
    with path.open("rb") as file:
        head = file.read(5)
    if head.startswith(b"%PDF-"):
        document = pypdfium2.PdfDocument(str(path))
        try:
            image = document[0].render(scale=PDF_SCALE).to_pil()
        finally:
            document.close()
    elif head[:4] in (b"II*\x00", b"MM\x00*"):
        with Image.open(path) as tiff:
            tiff.seek(0)
            image = _square_pixels(tiff.convert("L") if tiff.mode == "1" else tiff.copy(), tiff.info)
    else:
        raise ValueError(f"{path.name} is neither TIFF nor PDF")
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)))
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def tiff_to_pdf(content: bytes) -> bytes:
    """Return a TIFF fax (every page) as PDF, which browsers show; TIFF they do not."""
    try:
        with Image.open(io.BytesIO(content)) as tiff:
            pages = []
            for index in range(getattr(tiff, "n_frames", 1)):
                tiff.seek(index)
                page = tiff.convert("L") if tiff.mode == "1" else tiff.convert("RGB")
                pages.append(_square_pixels(page, tiff.info))
            horizontal = _dpi(tiff.info)[0]
        output = io.BytesIO()
        pages[0].save(output, format="PDF", save_all=True, append_images=pages[1:], resolution=horizontal)
    except _DECODE_ERRORS as err:
        raise ValueError(f"the fax cannot be read: {err}") from err
    return output.getvalue()


def _dpi(info: Mapping[Any, Any]) -> tuple[float, float]:
    dpi = info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        horizontal, vertical = dpi
        if isinstance(horizontal, int | float) and isinstance(vertical, int | float) and min(dpi) > 0:
            return float(horizontal), float(vertical)
    return 200.0, 200.0


def _square_pixels(image: Image.Image, info: Mapping[Any, Any]) -> Image.Image:
    """Stretch a fax of standard resolution (204 by 98 dpi) to its true height."""
    horizontal, vertical = _dpi(info)
    if abs(horizontal - vertical) < 1:
        return image
    return image.resize((image.width, round(image.height * horizontal / vertical)))
