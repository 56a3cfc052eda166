"""The history's cost per event on a line that has been busy for days.

Run: ./scripts/benchmark history  [--events N]

The load and speed benchmarks run for seconds, so nothing ever leaves the 48-hour
de-duplication window there. This one feeds the history (the real class, in a bare Home
Assistant core) with events whose clock advances so that every new event expires an old one,
as it does on a line in steady use, and measures the time per event with 1,000 to N remembered
identities. Constant work per item means the figures do not grow with the number remembered.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
import sys
import tempfile
import time

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from benchmarks.harness import machine
from custom_components.cloud_telephony.const import DEDUPE_WINDOW
from custom_components.cloud_telephony.history import EventHistory

MEASURED = 20_000


async def cost_per_event(hass: HomeAssistant, remembered: int) -> float:
    """Fill the window with `remembered` identities, then time events that each expire one."""
    history = EventHistory(hass, f"bench_{remembered}")
    await history.async_load()
    step = DEDUPE_WINDOW / remembered
    received_at = datetime(2026, 1, 1, tzinfo=dt_util.get_default_time_zone())
    data = {"type": "call_ended", "caller": "+905326200000"}
    for serial in range(remembered):
        history.record(f"fill-{serial}", data, received_at=received_at)
        received_at += step
    started = time.perf_counter()
    for serial in range(MEASURED):
        history.record(f"new-{serial}", data, received_at=received_at)
        received_at += step
    elapsed = time.perf_counter() - started
    if history.seen_count > remembered + 1:
        raise RuntimeError("old identities were not expired")
    return elapsed / MEASURED * 1e6


async def run(largest: int) -> int:
    """Measure growing windows and print the cost per event."""
    with tempfile.TemporaryDirectory() as config_dir:
        hass = HomeAssistant(config_dir)
        sizes = [size for size in (1_000, 10_000, 100_000, 400_000) if size <= largest]
        results = [(size, await cost_per_event(hass, size)) for size in sizes]
        # Nothing is written: the debounced save never comes due while this runs.
        await hass.async_stop(force=True)
    print(f"Machine: {machine()}")
    print(f"{'identities remembered':>22} {'µs per event':>13}")
    for size, micros in results:
        print(f"{size:22,} {micros:13.2f}")
    costs = [micros for _, micros in results]
    print(f"Largest / smallest window: {max(costs) / min(costs):.2f} (constant work = 1)")
    return 0


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=400_000, help="the largest window to measure")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.events)))


if __name__ == "__main__":
    main()
