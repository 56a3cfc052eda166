"""A real Home Assistant process on loopback with Cloud Telephony accounts, for the benchmarks.

The providers' APIs are the local fakes of the test suite (tests/fakes), so that setting the
accounts up (which checks credentials) works without the internet.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import bulkgate as fake_bulkgate, huawei as fake_huawei, netgsm as fake_netgsm  # noqa: E402

HASS = ROOT / ".venv" / "bin" / "hass"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Account:
    """One config entry of the benchmark instance."""

    provider: str
    entry_id: str
    webhook_id: str
    data: dict[str, Any] = field(default_factory=dict)
    entities_disabled: bool = False
    """Add the account's entities disabled (the entry's "enable newly added entities" off)."""

    @property
    def path(self) -> str:
        return f"/api/webhook/{self.webhook_id}"


class FakeProviders:
    """The fake BulkGate, Netgsm and Huawei APIs, served from this process."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self._servers: list[TestServer] = []

    async def start(self) -> None:
        for name, app in (
            ("bulkgate", fake_bulkgate.FakeBulkGate().app()),
            ("netgsm", fake_netgsm.FakeNetgsm().app()),
            ("huawei", fake_huawei.FakeHuawei().app()),
        ):
            server = TestServer(app, host="127.0.0.1", port=free_port())
            await server.start_server()
            self._servers.append(server)
            self.urls[name] = str(server.make_url("")).rstrip("/")

    async def stop(self) -> None:
        for server in self._servers:
            await server.close()


def accounts(fakes: FakeProviders) -> list[Account]:
    """One account per provider that takes webhooks."""
    return [
        Account("bulutfon", "01JBENCHBULUTFON000000000A", "b1" * 32, {"account_name": "Bench PBX"}),
        Account(
            "bulkgate",
            "01JBENCHBULKGATE000000000A",
            "b2" * 32,
            {
                "application_id": fake_bulkgate.APPLICATION_ID,
                "application_token": fake_bulkgate.APPLICATION_TOKEN,
                "sender_id": "system",
                "base_url": fakes.urls["bulkgate"],
            },
        ),
        Account(
            "netgsm",
            "01JBENCHNETGSM00000000000A",
            "b3" * 32,
            {
                "usercode": fake_netgsm.USERCODE,
                "password": fake_netgsm.PASSWORD,
                "base_url": fakes.urls["netgsm"],
            },
        ),
        Account(
            "huawei",
            "01JBENCHHUAWEI00000000000A",
            "b4" * 32,
            {
                "app_key": fake_huawei.APP_KEY,
                "app_secret": fake_huawei.APP_SECRET,
                "base_url": fakes.urls["huawei"],
                "display_number": "+8653159511234",
                "pre_tone": "pretone.wav",
                "language_type": 2,
            },
        ),
    ]


def _entry(
    domain: str,
    entry_id: str,
    title: str,
    data: dict[str, Any],
    options: dict[str, Any],
    *,
    entities_disabled: bool = False,
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "created_at": now,
        "data": data,
        "disabled_by": None,
        "discovery_keys": {},
        "domain": domain,
        "entry_id": entry_id,
        "minor_version": 1,
        "modified_at": now,
        "options": options,
        "pref_disable_new_entities": entities_disabled,
        "pref_disable_polling": False,
        "source": "user",
        "subentries": [],
        "title": title,
        "unique_id": entry_id.lower(),
        "version": 1,
    }


# A helper integration for the load benchmark only: counts the bus events of Cloud Telephony and
# writes the running total at Home Assistant's final write, so a restart loses no count.
COUNTER_MANIFEST = {
    "domain": "bench_event_counter",
    "name": "Benchmark event counter",
    "codeowners": [],
    "documentation": "https://example.invalid",
    "iot_class": "local_push",
    "version": "0.0.1",
}
COUNTER_SOURCE = """
from pathlib import Path

from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import callback

TYPES = ("call_started", "missed_call", "call_ended", "incoming_fax", "sms_received", "sms_status",
         "call_status", "call_record")


async def async_setup(hass, config):
    path = Path(hass.config.path("cloud_telephony_events.count"))
    previous = int(await hass.async_add_executor_job(lambda: path.read_text() if path.exists() else "0"))
    seen = [0]

    @callback
    def count(event):
        seen[0] += 1

    for kind in TYPES:
        hass.bus.async_listen(f"cloud_telephony_{kind}", count)

    async def write(event):
        await hass.async_add_executor_job(path.write_text, str(previous + seen[0]))

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_FINAL_WRITE, write)
    return True
"""


class HomeAssistantInstance:
    """A `hass` process with its own configuration folder."""

    def __init__(
        self, accounts: list[Account], *, twilio_webhook_id: str | None = None, count_events: bool
    ) -> None:
        self.accounts = accounts
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = Path(tempfile.mkdtemp(prefix="cloud-telephony-bench-"))
        self._process: subprocess.Popen[bytes] | None = None
        self._write_config(twilio_webhook_id, count_events)

    def _write_config(self, twilio_webhook_id: str | None, count_events: bool) -> None:
        components = self.config / "custom_components"
        components.mkdir()
        (components / "cloud_telephony").symlink_to(ROOT / "custom_components" / "cloud_telephony")
        counting = ""
        if count_events:
            counter = components / "bench_event_counter"
            counter.mkdir()
            (counter / "manifest.json").write_text(json.dumps(COUNTER_MANIFEST), encoding="utf-8")
            (counter / "__init__.py").write_text(COUNTER_SOURCE, encoding="utf-8")
            counting = "bench_event_counter:\n"
        (self.config / "configuration.yaml").write_text(
            "homeassistant:\n  name: Benchmark\n  country: TR\n  time_zone: Europe/Istanbul\n"
            f"  internal_url: {self.url}\n"
            f"http:\n  server_host: 127.0.0.1\n  server_port: {self.port}\n"
            "webhook:\nlogger:\n  default: warning\n" + counting,
            encoding="utf-8",
        )
        entries = [
            _entry(
                "cloud_telephony",
                account.entry_id,
                f"Bench {account.provider}",
                {"provider": account.provider, "webhook_id": account.webhook_id, **account.data},
                {"country": "TR", "contacts": "", "recipients": ""},
                entities_disabled=account.entities_disabled,
            )
            for account in self.accounts
        ]
        if twilio_webhook_id:
            entries.append(
                _entry(
                    "twilio",
                    "01JBENCHTWILIO00000000000A",
                    "Twilio",
                    {"webhook_id": twilio_webhook_id, "cloudhook": False},
                    {},
                )
            )
        storage = self.config / ".storage"
        storage.mkdir()
        (storage / "core.config_entries").write_text(
            json.dumps(
                {"version": 1, "minor_version": 5, "key": "core.config_entries", "data": {"entries": entries}}
            ),
            encoding="utf-8",
        )

    async def start(self, timeout: float = 180) -> None:
        """Start Home Assistant and wait until every account's webhook answers."""
        log = (self.config / "hass.log").open("ab")
        self._process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited for below
            [str(HASS), "--config", str(self.config), "--skip-pip"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while asyncio.get_running_loop().time() < deadline:
                if await self._webhooks_ready(session):
                    return
                if self._process.poll() is not None:
                    break
                await asyncio.sleep(0.5)
        raise RuntimeError(f"Home Assistant did not come up; see {self.config / 'hass.log'}")

    async def _webhooks_ready(self, session: aiohttp.ClientSession) -> bool:
        # Unknown webhooks answer 200; ours answer 400 to an empty body once registered.
        for account in self.accounts:
            try:
                async with session.post(self.url + account.path, data=b"") as response:
                    if response.status != 400:
                        return False
            except aiohttp.ClientError:
                return False
        return True

    def stop(self) -> None:
        """Stop Home Assistant the way a service manager does (SIGTERM) and wait for it."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=120)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user and system) of Home Assistant's event loop so far, to the ns.

        The loop runs in the process's main thread, where every webhook request is handled; the
        scheduler's own count is used, not the process's clock ticks (10 ms steps).
        """
        assert self._process is not None
        pid = self._process.pid
        return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[0]) / 1e9

    def counted_events(self) -> int:
        """Return the Cloud Telephony bus events counted across every run (after a stop)."""
        path = self.config / "cloud_telephony_events.count"
        return int(path.read_text()) if path.exists() else 0

    def storage(self, key: str) -> dict[str, Any] | None:
        """Return a `.storage` document (after a stop)."""
        path = self.config / ".storage" / key
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def cleanup(self) -> None:
        """Delete the configuration folder."""
        shutil.rmtree(self.config, ignore_errors=True)


async def serve(coroutine: Any) -> Any:
    """Run a benchmark with the fake providers up."""
    fakes = FakeProviders()
    await fakes.start()
    try:
        return await coroutine(fakes)
    finally:
        await fakes.stop()


def machine() -> str:
    """Describe the machine the figures come from."""
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


__all__ = ["Account", "FakeProviders", "HomeAssistantInstance", "accounts", "machine", "serve", "web"]
