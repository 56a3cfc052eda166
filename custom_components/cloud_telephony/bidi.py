"""Values inserted into right-to-left sentences: isolated, so that they keep their own direction.

Without it, a "+90…" inside Hebrew words shows its sign at the end, and a Latin name pulls the
words around it out of order. The isolates are invisible; other languages get the text unchanged.
"""

from __future__ import annotations

from typing import Final

_RIGHT_TO_LEFT: Final = frozenset({"ar", "fa", "he", "ur", "yi"})
_LEFT_TO_RIGHT_ISOLATE: Final = "\u2066"
_FIRST_STRONG_ISOLATE: Final = "\u2068"
_POP_ISOLATE: Final = "\u2069"


def is_right_to_left(language: str) -> bool:
    """Return whether a language (a tag such as "he" or "ar-EG") is written right to left."""
    return language.split("-", maxsplit=1)[0].lower() in _RIGHT_TO_LEFT


def left_to_right(value: str) -> str:
    """Return a number or code that reads left to right inside right-to-left words."""
    return f"{_LEFT_TO_RIGHT_ISOLATE}{value}{_POP_ISOLATE}"


def isolated(value: str) -> str:
    """Return a value (a name, a reason) in the direction of its own first letter."""
    return f"{_FIRST_STRONG_ISOLATE}{value}{_POP_ISOLATE}"
