"""Faxes for people, as PNG: the first page, or all pages (TIFF through Pillow, PDF through PDFium).

Blocking (file access, decoding): run in the executor. Pillow comes with Home Assistant.
"""

from __future__ import annotations

from collections.abc import Mapping
import io
from numbers import Real
from pathlib import Path
from typing import Any, Final

from PIL import Image
import pypdfium2

# A fax page is 1728 dots wide; half of that is sharp enough for a picture card.
MAX_WIDTH: Final = 1000
# PDF pages are measured in points (1/72 in); twice that is about 144 dpi.
PDF_SCALE: Final = 2.0
# The media browser's copy of a fax: its pages one below the other, a grey gap between.
MAX_PAGES: Final = 20
PAGE_GAP: Final = 12


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
    output = io.BytesIO()
    _fit(image).save(output, format="PNG", optimize=True)
    return output.getvalue()


def fax_pages_png(content: bytes) -> bytes:
    """Return every page of a TIFF or PDF fax, one below the other, as one PNG.

    Home Assistant's media view serves images, not PDF, and browsers do not show TIFF: this is the
    copy the media browser shows (at most MAX_PAGES pages).
    """
    try:
        pages = _pdf_pages(content) if content.startswith(b"%PDF-") else _tiff_pages(content)
    except _DECODE_ERRORS as err:
        raise ValueError(f"the fax cannot be read: {err}") from err
    if not pages:
        raise ValueError("the fax has no pages")
    width = max(page.width for page in pages)
    sheet = Image.new("L", (width, sum(page.height for page in pages) + PAGE_GAP * (len(pages) - 1)), 160)
    top = 0
    for page in pages:
        sheet.paste(page.convert("L"), (0, top))
        top += page.height + PAGE_GAP
    output = io.BytesIO()
    sheet.save(output, format="PNG", optimize=True)
    return output.getvalue()


def _tiff_pages(content: bytes) -> list[Image.Image]:
    pages = []
    with Image.open(io.BytesIO(content)) as tiff:
        for index in range(min(getattr(tiff, "n_frames", 1), MAX_PAGES)):
            tiff.seek(index)
            page = tiff.convert("L") if tiff.mode == "1" else tiff.convert("RGB")
            pages.append(_fit(_square_pixels(page, tiff.info)))
    return pages


def _pdf_pages(content: bytes) -> list[Image.Image]:
    document = pypdfium2.PdfDocument(content)
    try:
        return [
            _fit(document[index].render(scale=PDF_SCALE).to_pil())
            for index in range(min(len(document), MAX_PAGES))
        ]
    finally:
        document.close()


def _fit(image: Image.Image) -> Image.Image:
    """Scale a page down to MAX_WIDTH dots wide."""
    if image.width <= MAX_WIDTH:
        return image
    return image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)))


def _dpi(info: Mapping[Any, Any]) -> tuple[float, float]:
    dpi = info.get("dpi")
    # Pillow gives a TIFF's resolution as fractions (IFDRational), other formats as numbers.
    if isinstance(dpi, tuple) and len(dpi) == 2 and all(isinstance(value, Real) for value in dpi):
        horizontal, vertical = float(dpi[0]), float(dpi[1])
        if horizontal > 0 and vertical > 0:
            return horizontal, vertical
    return 200.0, 200.0


def _square_pixels(image: Image.Image, info: Mapping[Any, Any]) -> Image.Image:
    """Stretch a fax of standard resolution (204 by 98 dpi) to its true height."""
    horizontal, vertical = _dpi(info)
    if abs(horizontal - vertical) < 1:
        return image
    return image.resize((image.width, round(image.height * horizontal / vertical)))
