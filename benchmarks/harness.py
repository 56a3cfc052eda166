"""A real Home Assistant process on loopback with Cloud Telephony accounts, for the benchmarks.

The providers' APIs are the local fakes of the test suite (tests/fakes), so that setting the
accounts up (which checks credentials) works without the internet. A small probe integration,
written into the instance's configuration, records every Cloud Telephony bus event in a file the
moment it is fired (so that a kill -9 loses no count) and watches the event loop with a 10 ms
timer.
"""

from __future__ import annotations

import asyncio
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import bulkgate as fake_bulkgate, huawei as fake_huawei, netgsm as fake_netgsm  # noqa: E402

HASS = ROOT / ".venv" / "bin" / "hass"
PROBE_WEBHOOK_ID = "benchprobe"


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
    """The fake BulkGate, Netgsm and Huawei APIs, served from this process on fixed ports.

    The ports are chosen at once, the servers started later: until then the APIs are down (the
    accounts' setup fails and is retried), as when a provider is unreachable.
    """

    NAMES = ("bulkgate", "netgsm", "huawei")

    def __init__(self) -> None:
        self.ports = {name: free_port() for name in self.NAMES}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self._servers: list[TestServer] = []

    async def start(self) -> None:
        apps = {
            "bulkgate": fake_bulkgate.FakeBulkGate().app(),
            "netgsm": fake_netgsm.FakeNetgsm().app(),
            "huawei": fake_huawei.FakeHuawei().app(),
        }
        for name, app in apps.items():
            server = TestServer(app, host="127.0.0.1", port=self.ports[name])
            await server.start_server()
            self._servers.append(server)

    async def stop(self) -> None:
        for server in self._servers:
            await server.close()
        self._servers = []


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
        "minor_version": 2,
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


PROBE_MANIFEST = {
    "domain": "bench_probe",
    "name": "Benchmark probe",
    "codeowners": [],
    "dependencies": ["webhook"],
    "documentation": "https://example.invalid",
    "iot_class": "local_push",
    "version": "0.0.1",
}
# Each fired event is written with one system call, so that a kill -9 loses none; the loop is
# watched with a timer due every 10 ms, and the worst lateness is served on a webhook.
PROBE_SOURCE = """
import gc
import json
import os
import time

from aiohttp.web import json_response

from homeassistant.components import webhook
from homeassistant.core import CoreState, callback

TYPES = ("call_started", "missed_call", "call_ended", "incoming_fax", "sms_received", "sms_status",
         "call_status", "call_record")
PERIOD = 0.010


async def async_setup(hass, config):
    log = os.open(hass.config.path("fired.log"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    @callback
    def fired(event):
        data = event.data
        identity = [data["config_entry_id"], data["type"], data["call_id"], data["status"]]
        os.write(log, (json.dumps(identity) + "\\n").encode())

    for kind in TYPES:
        hass.bus.async_listen(f"cloud_telephony_{kind}", fired)

    loop = hass.loop
    fresh = {
        "worst_ms": 0.0, "ticks": 0, "worst_gc_ms": 0.0, "gc_ms": 0.0, "worst_without_gc_ms": 0.0,
        "full_collections": 0,
    }
    stats = dict(fresh)
    collecting = []
    # Time the garbage collector took since the last tick: that part of a tick's lateness is Python's.
    collected_since_tick = [0.0]

    def collected(phase, info):
        # The garbage collector's passes stop the loop too: told apart from our own cost.
        if phase == "start":
            collecting[:] = [time.perf_counter()]
        elif collecting:
            spent = (time.perf_counter() - collecting.pop()) * 1000
            stats["worst_gc_ms"] = max(stats["worst_gc_ms"], spent)
            stats["gc_ms"] += spent
            collected_since_tick[0] += spent
            stats["full_collections"] += info["generation"] == 2

    gc.callbacks.append(collected)

    def tick(due):
        now = loop.time()
        late = (now - due) * 1000
        stats["worst_ms"] = max(stats["worst_ms"], late)
        # A pass in another thread may not have reported its end yet (it can hand the loop the
        # interpreter lock before its callback has run): count it up to now.
        running = (time.perf_counter() - collecting[0]) * 1000 if collecting else 0.0
        own = late - collected_since_tick[0] - running
        stats["worst_without_gc_ms"] = max(stats["worst_without_gc_ms"], own)
        collected_since_tick[0] = 0.0
        stats["ticks"] += 1
        loop.call_at(now + PERIOD, tick, now + PERIOD)

    loop.call_at(loop.time() + PERIOD, tick, loop.time() + PERIOD)

    async def handle(hass, webhook_id, request):
        answer = json_response({**stats, "started": hass.state is CoreState.running})
        stats.update(fresh)
        return answer

    webhook.async_register(hass, "bench_probe", "Probe", "PROBE_ID", handle, allowed_methods=["GET", "POST"])
    return True
""".replace("PROBE_ID", PROBE_WEBHOOK_ID)


@dataclass
class StartUp:
    """What a start of Home Assistant looked like from outside."""

    seconds_to_http: float
    """From the process start to the first HTTP answer."""
    window: float
    """From the first HTTP answer to the first answer of our webhook: posts meanwhile get
    Home Assistant's 200 for an unknown webhook."""


class HomeAssistantInstance:
    """A `hass` process with its own configuration folder."""

    def __init__(
        self,
        accounts: list[Account],
        *,
        twilio_webhook_id: str | None = None,
        probe: bool = True,
        reference: bool = False,
    ) -> None:
        self.accounts = accounts
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = Path(tempfile.mkdtemp(prefix="cloud-telephony-bench-"))
        self._process: subprocess.Popen[bytes] | None = None
        self.start_ups: list[StartUp] = []
        # How many events had been fired when each kill struck.
        self.fired_at_kills: list[int] = []
        self._write_config(twilio_webhook_id, probe, reference)

    def _write_config(self, twilio_webhook_id: str | None, probe: bool, reference: bool) -> None:
        components = self.config / "custom_components"
        components.mkdir()
        (components / "cloud_telephony").symlink_to(ROOT / "custom_components" / "cloud_telephony")
        probing = ""
        if reference:
            (components / "contract_reference").symlink_to(ROOT / "benchmarks" / "contract_reference")
            probing = "contract_reference:\n"
        if probe:
            folder = components / "bench_probe"
            folder.mkdir()
            (folder / "manifest.json").write_text(json.dumps(PROBE_MANIFEST), encoding="utf-8")
            (folder / "__init__.py").write_text(PROBE_SOURCE, encoding="utf-8")
            probing += "bench_probe:\n"
        (self.config / "configuration.yaml").write_text(
            "homeassistant:\n  name: Benchmark\n  country: TR\n  time_zone: Europe/Istanbul\n"
            f"  internal_url: {self.url}\n"
            "webhook:\nlogger:\n  default: warning\n  logs:\n    custom_components.cloud_telephony: info\n"
            + probing,
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
        # Home Assistant 2026 keeps the HTTP settings in storage (YAML is migrated, as a trial
        # that is undone after five minutes unless confirmed): a confirmed one, on loopback.
        stable = {
            "server_host": ["127.0.0.1"],
            "server_port": self.port,
            "cors_allowed_origins": ["https://cast.home-assistant.io"],
            "login_attempts_threshold": -1,
            "ip_ban_enabled": True,
            "ssl_profile": "modern",
            "use_x_frame_options": True,
            "created_at": datetime.now(UTC).isoformat(),
            "error": None,
            "error_message": None,
        }
        (storage / "http").write_text(
            json.dumps(
                {
                    "version": 2,
                    "minor_version": 2,
                    "key": "http",
                    "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
                }
            ),
            encoding="utf-8",
        )

    async def start(self, timeout: float = 180) -> StartUp:
        """Start Home Assistant; measure when HTTP and our webhooks answer; wait for all accounts."""
        log = (self.config / "hass.log").open("ab")
        started = time.monotonic()
        self._process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited for below
            [str(HASS), "--config", str(self.config), "--skip-pip"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = started + timeout
        http_up: float | None = None
        probe = self.url + self.accounts[0].path
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            # Poll often: the figure is the window in which posts reach Home Assistant but not us.
            # A post that reaches our handler may wait there for the history to open: what counts
            # is when it was sent, not when it was answered.
            while time.monotonic() < deadline:
                sent = time.monotonic()
                try:
                    async with session.post(probe, data=b"") as response:
                        http_up = http_up or sent
                        if response.status == 400:
                            start_up = StartUp(http_up - started, sent - http_up)
                            break
                except aiohttp.ClientError:
                    pass
                if self._process.poll() is not None:
                    raise RuntimeError(f"Home Assistant exited; see {self.config / 'hass.log'}")
                await asyncio.sleep(0.002)
            else:
                raise RuntimeError(f"Home Assistant did not come up; see {self.config / 'hass.log'}")
            while not await self._webhooks_ready(session):
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError(f"Home Assistant did not come up; see {self.config / 'hass.log'}")
                await asyncio.sleep(0.05)
        self.start_ups.append(start_up)
        return start_up

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

    def kill(self) -> None:
        """Kill Home Assistant at once (SIGKILL): a crash, a power switch for the process."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=30)
            self.fired_at_kills.append(len(self.fired()))

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def cpu_seconds(self) -> float:
        """Return the CPU time (user and system) of Home Assistant's event loop so far, to the ns.

        The loop runs in the process's main thread, where every webhook request is handled; the
        scheduler's own count is used, not the process's clock ticks (10 ms steps).
        """
        return int(Path(f"/proc/{self.pid}/task/{self.pid}/schedstat").read_text().split()[0]) / 1e9

    def rss_mib(self) -> float:
        """Return the resident memory of the process, in MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def loop_stats(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        """Return (and reset) the worst lateness of the probe's 10 ms timer since the last call."""
        async with session.get(f"{self.url}/api/webhook/{PROBE_WEBHOOK_ID}") as response:
            stats: dict[str, Any] = await response.json()
            return stats

    async def _probe_says_started(self, session: aiohttp.ClientSession) -> bool:
        async with session.get(f"{self.url}/api/webhook/{PROBE_WEBHOOK_ID}") as response:
            # Until the probe is set up, Home Assistant answers for its webhook with an empty 200.
            return response.content_type == "application/json" and (await response.json())["started"]

    async def wait_until_started(self, session: aiohttp.ClientSession, timeout: float = 60) -> None:
        """Wait for Home Assistant's start to complete (what it fires at EVENT_HOMEASSISTANT_STARTED).

        Under a stream of posts its wrap-up may take up to its 15 s timeout.
        """
        deadline = time.monotonic() + timeout
        while not await self._probe_says_started(session):
            if time.monotonic() > deadline:
                raise RuntimeError("Home Assistant did not complete its start")
            await asyncio.sleep(0.2)

    def fired(self) -> list[tuple[str, str, str | None, str | None]]:
        """Return every Cloud Telephony bus event fired, across restarts and kills."""
        path = self.config / "fired.log"
        if not path.exists():
            return []
        return [tuple(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def in_flight_at_kills(self) -> set[tuple[str, str, str | None, str | None]]:
        """Return the last event fired before each kill.

        It may have been struck between its firing and its mark in the journal: the next start
        cannot tell, and fires it again (rather than lose it).
        """
        fired = self.fired()
        return {fired[count - 1] for count in self.fired_at_kills if count}

    def stored_ids(self) -> set[tuple[str, str]]:
        """Return (entry id, provider identity) of every event in the history on disk."""
        path = self.config / ".storage" / "cloud_telephony.db"
        if not path.exists():
            return set()
        with closing(sqlite3.connect(path)) as connection:
            return set(connection.execute("SELECT entry_id, key FROM seen").fetchall())

    def database_bytes(self) -> int:
        """Return the size of the history's database files (with the write-ahead log)."""
        folder = self.config / ".storage"
        return sum(path.stat().st_size for path in folder.glob("cloud_telephony.db*"))

    def logged(self, logger: str = "custom_components.cloud_telephony") -> list[str]:
        """Return the warnings and errors a logger wrote, across every run of the instance."""
        path = self.config / "hass.log"
        if not path.exists():
            return []
        return [
            line
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if f"[{logger}" in line and (" WARNING " in line or " ERROR " in line)
        ]

    def cleanup(self) -> None:
        """Delete the configuration folder."""
        shutil.rmtree(self.config, ignore_errors=True)


async def serve(coroutine: Any, *, providers_up: bool = True) -> Any:
    """Run a benchmark with the fake providers (up, or down until the benchmark starts them)."""
    fakes = FakeProviders()
    if providers_up:
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
    version = subprocess.run(
        [
            str(HASS.parent / "python"),
            "-c",
            "from homeassistant.const import __version__; print(__version__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, Home Assistant {version}"


__all__ = [
    "Account",
    "FakeProviders",
    "HomeAssistantInstance",
    "StartUp",
    "accounts",
    "machine",
    "serve",
    "web",
]
