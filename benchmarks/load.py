"""Load through a restart, a crash or a provider outage: is anything acknowledged lost, or fired twice.

Run: ./scripts/benchmark load [--mode sigterm|kill9|api-down] [--posts N] [--clients N] [--seed N]

10,000 posts from 50 clients, 10 % of them sent again later (as providers retry), mixing Bulutfon
calls, BulkGate delivery arrays, Netgsm call results and Huawei status and fee pushes.

- sigterm: at a random moment Home Assistant is stopped with SIGTERM and started again.
- kill9: at a random moment it is killed (SIGKILL) and started again.
- api-down: the providers' APIs are unreachable when Home Assistant starts (their accounts retry
  their setup); they come back at a random moment.

Clients behave like providers: a post that gets no answer, a refused connection or a 5xx is sent
again until it gets one; a 200 (or 4xx) ends it. Home Assistant answers posts for a webhook that
nobody registered with an empty 200: those, posted while Home Assistant starts and before the
integration registered its webhooks, are counted apart, with the measured window.

Checked at the end, on disk and on the bus (a probe integration writes every fired event down at
once, so that a kill loses none of them): every item of a post that we answered 200 is in the
history and was fired exactly once; no item was fired twice; no 5xx. One exception, by design: the
event being fired at the instant of a kill may fire again at the next start (it was fired, but
its mark in the journal was not yet made; the start fires what it cannot tell was fired, rather
than lose it). The report counts it apart.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import random
import sys
import time

import aiohttp

from benchmarks.harness import Account, FakeProviders, HomeAssistantInstance, accounts, machine, serve
from custom_components.cloud_telephony.api import PROVIDERS, WebhookRequest

RETRY_FOR = 300.0

type Identity = tuple[str, str, str | None, str | None]
"""(entry id, event type, call id, status): how the probe writes a fired event down."""


@dataclass
class Post:
    """One request body, the account it goes to, and the events it carries."""

    account: Account
    body: bytes
    keys: list[str] = field(default_factory=list)
    """The items' provider identities, as the history keeps them."""
    identities: list[Identity] = field(default_factory=list)


@dataclass
class Outcome:
    """What one post got in the end."""

    ours: bool = False
    """Answered 200 by the integration (a JSON count)."""
    by_core: bool = False
    """Answered 200 with an empty body: Home Assistant had no handler for the webhook yet."""
    refused: int = 0


@dataclass
class Tally:
    """What the clients saw."""

    answered: int = 0
    retries: int = 0
    accepted: int = 0
    duplicates: int = 0
    server_errors: Counter[int] = field(default_factory=Counter)
    gave_up: int = 0


def _body(account: Account, serial: int) -> bytes:
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
        return json.dumps(item).encode()
    if account.provider == "bulkgate":
        items = [
            {
                "status": "1",
                "smsID": f"load-{serial}-{index}",
                "price": "0.71",
                "date": "2411231000;2411231001",
            }
            for index in range(1 + serial % 5)
        ]
        return json.dumps(items).encode()
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
        return json.dumps(item).encode()
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
        return json.dumps({"eventType": "fee", "feeLst": records}).encode()
    kind = ("callout", "alerting", "answer", "disconnect")[serial % 4]
    status = {
        "eventType": kind,
        "statusInfo": {"sessionId": f"load-{serial}", "timestamp": "2026-11-23 10:00:00"},
    }
    return json.dumps(status).encode()


def _post(account: Account, body: bytes) -> Post:
    """Describe a post by what the integration's own parser makes of it."""
    request = WebhookRequest(
        body=body, received_at=datetime.now(UTC), content_type="application/json", region="TR"
    )
    events = PROVIDERS[account.provider].parse_webhook(request)
    return Post(
        account,
        body,
        keys=[event.dedupe_key for event in events],
        identities=[(account.entry_id, str(event.type), event.call_id, event.status) for event in events],
    )


def plan(accounts: list[Account], posts: int, duplicate_share: float, seed: int) -> list[Post]:
    """Build the posts: unique ones, with earlier ones sent again at random."""
    rng = random.Random(seed)
    planned: list[Post] = []
    for serial in range(posts):
        if planned and rng.random() < duplicate_share:
            planned.append(rng.choice(planned))
        else:
            account = accounts[serial % len(accounts)]
            planned.append(_post(account, _body(account, serial)))
    return planned


async def _send(
    session: aiohttp.ClientSession,
    instance: HomeAssistantInstance,
    post: Post,
    tally: Tally,
    outcome: Outcome,
) -> None:
    deadline = time.monotonic() + RETRY_FOR
    while True:
        try:
            async with session.post(
                instance.url + post.account.path, data=post.body, headers={"Content-Type": "application/json"}
            ) as response:
                status = response.status
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError):
            status, text = 0, ""
        if status == 200 and not text:
            outcome.by_core = True
            tally.answered += 1
            return
        if status == 200:
            answer = json.loads(text)
            tally.answered += 1
            tally.accepted += int(answer["accepted"])
            tally.duplicates += int(answer["duplicates"])
            outcome.ours = True
            return
        if 400 <= status < 500:
            tally.answered += 1
            outcome.refused += 1
            return
        if status >= 500:
            tally.server_errors[status] += 1
        # No answer, a refused connection or a 5xx: the provider sends it again.
        if time.monotonic() > deadline:
            tally.gave_up += 1
            return
        tally.retries += 1
        await asyncio.sleep(0.2)


async def run(fakes: FakeProviders, mode: str, posts: int, clients: int, seed: int, keep: bool) -> int:
    """Run the load with its disruption; print the report; return the exit code."""
    rng = random.Random(seed)
    bench_accounts = accounts(fakes)
    instance = HomeAssistantInstance(bench_accounts)
    planned = plan(bench_accounts, posts, duplicate_share=0.10, seed=seed)
    outcomes: dict[int, Outcome] = {id(post): Outcome() for post in planned}
    tally = Tally()
    queue: asyncio.Queue[Post] = asyncio.Queue()
    for post in planned:
        queue.put_nowait(post)
    disrupt_at = int(posts * rng.uniform(0.2, 0.8))
    try:
        await instance.start()
        started = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:

            async def worker() -> None:
                while not queue.empty():
                    post = queue.get_nowait()
                    await _send(session, instance, post, tally, outcomes[id(post)])

            async def disrupt() -> None:
                while tally.answered < disrupt_at:
                    await asyncio.sleep(0.005)
                # A random moment inside the stretch, not the instant a post was answered.
                await asyncio.sleep(rng.uniform(0, 0.05))
                if mode == "sigterm":
                    await asyncio.to_thread(instance.stop)
                    await instance.start()
                elif mode == "kill9":
                    instance.kill()
                    await instance.start()
                else:
                    await fakes.start()

            await asyncio.gather(disrupt(), *(worker() for _ in range(clients)))
            elapsed = time.monotonic() - started
            # Events recorded but not fired before a kill are fired once the start is complete.
            await instance.wait_until_started(session)
    finally:
        instance.stop()
    try:
        return report(instance, mode, planned, outcomes, tally, clients, disrupt_at, elapsed)
    finally:
        if keep:
            print(f"Kept: {instance.config}")
        else:
            instance.cleanup()


def report(
    instance: HomeAssistantInstance,
    mode: str,
    planned: list[Post],
    outcomes: dict[int, Outcome],
    tally: Tally,
    clients: int,
    disrupt_at: int,
    elapsed: float,
) -> int:
    """Print the figures, and check that nothing acknowledged is lost or fired twice."""
    unique = {id(post): post for post in planned}
    stored = instance.stored_ids()
    fired = Counter(instance.fired())
    # The event being fired when a kill struck fires again at the next start (never lost).
    in_flight = instance.in_flight_at_kills()

    def allowed(identity: tuple[str, str, str | None, str | None]) -> int:
        return 2 if identity in in_flight else 1

    acknowledged = [post for key, post in unique.items() if outcomes[key].ours]
    by_core = [post for key, post in unique.items() if outcomes[key].by_core and not outcomes[key].ours]
    lost = [
        (post, key, identity)
        for post in acknowledged
        for key, identity in zip(post.keys, post.identities, strict=True)
        if (post.account.entry_id, key) not in stored or not 1 <= fired[identity] <= allowed(identity)
    ]
    twice = [identity for identity, count in fired.items() if count > allowed(identity)]
    again = [identity for identity in in_flight if fired[identity] == 2]
    items = sum(len(post.keys) for post in unique.values())
    describe = {
        "sigterm": "stopped with SIGTERM and started again",
        "kill9": "killed with SIGKILL and started again",
        "api-down": "providers' APIs down at the start, back",
    }[mode]
    print(f"Machine: {machine()}")
    print(f"Mode: {mode}: {describe} after {disrupt_at} answered posts")
    print(
        f"Posts: {len(planned)} ({len(unique)} distinct, {items} items), {clients} clients, {elapsed:.1f} s"
    )
    print(
        f"Answered: {tally.answered}; sent again (no answer, 5xx): {tally.retries}; gave up: {tally.gave_up}"
    )
    print(f"Items accepted: {tally.accepted}; answered as duplicates: {tally.duplicates}")
    print(f"Posts answered 200 by the integration: {len(acknowledged)}")
    print(f"Acknowledged but lost (not on disk, or not fired once): {len(lost)}")
    print(f"Fired twice: {len(twice)}")
    if mode == "kill9":
        print(
            f"Fired again after the kill, having been fired when it struck: {len(again)} "
            "(its mark in the journal could not follow)"
        )
    print(f"5xx answers: {sum(tally.server_errors.values())} {dict(tally.server_errors)}")
    windows = ", ".join(f"{start.window * 1000:.0f} ms" for start in instance.start_ups)
    to_http = ", ".join(f"{start.seconds_to_http:.1f} s" for start in instance.start_ups)
    print(f"Start-ups: HTTP answered after {to_http}; our webhooks answered {windows} later")
    core_items = sum(len(post.keys) for post in by_core)
    print(
        f"Posts answered by Home Assistant before the integration was set up: {len(by_core)} "
        f"({core_items} items; a provider takes them as delivered)"
    )
    logged = instance.logged()
    print(f"Warnings and errors the integration logged: {len(logged)}")
    for line in logged[:5]:
        print(f"  {line[:160]}")
    problems = []
    if lost:
        missing = sum(1 for post, key, _identity in lost if (post.account.entry_id, key) not in stored)
        problems.append(
            f"{len(lost)} acknowledged items lost ({missing} not on disk, {len(lost) - missing} not fired "
            f"once), e.g. {lost[0][2]} fired {fired[lost[0][2]]} times"
        )
    if twice:
        problems.append(f"{len(twice)} fired twice, e.g. {twice[0]}")
    if tally.server_errors:
        problems.append("5xx answers")
    if tally.gave_up:
        problems.append("posts never answered")
    print("Result: " + ("OK" if not problems else "; ".join(problems)))
    return 1 if problems else 0


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=("sigterm", "kill9", "api-down"), default="sigterm")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the instance's folder (logs, database)")
    args = parser.parse_args()
    print(f"Seed: {args.seed}")
    sys.exit(
        asyncio.run(
            serve(
                lambda fakes: run(fakes, args.mode, args.posts, args.clients, args.seed, args.keep),
                providers_up=args.mode != "api-down",
            )
        )
    )


if __name__ == "__main__":
    main()
