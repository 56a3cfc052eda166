"""Which recorded events reached the bus, kept where a killed process cannot lose it.

An event is committed to the database before it is fired, and stays listed as "not yet known to
be fired" until a later write removes it. Were Home Assistant killed in between, the next start
could not tell a fired event from one that never was: it would either fire some twice or lose
some. So each event is marked here the moment it is fired. The journal is a file mapped into
memory: marking is a store to memory (no system call, no disk wait in the event loop), and the
kernel keeps the page when the process dies, so the next start fires exactly the events that
were not, with one exception: a kill that strikes between an event's firing and its mark (a few
microseconds) leaves that one event unmarked, and it fires again, since losing it would be worse.
After a power cut the last marks may be missing: those events fire again.
"""

from __future__ import annotations

import mmap
from pathlib import Path
import struct
from typing import Final

# Events fired but not yet crossed off in the database are at most a few batches; the ring is far
# larger, so a slot is never reused while its event could still be in doubt.
SLOTS: Final = 1 << 16
_SLOT: Final = struct.Struct("<q")


class FiredJournal:
    """A ring of the sequence numbers of fired events, memory-mapped from a file."""

    def __init__(self, path: Path) -> None:
        """Prepare; `open` (blocking: run it in an executor) maps the file."""
        self._path = path
        self._map: mmap.mmap | None = None

    def open(self) -> int:
        """Map the file (created empty the first time); return the highest sequence number in it."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        size = SLOTS * _SLOT.size
        with self._path.open("a+b") as file:
            if file.seek(0, 2) != size:
                file.truncate(size)
            self._map = mmap.mmap(file.fileno(), size)
        return max((value for (value,) in _SLOT.iter_unpack(self._map)), default=0)

    def was_fired(self, seq: int) -> bool:
        """Return whether the event with this sequence number was marked fired."""
        return self._map is not None and _SLOT.unpack_from(self._map, _offset(seq))[0] == seq

    def mark(self, seq: int) -> None:
        """Mark an event fired: a store to memory, safe to call in the event loop."""
        if self._map is not None:
            _SLOT.pack_into(self._map, _offset(seq), seq)

    def close(self) -> None:
        """Write the marks out and unmap (blocking: run it in an executor)."""
        if self._map is not None:
            self._map.flush()
            self._map.close()
            self._map = None


def _offset(seq: int) -> int:
    return (seq % SLOTS) * _SLOT.size
