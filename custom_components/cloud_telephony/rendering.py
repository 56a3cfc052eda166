"""Faxes for people: the first page as PNG (TIFF through Pillow, PDF through PDFium), TIFF as PDF.

Blocking (file access, decoding): run in the executor. Pillow comes with Home Assistant.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Final

from PIL import Image
import pypdfium2

# A fax page is 1728 dots wide; half of that is sharp enough for a picture card.
MAX_WIDTH: Final = 1000
# PDF pages are measured in points (1/72 in); twice that is about 144 dpi.
PDF_SCALE: Final = 2.0


def first_page_png(path: Path) -> bytes:
    """Return the first page of a TIFF or PDF fax as PNG; raise ValueError for other files."""
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
            image = tiff.convert("L") if tiff.mode == "1" else tiff.copy()
    else:
        raise ValueError(f"{path.name} is neither TIFF nor PDF")
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)))
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def tiff_to_pdf(content: bytes) -> bytes:
    """Return a TIFF fax (every page) as PDF, which browsers show; TIFF they do not."""
    with Image.open(io.BytesIO(content)) as tiff:
        pages = []
        for index in range(getattr(tiff, "n_frames", 1)):
            tiff.seek(index)
            pages.append(tiff.convert("L") if tiff.mode == "1" else tiff.convert("RGB"))
    output = io.BytesIO()
    resolution = 200.0
    pages[0].save(output, format="PDF", save_all=True, append_images=pages[1:], resolution=resolution)
    return output.getvalue()
