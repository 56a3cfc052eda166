"""The history at its bound: 200,000 distinct events into one account of a real Home Assistant.

Run: ./scripts/benchmark history [--events N] [--clients N]

Ids are remembered for 48 hours and at most 50,000 per account; this run sends far more than
that within minutes, so the count bound is what applies. Sampled every 10 % of the events: the
process's memory, the database's size on disk (with its write-ahead log), and the worst lateness
of a 10 ms timer in the event loop (what a write would cost the loop if it were done there).
Then Home Assistant is restarted: how long the integration takes to read the full history back,
and whether a retry of an event sent late in the run is still recognised.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time

import aiohttp

from benchmarks.harness import FakeProviders, HomeAssistantInstance, accounts, machine, serve


def _call(serial: int) -> bytes:
    return json.dumps(
        {
            "event_type": "call_hangup",
            "uuid": f"bound-{serial}",
            "caller": 905326200000 + serial % 1000,
            "callee": 908508850000,
            "direction": "IN",
            "timestamp": 1_700_000_000_000_000 + serial,
        }
    ).encode()


async def run(fakes: FakeProviders, events: int, clients: int) -> int:
    """Send the events; sample memory, file size and loop lateness; restart; print."""
    bench = [account for account in accounts(fakes) if account.provider == "bulutfon"]
    instance = HomeAssistantInstance(bench)
    path = bench[0].path
    samples: list[tuple[int, float, float, float, float]] = []
    try:
        await instance.start()
        async with aiohttp.ClientSession() as session:
            await instance.loop_stats(session)
            sent = 0
            step = max(events // 10, 1)

            async def worker(start: int) -> None:
                for serial in range(start, min(start + step, events), clients):
                    async with session.post(instance.url + path, data=_call(serial)) as response:
                        if response.status != 200:
                            raise RuntimeError(f"HTTP {response.status}")

            started = time.monotonic()
            while sent < events:
                await asyncio.gather(*(worker(sent + offset) for offset in range(clients)))
                sent = min(sent + step, events)
                stats = await instance.loop_stats(session)
                size = instance.database_bytes() / 2**20
                samples.append((sent, instance.rss_mib(), size, stats["worst_ms"], stats["worst_gc_ms"]))
            elapsed = time.monotonic() - started
            # An event of the last stretch: still remembered after the restart.
            late = _call(events - 1)
        instance.stop()
        await instance.start()
        async with (
            aiohttp.ClientSession() as session,
            session.post(instance.url + path, data=late) as response,
        ):
            retry = await response.json()
        log = (instance.config / "hass.log").read_text().splitlines()
        read_line = ([line for line in log if "read in" in line] or [""])[-1]
    finally:
        instance.stop()
    print(f"Machine: {machine()}")
    print(f"{events:,} distinct events from {clients} clients in {elapsed:.0f} s ({events / elapsed:,.0f}/s)")
    print(f"{'events':>9} {'RSS MiB':>8} {'file MiB':>9} {'worst lateness ms':>18} {'worst GC ms':>12}")
    for count, rss, size, worst, collecting in samples:
        print(f"{count:9,} {rss:8.1f} {size:9.2f} {worst:18.1f} {collecting:12.1f}")
    after_bound = [sample for sample in samples if sample[0] >= 100_000]
    if after_bound:
        rss_growth = after_bound[-1][1] - after_bound[0][1]
        size_growth = after_bound[-1][2] - after_bound[0][2]
        print(f"From 100,000 events on: memory {rss_growth:+.1f} MiB, file {size_growth:+.2f} MiB")
    match = re.search(r"read in ([\d.]+) s", read_line)
    print(f"Start-up: {read_line.split('] ', 1)[-1] if read_line else 'no start-up line'}")
    print(f"A retry of the last event after the restart: {retry}")
    ok = retry == {"accepted": 0, "duplicates": 1} and match is not None and float(match.group(1)) < 1.0
    print("Result: " + ("OK" if ok else "a check failed"))
    instance.cleanup()
    return 0 if ok else 1


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    sys.exit(asyncio.run(serve(lambda fakes: run(fakes, args.events, args.clients))))


if __name__ == "__main__":
    main()
