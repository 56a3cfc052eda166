"""Every path a delivery takes, and what is promised on each.

Home Assistant Cloud, an entry not set up (yet), a reload or a removal with a post in flight, a
database that refuses writes, two deliveries of one event at once, crafted bodies.

The promise on each: an event answered 200 is on disk and fired once; a retry is answered 200 and
not fired again; a post that cannot be taken now gets 503 with Retry-After; never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from http import HTTPStatus
import inspect
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED, MATCH_ALL
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from homeassistant.util.aiohttp import MockRequest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony import hub as hub_module, pipeline, webhook as webhook_module
from custom_components.cloud_telephony.api import (
    WebhookRequest,
    bulkgate as bulkgate_api,
    netgsm as netgsm_api,
)
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.history import Accepted
from custom_components.cloud_telephony.hub import DATA_HUB
from custom_components.cloud_telephony.store import StoreUnavailableError
from tests.conftest import (
    BULKGATE_WEBHOOK_ID,
    NETGSM_WEBHOOK_ID,
    WEBHOOK_PATH,
    SetupEntry,
    fixture_bytes,
    stored_ids,
)

# Every documented webhook sample of every provider that posts (Yemot's inbox is polled).
SAMPLES: list[tuple[str, str]] = [
    *(
        ("bulutfon", f"bulutfon/{name}.json")
        for name in (
            "seed_call_init",
            "seed_call_init_extension",
            "seed_call_init_group",
            "seed_call_init_menu",
            "seed_call_hangup",
            "seed_fax_init",
            "seed_missing_call",
            "v2021_call_init",
            "v2021_call_init_menu",
            "v2021_call_hangup",
            "v2021_fax_init",
            "v2021_incoming_call_extension",
            "v2021_incoming_call_group",
            "v2021_missing_call",
        )
    ),
    ("bulkgate", "bulkgate/seed_dlr_and_reply.json"),
    ("netgsm", "netgsm/seed_webhook.json"),
    ("netgsm", "netgsm/seed_webhook_masked.json"),
    ("huawei", "huawei/seed_status_callout.json"),
    ("huawei", "huawei/seed_fee.json"),
]
# Keys that differ between two accounts by design.
ACCOUNT_KEYS = frozenset({"config_entry_id", "device_id", "received_at"})


def cloud_request(body: bytes, headers: dict[str, str] | None = None, method: str = "POST") -> MockRequest:
    """Build the request Home Assistant Cloud hands a webhook (cloud/client.py, async_webhook_message)."""
    # Cloud sets `remote` from Home Assistant 2025.5 on (MockRequest had no such argument before).
    remote = {"remote": None} if "remote" in inspect.signature(MockRequest).parameters else {}
    return MockRequest(
        content=body.decode("utf-8").encode("utf-8"),
        headers=headers or {},
        method=method,
        query_string="",
        mock_source="cloud",
        **remote,
    )


@pytest.fixture
def capture_all(hass: HomeAssistant) -> list[Event]:
    """Capture every Cloud Telephony bus event."""
    events: list[Event] = []

    @callback
    def capture(event: Event) -> None:
        if event.event_type.startswith(f"{DOMAIN}_"):
            events.append(event)

    hass.bus.async_listen(MATCH_ALL, capture)
    return events


@pytest.fixture
async def accounts(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    bulkgate_entry: MockConfigEntry,
    netgsm_entry: MockConfigEntry,
    huawei_entry: MockConfigEntry,
    bulkgate_api_url: Any,
    netgsm_api_url: Any,
) -> dict[str, tuple[MockConfigEntry, MockConfigEntry]]:
    """Two accounts of each provider, set up: one gets posts through Cloud, the other over HTTP."""
    pairs: dict[str, tuple[MockConfigEntry, MockConfigEntry]] = {}
    for index, entry in enumerate((mock_config_entry, bulkgate_entry, netgsm_entry, huawei_entry)):
        twin = MockConfigEntry(
            domain=DOMAIN,
            title=f"{entry.title} twin",
            unique_id=f"{entry.unique_id}-twin",
            entry_id=f"{entry.entry_id[:-4]}TWN{index}",
            data={**entry.data, "webhook_id": f"{index:02d}" * 32},
            options=dict(entry.options),
            version=entry.version,
            minor_version=entry.minor_version,
        )
        entry.add_to_hass(hass)
        twin.add_to_hass(hass)
        pairs[entry.data["provider"]] = (twin, entry)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    for twin, entry in pairs.values():
        assert twin.state is ConfigEntryState.LOADED
        assert entry.state is ConfigEntryState.LOADED
    return pairs


def _comparable(events: list[Event]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (event.event_type, {key: value for key, value in event.data.items() if key not in ACCOUNT_KEYS})
        for event in events
    ]


@pytest.mark.parametrize(("provider", "sample"), SAMPLES)
async def test_cloud_delivers_like_http(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    accounts: dict[str, tuple[MockConfigEntry, MockConfigEntry]],
    capture_all: list[Event],
    provider: str,
    sample: str,
) -> None:
    """The same documented post through a cloudhook and over HTTP: same answer, same events."""
    by_cloud, by_http = accounts[provider]
    body = fixture_bytes(sample)
    headers = {"Content-Type": "application/json"}

    cloud_answer = await webhook.async_handle_webhook(
        hass, by_cloud.data["webhook_id"], cloud_request(body, headers)
    )
    await hass.async_block_till_done()
    cloud_events, capture_all[:] = list(capture_all), []
    client = await hass_client_no_auth()
    http_answer = await client.post(f"/api/webhook/{by_http.data['webhook_id']}", data=body, headers=headers)
    await hass.async_block_till_done()

    assert cloud_answer.status == http_answer.status
    assert json.loads(cloud_answer.body) == await http_answer.json()
    assert _comparable(cloud_events) == _comparable(capture_all)
    if cloud_answer.status == HTTPStatus.OK:
        assert cloud_events, "a documented sample that is accepted brings events"
        assert {event.data["config_entry_id"] for event in cloud_events} == {by_cloud.entry_id}
    # A retry through Cloud is a duplicate, as over HTTP.
    again = await webhook.async_handle_webhook(
        hass, by_cloud.data["webhook_id"], cloud_request(body, headers)
    )
    if again.status == HTTPStatus.OK:
        assert json.loads(again.body)["accepted"] == 0


@pytest.mark.usefixtures("bulkgate_api_url")
async def test_a_large_body_arrives_whole_through_cloud(
    hass: HomeAssistant, bulkgate_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """A body of several read chunks arrives whole through Cloud.

    Cloud's MockRequest makes a new stream each time `content` is read: reading it in a loop took
    the first chunk again and again and answered 413 to every large post.
    """
    await setup_entry(bulkgate_entry)
    reports = [{"status": "1", "smsID": f"large-{number}", "price": "0.71"} for number in range(5000)]
    body = json.dumps(reports).encode()
    assert len(body) > 3 * 64 * 1024
    answer = await webhook.async_handle_webhook(
        hass, BULKGATE_WEBHOOK_ID, cloud_request(body, {"Content-Type": "application/json"})
    )
    assert answer.status == HTTPStatus.OK
    assert json.loads(answer.body) == {"accepted": 5000, "duplicates": 0}


async def test_an_entry_whose_api_is_down_takes_posts(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Inbound never waits for outbound: the entry retries its setup, its webhook records meanwhile."""
    monkeypatch.setattr(bulkgate_api, "API_URL", "http://127.0.0.1:9")  # nothing listens there
    events = async_capture_events(hass, "cloud_telephony_sms_received")
    bulkgate_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(bulkgate_entry.entry_id)
    await hass.async_block_till_done()
    assert bulkgate_entry.state is ConfigEntryState.SETUP_RETRY
    client = await hass_client_no_auth()
    reply = {"status": 10, "from": "420603123456", "text": "CLOSE"}
    response = await client.post(f"/api/webhook/{BULKGATE_WEBHOOK_ID}", json=reply)
    assert await response.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    assert [event.data["message"] for event in events] == ["CLOSE"]
    assert len(stored_ids(storage_folder, bulkgate_entry.entry_id)) == 1


@pytest.fixture
def opening(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Hold the opening of the history until the returned event is set."""
    gate = asyncio.Event()
    real_start = hub_module.TelephonyHub._async_start

    async def held_start(self: hub_module.TelephonyHub) -> None:
        await gate.wait()
        await real_start(self)

    monkeypatch.setattr(hub_module.TelephonyHub, "_async_start", held_start)
    return gate


async def test_posts_wait_while_the_history_opens(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    opening: asyncio.Event,
) -> None:
    """Webhooks are registered before the history is read; a post meanwhile waits, then is taken."""
    mock_config_entry.add_to_hass(hass)
    setup = hass.async_create_task(async_setup_component(hass, DOMAIN, {}))
    await asyncio.sleep(0.05)
    client = await hass_client_no_auth()
    post = hass.async_create_task(
        client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_missing_call.json"))
    )
    await asyncio.sleep(0.05)
    assert not post.done()
    opening.set()
    response = await post
    assert await setup
    assert await response.json() == {"accepted": 1, "duplicates": 0}


async def test_a_history_that_does_not_open_in_time_gets_503(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
    opening: asyncio.Event,
) -> None:
    monkeypatch.setattr(hub_module, "READY_TIMEOUT", 0.05)
    mock_config_entry.add_to_hass(hass)
    setup = hass.async_create_task(async_setup_component(hass, DOMAIN, {}))
    await asyncio.sleep(0.05)
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_missing_call.json"))
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.headers["Retry-After"] == "30"
    opening.set()
    assert await setup
    # The provider's retry is taken.
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_missing_call.json"))
    assert await response.json() == {"accepted": 1, "duplicates": 0}


async def _slowly(body: bytes, proceed: asyncio.Event) -> AsyncIterator[bytes]:
    """Send a body in two halves, the second only when told: the post is in flight meanwhile."""
    yield body[: len(body) // 2]
    await proceed.wait()
    yield body[len(body) // 2 :]


@pytest.fixture
def reading(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Return an event set once the webhook handler has started to read a body."""
    started = asyncio.Event()
    real_read = webhook_module._read_capped

    async def read(request: Any) -> bytes | None:
        started.set()
        return await real_read(request)

    monkeypatch.setattr(webhook_module, "_read_capped", read)
    return started


async def test_a_reload_with_a_post_in_flight(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
    reading: asyncio.Event,
) -> None:
    """An options save reloads the entry; a post in the middle of it is taken once, not a 500."""
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    proceed = asyncio.Event()
    body = fixture_bytes("bulutfon/seed_missing_call.json")
    client = await hass_client_no_auth()
    post = hass.async_create_task(client.post(WEBHOOK_PATH, data=_slowly(body, proceed)))
    await reading.wait()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    proceed.set()
    response = await post
    assert response.status == HTTPStatus.OK
    assert await response.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    assert len(events) == 1
    retry = await client.post(WEBHOOK_PATH, data=body)
    assert await retry.json() == {"accepted": 0, "duplicates": 1}
    assert len(stored_ids(storage_folder, init_integration.entry_id)) == 1


async def test_a_removal_with_a_post_in_flight_gets_503(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
    reading: asyncio.Event,
) -> None:
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    proceed = asyncio.Event()
    client = await hass_client_no_auth()
    body = _slowly(fixture_bytes("bulutfon/seed_missing_call.json"), proceed)
    post = hass.async_create_task(client.post(WEBHOOK_PATH, data=body))
    await reading.wait()
    await hass.config_entries.async_remove(init_integration.entry_id)
    proceed.set()
    response = await post
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.headers["Retry-After"] == "30"
    assert events == []
    assert "Traceback" not in caplog.text


async def test_a_refused_write_is_answered_503_and_fires_nothing(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Full disk, say: nothing is acknowledged that is not on disk, and the retry is taken."""
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    store = hass.data[DATA_HUB].store
    real_write = store.async_write

    def refuse(statements: Any) -> asyncio.Future[None]:
        future: asyncio.Future[None] = hass.loop.create_future()
        future.set_exception(StoreUnavailableError("database or disk is full"))
        return future

    client = await hass_client_no_auth()
    body = fixture_bytes("bulutfon/seed_missing_call.json")
    with patch.object(store, "async_write", refuse):
        response = await client.post(WEBHOOK_PATH, data=body)
    assert response.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.headers["Retry-After"] == "30"
    assert events == []
    assert "database or disk is full" in caplog.text
    assert "Traceback" not in caplog.text
    assert store.async_write == real_write
    response = await client.post(WEBHOOK_PATH, data=body)
    assert await response.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_two_deliveries_of_one_event_at_once(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Retries that arrive while the first delivery is being written hear "duplicate", once it is.

    The event is fired once.
    """
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    client = await hass_client_no_auth()
    body = fixture_bytes("bulutfon/seed_missing_call.json")
    answers = await asyncio.gather(*(client.post(WEBHOOK_PATH, data=body) for _ in range(5)))
    counts = [await answer.json() for answer in answers]
    assert sorted(count["accepted"] for count in counts) == [0, 0, 0, 0, 1]
    assert sum(count["duplicates"] for count in counts) == 4
    await hass.async_block_till_done()
    assert len(events) == 1


@pytest.mark.usefixtures("bulkgate_api_url")
async def test_a_retry_during_a_long_post_waits_for_it(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """A retry of an early item of a long post, sent while that post is handled, is not taken again.

    A long post gives the loop a turn every 100 items: the retry arrives in such a turn.
    """
    await setup_entry(bulkgate_entry)
    events = async_capture_events(hass, "cloud_telephony_sms_status")
    reports = [{"status": "1", "smsID": f"long-{number}", "price": "0.71"} for number in range(350)]
    client = await hass_client_no_auth()
    path = f"/api/webhook/{BULKGATE_WEBHOOK_ID}"
    long_post = hass.async_create_task(client.post(path, json=reports))
    retries = [hass.async_create_task(client.post(path, json=[reports[5]])) for _ in range(3)]
    answers = [await (await task).json() for task in (long_post, *retries)]
    await hass.async_block_till_done()
    assert sum(answer["accepted"] for answer in answers) == 350
    assert [event.data["call_id"] for event in events].count("long-5") == 1
    assert len(events) == 350


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"event_type": "missing_call", "uuid": "a\\ud800", "caller": 1, "callee": 2}', "application/json"),
        (b"[" * 300 + b"]" * 300, "application/json"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "application/json"),
        (b"{" + b"x" * 1_000_000, "application/json"),
        (b"event_type=missing_call&x" + b"[]" * 400_000 + b"=1", "application/x-www-form-urlencoded"),
        (b"event_type=missing_call&a[" + b"9" * 5000 + b"]=1", "application/x-www-form-urlencoded"),
        (b"&".join(b"f%d=1" % number for number in range(90_000)), "application/x-www-form-urlencoded"),
        (b'{"event_type": "missing_call", "uuid": 1' + b"0" * 5000 + b', "callee": 2}', "application/json"),
    ],
    ids=[
        "surrogate",
        "deep-array",
        "deep-object",
        "large-invalid",
        "long-key",
        "huge-index",
        "many-fields",
        "huge-int",
    ],
)
async def test_crafted_bodies_get_an_answer_and_the_store_still_writes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
    body: bytes,
    content_type: str,
) -> None:
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, data=body, headers={"Content-Type": content_type})
    assert response.status in (HTTPStatus.OK, HTTPStatus.BAD_REQUEST), await response.text()
    # Whatever it was, the history still writes: the next post is on disk at its 200.
    after = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert await after.json() == {"accepted": 1, "duplicates": 0}
    assert any(
        key.endswith(":fax_init:") or "fax" in key
        for key in stored_ids(storage_folder, init_integration.entry_id)
    )


@pytest.mark.usefixtures("netgsm_api_url")
async def test_a_history_of_the_older_format_is_taken_over(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    """Counters, last events, remembered ids, sent messages and cursors survive the move to the database."""
    now = dt_util.utcnow()
    [documented] = netgsm_api.parse_webhook(
        WebhookRequest(body=fixture_bytes("netgsm/seed_webhook.json"), received_at=now, region="TR")
    )
    last = {"type": "call_status", "status": "answered", "callee": "+905320000000", "call_id": "7"}
    hass_storage[f"{DOMAIN}.{netgsm_entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.{netgsm_entry.entry_id}",
        "data": {
            "recent": [last],
            "last": {"call_status": last},
            "daily": {dt_util.now().date().isoformat(): {"call_status": 4}},
            "seen": {documented.dedupe_key: now.timestamp() - 60},
            "sent": {"m1": {"to": "+905320000000", "message": "hi", "sent_at": now.isoformat()}},
            "cursor": ["2026-11-23T10:00:00+00:00"],
            "polled": {},
        },
    }
    await setup_entry(netgsm_entry)
    assert hass.states.get("sensor.netgsm_8500000000_last_call_result").state == "answered"
    history = hass.data[DATA_HUB].history(netgsm_entry.entry_id)
    assert history.count_on("call_status", dt_util.now().date()) == 4
    assert history.sent_message("m1") is not None
    assert history.cursor == ["2026-11-23T10:00:00+00:00"]
    # The documented sample was accepted before the move: its retry is a duplicate.
    client = await hass_client_no_auth()
    retry = await client.post(
        f"/api/webhook/{NETGSM_WEBHOOK_ID}", data=fixture_bytes("netgsm/seed_webhook.json")
    )
    assert await retry.json() == {"accepted": 0, "duplicates": 1}
    # Taken over once: the old file is gone, the database holds it.
    assert f"{DOMAIN}.{netgsm_entry.entry_id}" not in hass_storage
    assert documented.dedupe_key in stored_ids(storage_folder, netgsm_entry.entry_id)


async def _restart_hub(hass: HomeAssistant) -> hub_module.TelephonyHub:
    """Stop the integration's hub and start a new one on the same files, as the next start does."""
    await hass.data[DATA_HUB].async_stop()
    hub = hass.data[DATA_HUB] = hub_module.TelephonyHub(hass)
    await hub.async_start()
    return hub


async def test_an_event_recorded_but_not_fired_before_a_crash_fires_at_the_next_start(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    """Killed between the commit and the bus: the next start fires it, once; its retry is a duplicate."""
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    client = await hass_client_no_auth()
    body = fixture_bytes("bulutfon/seed_missing_call.json")

    async def killed(*_args: Any) -> None:
        """Nothing after the commit happens: the process is gone."""

    with patch.object(pipeline, "_async_fire_all", killed):
        await client.post(WEBHOOK_PATH, data=body)
    assert events == []
    hub = await _restart_hub(hass)
    assert [event.data["call_id"] for event in hub.in_doubt] == ["f615986c-2001-11e5-bdee-6599352d46ce"]
    pipeline.async_fire_in_doubt(hass)
    await hass.async_block_till_done()
    assert len(events) == 1
    assert events[0].data["type"] == "missed_call"
    # Fired and crossed off: a further start fires nothing again.
    assert (await _restart_hub(hass)).in_doubt == []
    retry = await client.post(WEBHOOK_PATH, data=body)
    assert await retry.json() == {"accepted": 0, "duplicates": 1}
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_an_event_fired_just_before_a_crash_is_not_fired_again(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Killed after the bus but before the database heard of it: the journal tells, nothing repeats."""
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    client = await hass_client_no_auth()
    hub = hass.data[DATA_HUB]
    with patch.object(hub, "forget_unfired", lambda seqs: None):
        await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_missing_call.json"))
    await hass.async_block_till_done()
    assert len(events) == 1
    restarted = await _restart_hub(hass)
    assert restarted.in_doubt == []
    pipeline.async_fire_in_doubt(hass)
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_events_in_doubt_fire_when_home_assistant_has_started(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The start fires what the last run recorded but did not fire, in the event loop, by itself."""
    hass.set_state(CoreState.starting)
    # The last run: an event recorded, then the process was killed before firing it.
    last_run = hub_module.TelephonyHub(hass)
    await last_run.async_start()
    data = {"type": "missed_call", "config_entry_id": mock_config_entry.entry_id, "call_id": "in-doubt"}
    await last_run.history(mock_config_entry.entry_id).async_record(
        [Accepted("in-doubt:missing_call:", data, last_run.next_seq())], received_at=dt_util.now()
    )
    await last_run.async_stop()

    events = async_capture_events(hass, "cloud_telephony_missed_call")
    mock_config_entry.add_to_hass(hass)
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    assert events == []  # automations may not be set up before Home Assistant has started
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert [event.data["call_id"] for event in events] == ["in-doubt"]
