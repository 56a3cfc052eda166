"""Shared fixtures: the integration under test, fake provider servers and fixture loading."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator
from contextlib import closing
import json
import logging
from pathlib import Path
import re
import sqlite3
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState, ConfigSubentry
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from pytest_homeassistant_custom_component.common import MockConfigEntry

# Import the package first: the test plugin otherwise resolves `custom_components` to its own folder.
import custom_components.cloud_telephony  # noqa: F401  # isort: skip
from custom_components.cloud_telephony import hub as hub_module
from custom_components.cloud_telephony.api import (
    bulkgate as bulkgate_api,
    bulutfon as bulutfon_api,
    netgsm as netgsm_api,
    yemot as yemot_api,
)
from custom_components.cloud_telephony.const import (
    CONF_ACCOUNT_NAME,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CONTACTS,
    CONF_COUNTRY,
    CONF_PROVIDER,
    CONF_RECIPIENTS,
    DOMAIN,
)
from tests.fakes import (
    bulkgate as fake_bulkgate_api,
    bulutfon as fake,
    huawei as fake_huawei_api,
    netgsm as fake_netgsm_api,
    yemot as fake_yemot_api,
)
from tests.fakes.bulkgate import FakeBulkGate
from tests.fakes.bulutfon import FakeBulutfon
from tests.fakes.huawei import FakeHuawei
from tests.fakes.netgsm import FakeNetgsm
from tests.fakes.yemot import FakeYemot

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    """Return a fixture file exactly as stored."""
    return (FIXTURES / name).read_bytes()


async def _serve(app: web.Application) -> tuple[TestServer, str]:
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, str(server.make_url("")).rstrip("/")


@pytest.fixture
async def fake_bulkgate(socket_enabled: None) -> AsyncIterator[tuple[FakeBulkGate, str]]:
    """Run the fake BulkGate API on loopback; yield it and its base URL."""
    fake_api = FakeBulkGate()
    server, url = await _serve(fake_api.app())
    try:
        yield fake_api, url
    finally:
        await server.close()


@pytest.fixture
async def fake_netgsm(socket_enabled: None) -> AsyncIterator[tuple[FakeNetgsm, str]]:
    """Run the fake Netgsm API on loopback; yield it and its base URL."""
    fake_api = FakeNetgsm()
    server, url = await _serve(fake_api.app())
    try:
        yield fake_api, url
    finally:
        await server.close()


@pytest.fixture
async def fake_huawei(socket_enabled: None) -> AsyncIterator[tuple[FakeHuawei, str]]:
    """Run the fake Huawei Voice Call API on loopback; yield it and its base URL."""
    fake_api = FakeHuawei()
    server, url = await _serve(fake_api.app())
    try:
        yield fake_api, url
    finally:
        await server.close()


@pytest.fixture
async def fake_yemot(socket_enabled: None, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeYemot]:
    """Run the fake Yemot API on loopback and point the Yemot client at it."""
    fake_api = FakeYemot()
    server, url = await _serve(fake_api.app())
    monkeypatch.setattr(yemot_api, "API_URL", url)
    try:
        yield fake_api
    finally:
        await server.close()


YEMOT_ENTRY_ID = "01JCLOUDTELEPHONYYEMOT0001"


@pytest.fixture
def yemot_entry() -> MockConfigEntry:
    """Return a Yemot entry with one recipient (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Yemot 0773137770",
        unique_id="yemot_0773137770",
        entry_id=YEMOT_ENTRY_ID,
        data={
            CONF_PROVIDER: "yemot",
            CONF_ACCOUNT_NAME: "Yemot 0773137770",
            CONF_WEBHOOK_ID: "5678efab" * 8,
            "system_number": fake_yemot_api.SYSTEM_NUMBER,
            "password": fake_yemot_api.PASSWORD,
            "server": "ym",
        },
        options={
            CONF_COUNTRY: "IL",
            CONF_CONTACTS: "054-9876543 = אמא",
            CONF_RECIPIENTS: "054-9876543 = Imma",
        },
    )


@pytest.fixture
async def fake_bulutfon(socket_enabled: None) -> AsyncIterator[tuple[FakeBulutfon, str]]:
    """Run the fake Bulutfon API on loopback; yield it and its base URL."""
    fake_api = FakeBulutfon()
    server, url = await _serve(fake_api.app())
    try:
        yield fake_api, url
    finally:
        await server.close()


ENTRY_ID = "01JCLOUDTELEPHONYENTRY0001"
WEBHOOK_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
WEBHOOK_PATH = f"/api/webhook/{WEBHOOK_ID}"
EXTERNAL_URL = "https://home.example.com"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from this repository."""


def stored_rows(folder: Path, query: str, *parameters: Any) -> list[tuple[Any, ...]]:
    """Read the integration's database as another process would (what is on disk now)."""
    with closing(sqlite3.connect(folder / "cloud_telephony.db")) as connection:
        return connection.execute(query, parameters).fetchall()


def stored_events(folder: Path, entry_id: str) -> list[dict[str, Any]]:
    """Return the events an account's history holds on disk, oldest first."""
    rows = stored_rows(folder, "SELECT data FROM recent WHERE entry_id = ? ORDER BY seq", entry_id)
    return [json.loads(data) for (data,) in rows]


def stored_ids(folder: Path, entry_id: str) -> set[str]:
    """Return the provider identities an account's history remembers on disk."""
    return {key for (key,) in stored_rows(folder, "SELECT key FROM seen WHERE entry_id = ?", entry_id)}


@pytest.fixture(autouse=True)
def storage_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep each test's database in a folder of its own (the test config folder is shared)."""
    folder = tmp_path / "storage"
    monkeypatch.setattr(hub_module, "storage_dir", lambda hass: folder)
    return folder


# How Home Assistant announces a use that stops working in a later release: report_usage's
# "Detected that custom integration 'x' …", and deprecated constants, helpers and arguments
# ("… is deprecated …, please report it to the author of the 'x' custom integration").
_DEPRECATION = re.compile(r"Detected that custom integration|deprecat|will stop working", re.IGNORECASE)


def deprecation_reports(records: Iterable[logging.LogRecord]) -> list[str]:
    """Return the warnings that tell of a deprecated use by this integration."""
    return [
        message
        for record in records
        if record.levelno >= logging.WARNING
        and DOMAIN in (message := record.getMessage())
        and _DEPRECATION.search(message)
    ]


@pytest.fixture(autouse=True)
def no_deprecated_use(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test during which Home Assistant reports a deprecated use by the integration."""
    yield
    if request.node.get_closest_marker("reports_deprecation"):
        return
    records = [record for phase in ("setup", "call", "teardown") for record in caplog.get_records(phase)]
    if reports := deprecation_reports(records):
        pytest.fail("Home Assistant reported a deprecated use:\n" + "\n".join(reports))


@pytest.fixture
async def external_url(hass: HomeAssistant) -> str:
    """Give Home Assistant an external URL, as a user reachable from the internet would."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    return EXTERNAL_URL


@pytest.fixture
async def bulutfon_api_url(
    fake_bulutfon: tuple[FakeBulutfon, str], monkeypatch: pytest.MonkeyPatch
) -> FakeBulutfon:
    """Point the Bulutfon client at the local fake API."""
    server, url = fake_bulutfon
    monkeypatch.setattr(bulutfon_api, "API_URL", url)
    return server


@pytest.fixture
async def bulkgate_api_url(
    fake_bulkgate: tuple[FakeBulkGate, str], monkeypatch: pytest.MonkeyPatch
) -> FakeBulkGate:
    """Point the BulkGate client at the local fake API."""
    server, url = fake_bulkgate
    monkeypatch.setattr(bulkgate_api, "API_URL", url)
    return server


@pytest.fixture
async def netgsm_api_url(fake_netgsm: tuple[FakeNetgsm, str], monkeypatch: pytest.MonkeyPatch) -> FakeNetgsm:
    """Point the Netgsm client at the local fake API."""
    server, url = fake_netgsm
    monkeypatch.setattr(netgsm_api, "API_URL", url)
    return server


NETGSM_ENTRY_ID = "01JCLOUDTELEPHONYNETGSM001"
NETGSM_WEBHOOK_ID = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
NETGSM_WEBHOOK_PATH = f"/api/webhook/{NETGSM_WEBHOOK_ID}"


@pytest.fixture
def netgsm_entry() -> MockConfigEntry:
    """Return a Netgsm entry with one notify recipient (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Netgsm 8500000000",
        unique_id="netgsm_8500000000",
        entry_id=NETGSM_ENTRY_ID,
        data={
            CONF_PROVIDER: "netgsm",
            CONF_ACCOUNT_NAME: "Netgsm 8500000000",
            CONF_WEBHOOK_ID: NETGSM_WEBHOOK_ID,
            "usercode": fake_netgsm_api.USERCODE,
            "password": fake_netgsm_api.PASSWORD,
        },
        options={CONF_COUNTRY: "TR", CONF_CONTACTS: "", CONF_RECIPIENTS: "0532 000 00 00 = Mom"},
    )


HUAWEI_ENTRY_ID = "01JCLOUDTELEPHONYHUAWEI001"
HUAWEI_WEBHOOK_ID = "1234abcd" * 8
HUAWEI_WEBHOOK_PATH = f"/api/webhook/{HUAWEI_WEBHOOK_ID}"


@pytest.fixture
def huawei_entry(fake_huawei: tuple[FakeHuawei, str]) -> MockConfigEntry:
    """Return a Huawei entry whose access address is the local fake (not yet added)."""
    _, url = fake_huawei
    return MockConfigEntry(
        domain=DOMAIN,
        title="Huawei Cloud +8653159511234",
        unique_id=f"huawei_{fake_huawei_api.APP_KEY}",
        entry_id=HUAWEI_ENTRY_ID,
        data={
            CONF_PROVIDER: "huawei",
            CONF_ACCOUNT_NAME: "Huawei Cloud +8653159511234",
            CONF_WEBHOOK_ID: HUAWEI_WEBHOOK_ID,
            "app_key": fake_huawei_api.APP_KEY,
            "app_secret": fake_huawei_api.APP_SECRET,
            "base_url": url,
            "display_number": "+8653159511234",
            "pre_tone": "pretone.wav",
            "language_type": 2,
        },
        options={CONF_COUNTRY: "CN", CONF_CONTACTS: "", "strict_signature": False},
    )


BULKGATE_ENTRY_ID = "01JCLOUDTELEPHONYBULKGATE1"
BULKGATE_WEBHOOK_ID = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
BULKGATE_WEBHOOK_PATH = f"/api/webhook/{BULKGATE_WEBHOOK_ID}"


@pytest.fixture
def bulkgate_entry() -> MockConfigEntry:
    """Return a BulkGate entry with one notify recipient (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="BulkGate 12345",
        unique_id="bulkgate_12345",
        entry_id=BULKGATE_ENTRY_ID,
        minor_version=2,
        data={
            CONF_PROVIDER: "bulkgate",
            CONF_ACCOUNT_NAME: "BulkGate 12345",
            CONF_WEBHOOK_ID: BULKGATE_WEBHOOK_ID,
            bulkgate_api.APPLICATION_ID: fake_bulkgate_api.APPLICATION_ID,
            bulkgate_api.APPLICATION_TOKEN: fake_bulkgate_api.APPLICATION_TOKEN,
            bulkgate_api.SENDER_ID: "system",
        },
        options={
            CONF_COUNTRY: "CZ",
            CONF_CONTACTS: "+420 603 123 456 = Anna",
            CONF_RECIPIENTS: "+420 603 123 456 = Anna",
        },
    )


@pytest.fixture
def entry_data() -> dict[str, Any]:
    """Return the data of a Bulutfon entry without an API token."""
    return {
        CONF_PROVIDER: "bulutfon",
        CONF_ACCOUNT_NAME: "Office PBX",
        CONF_WEBHOOK_ID: WEBHOOK_ID,
    }


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """Return the options of a Bulutfon entry: Turkey, no basic auth, two contacts."""
    return {
        CONF_COUNTRY: "TR",
        CONF_BASIC_AUTH_USERNAME: "",
        CONF_BASIC_AUTH_PASSWORD: "",
        CONF_CONTACTS: "+90 532 620 00 00 = Ayşe\n1000 = Reception",
    }


@pytest.fixture
def mock_config_entry(entry_data: dict[str, Any], entry_options: dict[str, Any]) -> MockConfigEntry:
    """Return a Bulutfon entry (not yet added to Home Assistant)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Office PBX",
        unique_id="bulutfon_office pbx",
        entry_id=ENTRY_ID,
        data=entry_data,
        options=entry_options,
    )


def entry_variant(
    entry: MockConfigEntry,
    *,
    data: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    version: tuple[int, int] | None = None,
) -> MockConfigEntry:
    """Return a copy of an entry (same id) with some data, options or its version changed."""
    major, minor = version or (entry.version, entry.minor_version)
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=entry.unique_id,
        entry_id=entry.entry_id,
        data={**entry.data, **(data or {})},
        options={**entry.options, **(options or {})},
        version=major,
        minor_version=minor,
    )


@pytest.fixture
def token_entry(mock_config_entry: MockConfigEntry) -> MockConfigEntry:
    """Return the Bulutfon entry with a valid API token."""
    return entry_variant(mock_config_entry, data={bulutfon_api.API_TOKEN: fake.VALID_TOKEN})


type SetupEntry = Callable[[MockConfigEntry], Coroutine[Any, Any, None]]


@pytest.fixture
def setup_entry(hass: HomeAssistant) -> SetupEntry:
    """Return a function that adds an entry and sets it up."""

    async def setup(entry: MockConfigEntry) -> None:
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()

    return setup


async def change_options(hass: HomeAssistant, entry: ConfigEntry, **changes: Any) -> None:
    """Change options as a user does, through the options flow (which applies them)."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    wanted = {**entry.options, **changes}
    fields = {str(key) for key in result["data_schema"].schema}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input={key: value for key, value in wanted.items() if key in fields}
    )
    assert result["type"] == "create_entry", result.get("errors")
    await hass.async_block_till_done()


async def add_person(
    hass: HomeAssistant, entry: ConfigEntry, kind: str, number: str, name: str, **more: Any
) -> Any:
    """Add a contact or a notify recipient as a user does, through its subentry flow."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER}
    )
    assert result["type"] == "form"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"number": number, "name": name, **more}
    )
    await hass.async_block_till_done()
    return result


def subentry_of(entry: ConfigEntry, kind: str, name: str) -> ConfigSubentry:
    """Return the entry's subentry of a kind with this title."""
    [subentry] = [sub for sub in entry.subentries.values() if sub.subentry_type == kind and sub.title == name]
    return subentry


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> MockConfigEntry:
    """Set up the Bulutfon entry without an API token."""
    await setup_entry(mock_config_entry)
    return mock_config_entry


@pytest.fixture
async def media_dir(hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give Home Assistant a media folder and the media source; downloads retried a moment apart."""
    from homeassistant.setup import async_setup_component

    from custom_components.cloud_telephony import downloads

    monkeypatch.setattr(downloads, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    hass.config.media_dirs = {"local": str(tmp_path / "media")}
    assert await async_setup_component(hass, "media_source", {})
    return tmp_path / "media"


async def wait_for_events(hass: HomeAssistant, events: list[Any], count: int = 1) -> None:
    """Wait (up to 3 s) until `count` events were captured, then for the background work to settle."""
    for _ in range(300):
        if len(events) >= count:
            break
        await asyncio.sleep(0.01)
    await hass.async_block_till_done(wait_background_tasks=True)


async def until(condition: Callable[[], Any]) -> None:
    """Yield to the event loop until the condition holds (no timers: some tests freeze the clock)."""
    for _ in range(100_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not met")


async def _loaded[FakeT](setup_entry: SetupEntry, entry: MockConfigEntry, fake_api: FakeT) -> FakeT:
    """Set up an entry against its fake API; return the fake."""
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.LOADED
    return fake_api


@pytest.fixture
async def netgsm(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: FakeNetgsm,
) -> FakeNetgsm:
    """Set up the Netgsm entry against the fake API; return the fake."""
    return await _loaded(setup_entry, netgsm_entry, netgsm_api_url)


@pytest.fixture
async def bulkgate(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulkgate_api_url: FakeBulkGate,
) -> FakeBulkGate:
    """Set up the BulkGate entry against the fake API; return the fake."""
    return await _loaded(setup_entry, bulkgate_entry, bulkgate_api_url)


@pytest.fixture
async def bulutfon_v2(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_bulutfon: tuple[FakeBulutfon, str],
    setup_entry: SetupEntry,
    media_dir: Path,
) -> tuple[FakeBulutfon, str, MockConfigEntry]:
    """Set up a Bulutfon account with an API v2 key (an API user's) against the fake API."""
    server, url = fake_bulutfon
    entry = entry_variant(mock_config_entry, data={bulutfon_api.API_TOKEN: fake.V2_KEY, "base_url": url})
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.api_version == "v2"
    return server, url, entry
