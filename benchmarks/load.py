"""Load and restart: 10,000 webhook posts from 50 clients, 10 % duplicates, a restart halfway.

Run: ./scripts/benchmark load  [--posts N] [--clients N]

Posts mix Bulutfon calls, BulkGate delivery arrays, Netgsm call results and Huawei status and fee
pushes. Halfway, Home Assistant is stopped with SIGTERM and started again; clients retry refused
connections the way providers retry, so every post is eventually answered. At the end the figures
are checked: every event that got a 200 is in the history store, each counted once, and the bus
fired exactly as many events as were accepted (a counter, restored across the restart, counts them).
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
import json
import random
import sys
import time

import aiohttp

from benchmarks.harness import Account, FakeProviders, HomeAssistantInstance, accounts, machine, serve

RETRY_FOR = 180.0


@dataclass
class Post:
    """One request body, the account it goes to, and how many events it carries."""

    account: Account
    body: bytes
    items: int


@dataclass
class Tally:
    """What the clients saw."""

    posts: int = 0
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)
    unique_items: dict[str, int] = field(default_factory=dict)


def _body(account: Account, serial: int) -> Post:
    """Return a new, unique payload for the account, in that provider's documented shape."""
    if account.provider == "bulutfon":
        kind = ("call_init", "call_hangup", "missing_call", "fax_init")[serial % 4]
        item = {
            "event_type": kind,
            "uuid": f"load-{serial}",
            "caller": 905326200000 + serial % 1000,
            "callee": 908508850000,
            "direction": "IN",
            "timestamp": 1_700_000_000_000_000 + serial,
        }
        return Post(account, json.dumps(item).encode(), 1)
    if account.provider == "bulkgate":
        count = 1 + serial % 5
        items = [
            {
                "status": "1",
                "smsID": f"load-{serial}-{index}",
                "price": "0.71",
                "date": "2411231000;2411231001",
            }
            for index in range(count)
        ]
        return Post(account, json.dumps(items).encode(), count)
    if account.provider == "netgsm":
        item = {
            "bulkid": serial,
            "caller": "8500000000",
            "callee": "5320000000",
            "state": 1 + serial % 3,
            "type": 3,
            "bilsec": 12,
            "detail": {"push_button": "1"},
        }
        return Post(account, json.dumps(item).encode(), 1)
    if serial % 3 == 0:
        records = [
            {
                "icid": f"load-{serial}-{index}",
                "sessionId": f"s-{serial}-{index}",
                "callEndTime": "2026-11-23 10:00:00",
                "callOutAnswerTime": "2026-11-23 09:59:30",
            }
            for index in range(1 + serial % 3)
        ]
        return Post(account, json.dumps({"eventType": "fee", "feeLst": records}).encode(), len(records))
    kind = ("callout", "alerting", "answer", "disconnect")[serial % 4]
    status = {
        "eventType": kind,
        "statusInfo": {"sessionId": f"load-{serial}", "timestamp": "2026-11-23 10:00:00"},
    }
    return Post(account, json.dumps(status).encode(), 1)


def plan(accounts: list[Account], posts: int, duplicate_share: float, seed: int = 7) -> list[Post]:
    """Build the posts: unique ones, with earlier ones sent again at random."""
    rng = random.Random(seed)
    planned: list[Post] = []
    for serial in range(posts):
        if planned and rng.random() < duplicate_share:
            planned.append(rng.choice(planned))
        else:
            planned.append(_body(accounts[serial % len(accounts)], serial))
    return planned


async def _send(
    session: aiohttp.ClientSession, instance: HomeAssistantInstance, post: Post, tally: Tally
) -> None:
    deadline = time.monotonic() + RETRY_FOR
    while True:
        try:
            async with session.post(
                instance.url + post.account.path, data=post.body, headers={"Content-Type": "application/json"}
            ) as response:
                status = response.status
                answer = await response.json(content_type=None) if status == 200 else None
            if status in (502, 503, 504):
                # Home Assistant is stopping and says so: the request was not taken.
                raise aiohttp.ServerDisconnectedError
        except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as err:
            # Home Assistant is restarting: retry, as providers do.
            if time.monotonic() > deadline:
                tally.errors.append(f"gave up: {type(err).__name__}")
                return
            tally.retries += 1
            await asyncio.sleep(0.5)
            continue
        tally.posts += 1
        if status == 200 and isinstance(answer, dict):
            tally.accepted += int(answer["accepted"])
            tally.duplicates += int(answer["duplicates"])
        elif 400 <= status < 500:
            tally.refused += 1
        else:
            tally.errors.append(f"HTTP {status}")
        return


async def run(fakes: FakeProviders, posts: int, clients: int) -> int:
    """Run the load with a restart halfway; print the report; return the exit code."""
    bench_accounts = accounts(fakes)
    instance = HomeAssistantInstance(bench_accounts, count_events=True)
    planned = plan(bench_accounts, posts, duplicate_share=0.10)
    unique = {id(post): post for post in planned}
    expected_items = sum(post.items for post in unique.values())
    tally = Tally()
    queue: asyncio.Queue[Post] = asyncio.Queue()
    for post in planned:
        queue.put_nowait(post)
    restart_at = posts // 2
    try:
        await instance.start()
        started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

            async def worker() -> None:
                while not queue.empty():
                    await _send(session, instance, queue.get_nowait(), tally)

            async def restarter() -> None:
                while tally.posts < restart_at:
                    await asyncio.sleep(0.05)
                await asyncio.to_thread(instance.stop)
                await instance.start()

            await asyncio.gather(restarter(), *(worker() for _ in range(clients)))
        elapsed = time.monotonic() - started
    finally:
        instance.stop()
    try:
        return report(instance, bench_accounts, tally, posts, clients, expected_items, elapsed)
    finally:
        instance.cleanup()


def report(
    instance: HomeAssistantInstance,
    bench_accounts: list[Account],
    tally: Tally,
    posts: int,
    clients: int,
    expected_items: int,
    elapsed: float,
) -> int:
    """Print the figures, and check that nothing acknowledged is missing."""
    fired = instance.counted_events()
    stored = 0
    recent = 0
    for account in bench_accounts:
        history = instance.storage(f"cloud_telephony.{account.entry_id}") or {
            "data": {"seen": {}, "recent": []}
        }
        stored += len(history["data"]["seen"])
        recent += len(history["data"]["recent"])
    print(f"Machine: {machine()}")
    print(f"Posts: {posts} from {clients} clients, 10 % duplicates, a restart (SIGTERM, start) halfway")
    print(f"Time: {elapsed:.1f} s including the restart")
    print(
        f"Posts answered: {tally.posts} (retried while restarting: {tally.retries}, refused: {tally.refused})"
    )
    print(f"Events accepted: {tally.accepted} of {expected_items} unique items sent")
    print(f"Duplicates suppressed: {tally.duplicates}")
    print(f"Events fired on the bus (counted by a listener, across the restart): {fired}")
    print(f"History after the restart: {stored} remembered events, {recent} recent entries kept")
    print(f"Errors: {len(tally.errors)} {sorted(set(tally.errors))[:5]}")
    # A post that Home Assistant took just before the SIGTERM may lose its answer; the client then
    # retries and hears "duplicate". So the store and the bus, not the answers, must match the items.
    problems = []
    if stored != expected_items:
        problems.append("an event is missing from the history store, or stored twice")
    if fired != stored:
        problems.append("bus events differ from stored events")
    if tally.errors:
        problems.append("errors")
    print(
        "Result: "
        + ("OK: nothing acknowledged was lost or counted twice" if not problems else "; ".join(problems))
    )
    return 1 if problems else 0


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    sys.exit(asyncio.run(serve(lambda fakes: run(fakes, args.posts, args.clients))))


if __name__ == "__main__":
    main()
