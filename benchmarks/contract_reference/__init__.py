"""The least a webhook handler can do and keep the contract: the benchmarks' second reference.

For one JSON call event: read the body, parse it, de-duplicate by the provider's id, write it
durably (SQLite in WAL mode with synchronous=FULL, one writer thread with group commit) before
answering, fire the bus event with the contract's keys, write one entity state, answer with the
counts. Nothing else: no settings, contacts, signatures, journal, device or entity machinery.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
import queue
import sqlite3
import threading
from typing import Any, Final

from aiohttp.web import Request, Response, json_response

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_dumps
from homeassistant.helpers.typing import ConfigType

DOMAIN: Final = "contract_reference"
WEBHOOK_ID: Final = "c0" * 32
ENTITY_ID: Final = "event.contract_reference_calls"

type Batch = list[tuple[str, str, asyncio.Future[None]]]


class Writer:
    """One thread that writes whatever is queued, then commits once for all of it."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._loop = hass.loop
        self._queue: queue.SimpleQueue[tuple[str, str, asyncio.Future[None]]] = queue.SimpleQueue()
        self._connection = sqlite3.connect(hass.config.path("contract_reference.db"), check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.execute("CREATE TABLE IF NOT EXISTS events (key TEXT PRIMARY KEY, data TEXT)")
        threading.Thread(target=self._run, name=DOMAIN, daemon=True).start()

    def write(self, key: str, data: str) -> asyncio.Future[None]:
        """Queue one event; the future is done once it is on disk."""
        written: asyncio.Future[None] = self._loop.create_future()
        self._queue.put((key, data, written))
        return written

    def _run(self) -> None:
        while True:
            batch: Batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get())
            self._connection.executemany(
                "INSERT OR IGNORE INTO events VALUES (?, ?)", [(key, data) for key, data, _ in batch]
            )
            self._connection.commit()
            self._loop.call_soon_threadsafe(_done, [written for _, _, written in batch])


def _done(futures: list[asyncio.Future[None]]) -> None:
    for written in futures:
        if not written.done():
            written.set_result(None)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the reference webhook."""
    writer = Writer(hass)
    seen: set[str] = set()

    async def handle(hass: HomeAssistant, webhook_id: str, request: Request) -> Response:
        item: dict[str, Any] = json.loads(await request.read())
        key = f"{item['event_type']}:{item['uuid']}"
        if key in seen:
            return json_response({"accepted": 0, "duplicates": 1})
        seen.add(key)
        now = datetime.now(UTC)
        data = {
            "config_entry_id": "reference",
            "device_id": "reference",
            "provider": "reference",
            "type": "call_ended",
            "call_id": item["uuid"],
            "caller": f"+{item['caller']}",
            "caller_name": None,
            "callee": f"+{item['callee']}",
            "direction": "inbound",
            "status": "answered",
            "duration": item["talk_duration"],
            "occurred_at": datetime.fromtimestamp(item["timestamp"] / 1e6, UTC).isoformat(),
            "received_at": now.isoformat(),
        }
        await writer.write(key, json_dumps(data))
        hass.bus.async_fire("contract_reference_call_ended", data)
        hass.states.async_set(ENTITY_ID, now.isoformat(), {"event_type": "call_ended", **data})
        return json_response({"accepted": 1, "duplicates": 0})

    webhook.async_register(hass, DOMAIN, "Contract reference", WEBHOOK_ID, handle)
    return True
