"""Webhook speed against Home Assistant's own twilio webhook, in one running instance.

Run: ./scripts/benchmark throughput  [--requests N] [--concurrency N] [--rounds N]

For each kind of post, N requests (each with new ids, so every one is accepted, not a duplicate)
are sent with a fixed concurrency; the figures are requests per second and the CPU time of Home
Assistant's event loop per request (and per item). twilio, which turns a form post into one bus
event, is the reference; Cloud Telephony also parses, de-duplicates, records and updates entities.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import itertools
import json
import sys
import time
from typing import NamedTuple
from urllib.parse import urlencode

import aiohttp

from benchmarks.contract_reference import WEBHOOK_ID as REFERENCE_WEBHOOK_ID
from benchmarks.harness import Account, FakeProviders, HomeAssistantInstance, accounts, machine, serve

TWILIO_WEBHOOK_ID = "f0" * 32
SERIAL = itertools.count()
# The same call_hangup, answered by a handler that does only the contract's work.
MINIMAL = "minimal contract handler"
# Array sizes for the cost per item.
SIZES = (1, 10, 100, 1000)


@dataclass
class Result:
    """One measured kind of post."""

    name: str
    items: int
    requests_per_second: float
    cpu_ms_per_request: float

    @property
    def cpu_ms_per_item(self) -> float:
        return self.cpu_ms_per_request / self.items


def twilio_form() -> tuple[bytes, str]:
    """Return a Twilio call-status form, the same information as a Bulutfon call_hangup."""
    serial = next(SERIAL)
    form = {
        "CallSid": f"CA{serial:032d}",
        "AccountSid": "AC" + "0" * 32,
        "From": "+905326200000",
        "To": "+908508850000",
        "CallStatus": "completed",
        "Direction": "inbound",
        "CallDuration": "35",
        "Timestamp": "Mon, 23 Nov 2026 10:00:00 +0000",
    }
    return urlencode(form).encode(), "application/x-www-form-urlencoded"


def bulutfon_hangup() -> tuple[bytes, str]:
    """Return a Bulutfon call_hangup in the 2021 documented shape, with a new uuid."""
    return _hangup_body(f"tp-{next(SERIAL)}")


def bulutfon_retry() -> tuple[bytes, str]:
    """Return the same call_hangup every time: after the first, each one is a provider's retry."""
    return _hangup_body("tp-retried")


def _hangup_body(uuid: str) -> tuple[bytes, str]:
    item = {
        "event_type": "call_hangup",
        "caller": 905326200000,
        "callee": 908508850000,
        "uuid": uuid,
        "timestamp": 1614261582000000,
        "direction": "IN",
        "talk_duration": 35,
        "hangup_cause": "NORMAL_CLEARING",
        "hangup_detail": "send_bye",
        "result_disposition": "SUCCESS",
    }
    return json.dumps(item).encode(), "application/json"


def bulkgate_array(size: int) -> Callable[[], tuple[bytes, str]]:
    """Return a maker of BulkGate delivery arrays of the given size."""

    def make() -> tuple[bytes, str]:
        serial = next(SERIAL)
        items = [
            {"status": "1", "smsID": f"tp-{serial}-{index}", "price": "0.71", "date": "2411231000;2411231001"}
            for index in range(size)
        ]
        return json.dumps(items).encode(), "application/json"

    return make


def huawei_fee(size: int) -> Callable[[], tuple[bytes, str]]:
    """Return a maker of Huawei fee pushes with the given number of records."""

    def make() -> tuple[bytes, str]:
        serial = next(SERIAL)
        records = [
            {
                "direction": 0,
                "icid": f"tp-{serial}-{index}",
                "sessionId": f"tp-{serial}-{index}",
                "callerNum": "+8613800000022",
                "calleeNum": "+8613800000021",
                "callOutAnswerTime": "2019-01-24 03:04:31",
                "callEndTime": "2019-01-24 03:04:49",
                "serviceType": "001",
            }
            for index in range(size)
        ]
        return json.dumps({"eventType": "fee", "feeLst": records}).encode(), "application/json"

    return make


async def measure(
    instance: HomeAssistantInstance,
    path: str,
    make: Callable[[], tuple[bytes, str]],
    *,
    name: str,
    items: int,
    requests: int,
    concurrency: int,
) -> Result:
    """Send the requests and measure rate and CPU time."""
    bodies = [make() for _ in range(requests)]
    queue = list(reversed(bodies))
    failures = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal failures
            while queue:
                body, content_type = queue.pop()
                async with session.post(
                    instance.url + path, data=body, headers={"Content-Type": content_type}
                ) as response:
                    await response.read()
                    failures += response.status != 200

        cpu_before = instance.cpu_seconds()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = instance.cpu_seconds() - cpu_before
    if failures:
        raise RuntimeError(f"{name}: {failures} requests failed")
    return Result(name, items, requests / elapsed, cpu * 1000 / requests)


# A second Bulutfon account whose entities are disabled, to show what the event entity costs.
QUIET_ACCOUNT = Account(
    "bulutfon", "01JBENCHBULUTFONQUIET0000A", "b5" * 32, {"account_name": "Quiet PBX"}, entities_disabled=True
)


class Case(NamedTuple):
    """One kind of post to measure."""

    name: str
    path: str
    make: Callable[[], tuple[bytes, str]]
    items: int
    requests: int


def best(results: list[Result]) -> Result:
    """Return the best round of a case: the one least disturbed by the rest of the machine."""
    return Result(
        results[0].name,
        results[0].items,
        max(result.requests_per_second for result in results),
        min(result.cpu_ms_per_request for result in results),
    )


async def run(fakes: FakeProviders, requests: int, concurrency: int, rounds: int) -> int:
    """Measure every kind of post in one instance and print the comparison."""
    bench_accounts = accounts(fakes)
    by_provider: dict[str, Account] = {account.provider: account for account in bench_accounts}
    instance = HomeAssistantInstance(
        [*bench_accounts, QUIET_ACCOUNT], twilio_webhook_id=TWILIO_WEBHOOK_ID, probe=False, reference=True
    )
    twilio_path = f"/api/webhook/{TWILIO_WEBHOOK_ID}"
    bulutfon_path = by_provider["bulutfon"].path
    bulkgate = by_provider["bulkgate"].path
    cases = [
        Case("twilio form (reference)", twilio_path, twilio_form, 1, requests),
        Case(MINIMAL, f"/api/webhook/{REFERENCE_WEBHOOK_ID}", bulutfon_hangup, 1, requests),
        Case("Bulutfon call_hangup", bulutfon_path, bulutfon_hangup, 1, requests),
        Case("BulkGate array of 50", bulkgate, bulkgate_array(50), 50, requests // 10),
        Case("Huawei fee push of 50", by_provider["huawei"].path, huawei_fee(50), 50, requests // 10),
        *(
            Case(f"BulkGate array of {size}", bulkgate, bulkgate_array(size), size, max(20, requests // size))
            for size in SIZES
        ),
        # Where a single event's time goes: the same post answered as a retry (read, parse,
        # de-duplicate, answer), then accepted by an account without entities (+ record, bus).
        Case("Bulutfon retry (duplicate)", bulutfon_path, bulutfon_retry, 1, requests),
        Case("Bulutfon, entities disabled", QUIET_ACCOUNT.path, bulutfon_hangup, 1, requests),
    ]
    rounds_of: dict[str, list[Result]] = {case.name: [] for case in cases}
    try:
        await instance.start()
        # Warm up both paths (imports, caches) before measuring.
        for path, make in (
            (twilio_path, twilio_form),
            (bulutfon_path, bulutfon_hangup),
            (cases[1].path, bulutfon_hangup),
        ):
            await measure(
                instance, path, make, name="warm-up", items=1, requests=200, concurrency=concurrency
            )
        # Rounds take turns, so that a slow moment of the machine does not hit one case only.
        for _ in range(rounds):
            for case in cases:
                rounds_of[case.name].append(
                    await measure(
                        instance,
                        case.path,
                        case.make,
                        name=case.name,
                        items=case.items,
                        requests=case.requests,
                        concurrency=concurrency,
                    )
                )
    finally:
        instance.stop()
        instance.cleanup()
    report(
        {name: best(results) for name, results in rounds_of.items()},
        f"Concurrency: {concurrency}; requests per kind and round: {requests} "
        f"(arrays of 50: {requests // 10}); best of {rounds} rounds",
    )
    return 0


def report(results: dict[str, Result], settings: str) -> None:
    """Print the table, the ratio to twilio, the cost per extra item and where the time goes."""
    reference = results["twilio form (reference)"]
    print(f"Machine: {machine()}")
    print(settings)
    print(f"{'post':32} {'req/s':>9} {'x twilio':>9} {'CPU ms/req':>11} {'CPU ms/item':>12}")
    for result in results.values():
        ratio = result.requests_per_second / reference.requests_per_second
        print(
            f"{result.name:32} {result.requests_per_second:9.0f} {ratio:9.2f} "
            f"{result.cpu_ms_per_request:11.3f} {result.cpu_ms_per_item:12.4f}"
        )
    single = results["Bulutfon call_hangup"].cpu_ms_per_request
    minimal = results[MINIMAL].cpu_ms_per_request
    twilio = reference.cpu_ms_per_request
    print(
        f"Loop CPU of one Bulutfon event: {single / twilio:.2f} x twilio's (target ≤ 1.15), "
        f"{single / minimal:.2f} x the minimal contract handler's (target ≤ 1.10); "
        f"the minimal handler's: {minimal / twilio:.2f} x twilio's"
    )
    # The cost of one more item in a post, without the request's fixed cost: flat means the
    # pipeline does constant work per item whatever the size of the post.
    one = results[f"BulkGate array of {SIZES[0]}"].cpu_ms_per_request
    marginal = {
        size: (results[f"BulkGate array of {size}"].cpu_ms_per_request - one) / (size - SIZES[0]) * 1000
        for size in SIZES[1:]
    }
    figures = ", ".join(f"{micros:.1f} µs at {size:,}" for size, micros in marginal.items())
    print(f"CPU per extra item in a BulkGate array: {figures}")
    growth = marginal[SIZES[-1]] / marginal[SIZES[1]]
    print(
        f"At {SIZES[-1]:,} / at {SIZES[1]:,}: {growth:.2f} "
        "(flat = 1; above 1: an item costs more in a larger post)"
    )
    cpu = {name: result.cpu_ms_per_request * 1000 for name, result in results.items()}
    retry, quiet = cpu["Bulutfon retry (duplicate)"], cpu["Bulutfon, entities disabled"]
    print("CPU µs of one Bulutfon event beyond twilio's request:")
    print(f"  reading, parsing, de-duplicating, answering  {retry - cpu[reference.name]:6.0f}")
    print(f"  recording it and firing the bus event        {quiet - retry:6.0f}")
    print(f"  the event entity's new state                 {cpu['Bulutfon call_hangup'] - quiet:6.0f}")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sys.exit(asyncio.run(serve(lambda fakes: run(fakes, args.requests, args.concurrency, args.rounds))))


if __name__ == "__main__":
    main()
