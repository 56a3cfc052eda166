"""What flushing each commit to the disk costs: the history's writes with and without fsync.

Run: ./scripts/benchmark commit [--commits N]

The history is written with `synchronous=FULL`: every commit is fsynced, so that an event
answered 200 survives a power cut, not only a crash of Home Assistant. This opens the history's
own database (same schema and settings, in a temporary folder on the disk that holds the
working directory) and commits what one accepted event writes, alone and in batches of 20 (the
group commit of a busy line), with FULL and with NORMAL (in WAL mode: survives a crash, not a
power cut). The writes run in the writer's thread, never in the event loop: the cost is latency
before the 200, not event-loop time.
"""

from __future__ import annotations

import argparse
from contextlib import closing
import itertools
from pathlib import Path
import statistics
import tempfile
import threading
import time

from benchmarks.harness import machine
from custom_components.cloud_telephony.store import (
    ADD_DAILY,
    INSERT_RECENT,
    INSERT_SEEN,
    INSERT_UNFIRED,
    UPSERT_LAST,
    Statement,
    _execute,
    _open,
)

EVENT = (
    '{"type":"call_started","call_id":"%s","caller":"+905321234567","callee":"+908501234567",'
    '"status":null,"received_at":"2026-12-01T10:00:00+03:00"}'
)
_serial = itertools.count()


def _event_writes(entry_id: str) -> list[Statement]:
    serial = next(_serial)
    data = EVENT % serial
    return [
        (INSERT_SEEN, (entry_id, f"call_started:{serial}", time.time())),
        (INSERT_UNFIRED, (entry_id, serial, data)),
        (INSERT_RECENT, (entry_id, data)),
        (UPSERT_LAST, (entry_id, "call_started", data)),
        (ADD_DAILY, (entry_id, "2026-12-01", "call_started", 1)),
    ]


def _median_ms(folder: Path, synchronous: str, batch: int, commits: int) -> float:
    path = folder / f"{synchronous}-{batch}.db"
    connection = _open(path, threading.Event())
    assert connection is not None
    with closing(connection):
        connection.execute(f"PRAGMA synchronous={synchronous}")
        timings = []
        for _ in range(commits):
            statements = [statement for _ in range(batch) for statement in _event_writes("bench")]
            started = time.perf_counter()
            _execute(connection, statements)
            timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def main() -> None:
    """Print the median commit time with and without fsync."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--commits", type=int, default=2000)
    args = parser.parse_args()
    cache = Path.cwd() / ".cache"
    cache.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cloud-telephony-commit-", dir=cache) as name:
        folder = Path(name)
        print(f"Machine: {machine()}")
        print(f"Database folder: {folder} ({args.commits} commits per row, median)")
        print("events per commit   FULL ms   NORMAL ms   FULL / NORMAL   FULL ms per event")
        for batch in (1, 20):
            full = _median_ms(folder, "FULL", batch, args.commits)
            normal = _median_ms(folder, "NORMAL", batch, args.commits)
            print(f"{batch:>17}   {full:7.3f}   {normal:9.3f}   {full / normal:13.1f}   {full / batch:17.3f}")


if __name__ == "__main__":
    main()
