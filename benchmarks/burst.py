"""A burst of large posts against a real Home Assistant: how long the event loop is held at a stretch.

Run: ./scripts/benchmark burst [--posts N] [--items N] [--rounds N]

20 BulkGate delivery arrays of 1,000 items each are sent at once (new ids every time, so every
item is accepted, recorded and fired); a timer due every 10 ms in the loop reports its worst
lateness over the burst, with the garbage collector's passes shown apart. Target: at most 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from typing import NamedTuple

import aiohttp

from benchmarks.harness import FakeProviders, HomeAssistantInstance, accounts, machine, serve
from benchmarks.webhook_throughput import bulkgate_array

TARGET_MS = 50


class Round(NamedTuple):
    """One burst as the loop saw it."""

    worst_ms: float
    without_gc_ms: float
    """The worst lateness of a tick less the garbage collector's time since the previous tick."""
    worst_gc_ms: float
    full_collections: int
    cpu_ms: float


async def run(fakes: FakeProviders, posts: int, items: int, rounds: int) -> int:
    """Send the bursts; print the worst lateness of each; return the exit code."""
    bench = [account for account in accounts(fakes) if account.provider == "bulkgate"]
    instance = HomeAssistantInstance(bench)
    url = instance.url + bench[0].path
    make = bulkgate_array(items)
    results: list[Round] = []
    try:
        await instance.start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
            # One burst first: imports on first use and the first full collections are not the cost.
            for round_number in range(rounds + 1):
                bodies = [make() for _ in range(posts)]
                await instance.loop_stats(session)
                cpu_before = instance.cpu_seconds()

                async def post(body: bytes, content_type: str) -> int:
                    async with session.post(url, data=body, headers={"Content-Type": content_type}) as answer:
                        await answer.read()
                        return answer.status

                statuses = await asyncio.gather(*(post(body, kind) for body, kind in bodies))
                await asyncio.sleep(0.2)
                stats = await instance.loop_stats(session)
                cpu_ms = (instance.cpu_seconds() - cpu_before) * 1000
                if any(status != 200 for status in statuses):
                    raise RuntimeError(f"answers: {sorted(set(statuses))}")
                if round_number:
                    results.append(
                        Round(
                            stats["worst_ms"],
                            stats["worst_without_gc_ms"],
                            stats["worst_gc_ms"],
                            stats["full_collections"],
                            cpu_ms,
                        )
                    )
    finally:
        instance.stop()
        instance.cleanup()
    print(f"Machine: {machine()}")
    print(f"{posts} BulkGate posts of {items:,} items at once, {rounds} rounds")
    print(
        f"{'round':>5} {'worst lateness ms':>18} {'less GC ms':>14} {'worst GC pass ms':>17} "
        f"{'full GCs':>9} {'loop CPU ms':>12}"
    )
    for number, row in enumerate(results, start=1):
        print(
            f"{number:5} {row.worst_ms:18.1f} {row.without_gc_ms:14.1f} {row.worst_gc_ms:17.1f} "
            f"{row.full_collections:9} {row.cpu_ms:12.0f}"
        )
    worst_values = [row.worst_ms for row in results]
    own = max(row.without_gc_ms for row in results)
    print(
        f"Worst lateness: median {statistics.median(worst_values):.1f} ms, "
        f"highest {max(worst_values):.1f} ms (target ≤ {TARGET_MS} ms); "
        f"less the garbage collector's passes: highest {own:.1f} ms"
    )
    return 0 if max(worst_values) <= TARGET_MS else 1


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sys.exit(asyncio.run(serve(lambda fakes: run(fakes, args.posts, args.items, args.rounds))))


if __name__ == "__main__":
    main()
