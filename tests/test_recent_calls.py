"""Recent calls: one row per call from real webhook posts, newest first, bounded, kept across restarts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import permutations
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

import pytest
import yaml

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers.template import Template
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony import hub as hub_module, pipeline
from custom_components.cloud_telephony.api import WebhookRequest, bulutfon as bulutfon_api
from custom_components.cloud_telephony.hub import DATA_HUB
from custom_components.cloud_telephony.recent_calls import RECENT_CALLS, RecentCalls, row_of
from tests.conftest import (
    HUAWEI_WEBHOOK_PATH,
    NETGSM_WEBHOOK_PATH,
    WEBHOOK_PATH,
    SetupEntry,
    add_person,
    fixture_bytes,
    stored_rows,
)

RECENT = "sensor.office_pbx_recent_calls"
NETGSM_RECENT = "sensor.netgsm_8500000000_recent_calls"
HUAWEI_RECENT = "sensor.huawei_cloud_8653159511234_recent_calls"
README = Path(__file__).parent.parent / "README.md"
AYSE = "905326200000"  # Ayşe in the entry's contacts


@pytest.fixture
def mock_recorder_before_hass(async_setup_recorder_instance: Any) -> None:
    """Let the recorder test set up its recorder (it must be prepared before Home Assistant)."""


def _sample(name: str, uuid: str, at: datetime, **changes: Any) -> dict[str, Any]:
    """Return a documented Bulutfon post for another call, at another time."""
    item = json.loads(fixture_bytes(f"bulutfon/{name}.json"))
    item.pop("cdr", None)  # its times would say 2015
    return {**item, "uuid": uuid, "timestamp": int(at.timestamp() * 1_000_000), **changes}


def _calls(hass: HomeAssistant, entity_id: str = RECENT) -> list[dict[str, Any]]:
    state = hass.states.get(entity_id)
    assert state is not None
    return list(state.attributes["calls"])


async def _post(client: Any, *items: dict[str, Any], path: str = WEBHOOK_PATH) -> None:
    for item in items:
        response = await client.post(path, json=item)
        assert response.status == 200, await response.text()


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Stop the integration's history and read it again from disk, as the next start does."""
    last_run = hass.data[DATA_HUB]
    await last_run.async_stop()
    hub = hass.data[DATA_HUB] = hub_module.TelephonyHub(hass)
    # Home Assistant's webhook registry is not restarted here: the new history answers them.
    hub.webhooks = last_run.webhooks
    await hub.async_start()
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.usefixtures("init_integration")
async def test_a_call_that_starts_and_ends_is_one_row(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    state = hass.states.get(RECENT)
    assert state is not None
    assert state.state == "0"
    assert state.attributes["calls"] == []
    # A unit keeps the sensor out of the logbook (the call's event has its line there).
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "calls"

    client = await hass_client_no_auth()
    began = dt_util.utcnow().replace(microsecond=0) - timedelta(minutes=2)
    await _post(client, _sample("v2021_call_init", "c1", began, caller=AYSE))
    await hass.async_block_till_done()
    [row] = _calls(hass)
    assert row == {
        "time": dt_util.as_local(began).isoformat(),
        "direction": "inbound",
        "caller": "+905326200000",
        "caller_name": "Ayşe",
        "callee": "+908508850000",
        "callee_name": None,
        "duration": None,
        "status": "ringing",
        "call_id": "c1",
        "test": False,
    }
    assert hass.states.get(RECENT).state == str(len(_calls(hass)))

    # The call reaches an extension, a group and a menu, then ends after 35 s of talk.
    await _post(
        client,
        _sample("seed_call_init_extension", "c1", began + timedelta(seconds=1), caller=AYSE),
        _sample("seed_call_init_group", "c1", began + timedelta(seconds=2), caller=AYSE),
        _sample("v2021_call_init_menu", "c1", began + timedelta(seconds=3), caller=AYSE),
        _sample("v2021_call_hangup", "c1", began + timedelta(seconds=60), caller=AYSE),
    )
    await hass.async_block_till_done()
    [row] = _calls(hass)
    assert (row["status"], row["duration"], row["time"]) == (
        "completed",
        35,
        dt_util.as_local(began).isoformat(),
    )
    assert hass.states.get(RECENT).state == str(len(_calls(hass)))


@pytest.mark.usefixtures("init_integration")
async def test_a_missed_call_and_ends_that_arrive_first(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A missed call stays missed whatever comes after; an end posted before the start is one row."""
    client = await hass_client_no_auth()
    began = dt_util.utcnow().replace(microsecond=0) - timedelta(hours=1)
    await _post(
        client,
        _sample("seed_call_init", "missed", began),
        _sample("v2021_missing_call", "missed", began + timedelta(seconds=20)),
        # Bulutfon's hang-up of the same call: 35 s in the welcome menu, no person answered.
        _sample("v2021_call_hangup", "missed", began + timedelta(seconds=60), result_disposition=""),
        _sample("v2021_call_hangup", "late", began + timedelta(seconds=100)),
        _sample("seed_call_init", "late", began + timedelta(seconds=50)),
    )
    await hass.async_block_till_done()
    late, missed = _calls(hass)
    assert (missed["call_id"], missed["status"], missed["caller"]) == ("missed", "missed", "90532000000")
    assert missed["time"] == dt_util.as_local(began).isoformat()
    # Known first from its end: it began when its start says, not when the talk began.
    assert (late["call_id"], late["status"], late["duration"]) == ("late", "completed", 35)
    assert late["time"] == dt_util.as_local(began + timedelta(seconds=50)).isoformat()


@pytest.mark.usefixtures("init_integration")
async def test_the_20_newest_calls_are_kept_newest_first(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    start = dt_util.utcnow().replace(microsecond=0) - timedelta(days=1)
    # Posted out of order: every 7th of the 25, round and round.
    posts = [
        _sample("v2021_missing_call", f"call-{number:02d}", start + timedelta(minutes=number))
        for number in (step * 7 % 25 for step in range(25))
    ]
    await _post(client, *posts)
    await hass.async_block_till_done()
    calls = _calls(hass)
    assert len(calls) == RECENT_CALLS == 20
    assert [call["call_id"] for call in calls] == [f"call-{number:02d}" for number in range(24, 4, -1)]
    assert [call["time"] for call in calls] == sorted((call["time"] for call in calls), reverse=True)
    assert hass.states.get(RECENT).state == str(len(_calls(hass)))

    # The end of a call older than every one kept changes nothing; a newer call pushes out the oldest.
    await _post(
        client,
        _sample("v2021_call_hangup", "call-00", start + timedelta(minutes=1)),
        _sample("v2021_missing_call", "call-25", start + timedelta(minutes=25)),
    )
    await hass.async_block_till_done()
    calls = _calls(hass)
    assert len(calls) == 20
    assert calls[0]["call_id"] == "call-25"
    assert calls[-1]["call_id"] == "call-06"


async def test_the_list_survives_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    """Kept with the history, also after more events than the history keeps came since."""
    client = await hass_client_no_auth()
    start = dt_util.utcnow().replace(microsecond=0) - timedelta(hours=2)
    await _post(
        client,
        *(
            _sample("v2021_missing_call", f"r{number}", start + timedelta(minutes=number), caller=AYSE)
            for number in range(3)
        ),
        _sample("v2021_call_init", "r3", start + timedelta(minutes=5)),
        _sample("v2021_call_hangup", "r3", start + timedelta(minutes=6)),
    )
    # More faxes in one post than the history's recent events: none of the calls is among them.
    fax = json.loads(fixture_bytes("bulutfon/seed_fax_init.json"))
    response = await client.post(WEBHOOK_PATH, json=[{**fax, "uuid": f"fax-{n}"} for n in range(101)])
    assert (await response.json())["accepted"] == 101
    await hass.async_block_till_done()
    before = _calls(hass)
    assert [call["call_id"] for call in before] == ["r3", "r2", "r1", "r0"]

    await _restart(hass, init_integration)
    assert not any(
        event.get("type") != "incoming_fax"
        for event in hass.data[DATA_HUB].history(init_integration.entry_id).recent
    )
    assert _calls(hass) == before
    assert hass.states.get(RECENT).state == str(len(_calls(hass)))
    [(kept,)] = stored_rows(
        storage_folder,
        "SELECT value FROM state WHERE entry_id = ? AND name = 'recent_calls'",
        init_integration.entry_id,
    )
    assert [call["call_id"] for call in json.loads(kept)["calls"]] == ["r3", "r2", "r1", "r0"]


async def test_calls_recorded_but_never_shown_appear_after_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    """Killed after the commit: neither fired nor the list written; the next start has the call."""
    client = await hass_client_no_auth()
    began = dt_util.utcnow().replace(microsecond=0) - timedelta(minutes=5)
    await _post(client, _sample("v2021_missing_call", "before", began - timedelta(minutes=1)))
    await hass.async_block_till_done()

    async def killed(*_args: Any) -> None:
        """Nothing after the commit happens: the process is gone."""

    history = hass.data[DATA_HUB].history(init_integration.entry_id)
    with (
        patch.object(pipeline, "_async_fire_all", killed),
        patch.object(history._store, "async_write_later", lambda statements: None),
    ):
        await _post(client, _sample("v2021_missing_call", "in-doubt", began, caller=AYSE))
    kept = stored_rows(storage_folder, "SELECT value FROM state WHERE name = 'recent_calls'")
    assert [call["call_id"] for call in json.loads(kept[0][0])["calls"]] == ["before"]

    await _restart(hass, init_integration)
    pipeline.async_fire_in_doubt(hass)
    await hass.async_block_till_done()
    calls = _calls(hass)
    assert [(call["call_id"], call["caller_name"]) for call in calls] == [
        ("in-doubt", "Ayşe"),
        ("before", None),
    ]


@pytest.mark.usefixtures("init_integration")
async def test_names_come_from_the_contacts_as_they_are_now(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    at = dt_util.utcnow().replace(microsecond=0)
    await _post(
        client,
        _sample("v2021_missing_call", "n1", at, caller="905551112233"),
        _sample("v2021_call_init", "n2", at + timedelta(seconds=5), caller="1000", direction="OUT"),
    )
    await hass.async_block_till_done()
    outgoing, unknown = _calls(hass)
    assert (unknown["caller"], unknown["caller_name"]) == ("+905551112233", None)
    # An extension calling out: its name is the caller's.
    assert (outgoing["direction"], outgoing["caller_name"]) == ("outbound", "Reception")

    await add_person(hass, init_integration, "contact", "+90 555 111 22 33", "Mehmet")
    await add_person(hass, init_integration, "contact", "+90 850 885 00 00", "Office line")
    outgoing, unknown = _calls(hass)
    assert unknown["caller_name"] == "Mehmet"
    assert unknown["callee_name"] == "Office line"


@pytest.mark.usefixtures("init_integration")
async def test_calls_of_a_try_are_listed_as_tests(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """An event a "try it" made up (`test: true`) is listed, marked, apart from a real call."""
    received = dt_util.utcnow()
    body = json.dumps(_sample("v2021_missing_call", "same-id", received)).encode()
    [event] = bulutfon_api.parse_webhook(WebhookRequest(body=body, received_at=received, region="TR"))
    tried = replace(event, dedupe_key=f"test:{event.dedupe_key}", extra={**event.extra, "test": True})
    await pipeline.async_accept_events(hass, init_integration, [tried])
    await pipeline.async_accept_events(hass, init_integration, [event])
    await hass.async_block_till_done()
    calls = _calls(hass)
    assert sorted(call["test"] for call in calls) == [False, True]
    assert {call["call_id"] for call in calls} == {"same-id"}


async def test_the_list_is_not_recorded(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await setup_entry(mock_config_entry)
    began = dt_util.utcnow()
    client = await hass_client_no_auth()
    await _post(client, _sample("v2021_missing_call", "rec", began - timedelta(seconds=1)))
    await hass.async_block_till_done()
    assert len(_calls(hass)) == 1
    await async_wait_recording_done(hass)

    states = await recorder_mock.async_add_executor_job(
        partial(
            get_significant_states,
            hass,
            began - timedelta(minutes=1),
            entity_ids=[RECENT],
            significant_changes_only=False,
        )
    )
    assert states[RECENT]
    for state in states[RECENT]:
        assert "calls" not in state.attributes
    assert states[RECENT][-1].state != STATE_UNKNOWN


@pytest.mark.usefixtures("netgsm_api_url")
async def test_a_voice_message_outcome_is_an_outbound_row(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Netgsm's documented result (busy) of a job; each number of the job is a row of its own."""
    await setup_entry(netgsm_entry)
    client = await hass_client_no_auth()
    documented = json.loads(fixture_bytes("netgsm/seed_webhook.json"))
    answered = {
        **documented,
        "callee": "5320000000",
        "state": 1,
        "bilsec": "14",
        "start_time": "2023-02-22 15:50:30",
        "hangup_time": "2023-02-22 15:50:50",
    }
    await _post(client, documented, answered, path=NETGSM_WEBHOOK_PATH)
    await hass.async_block_till_done()
    mom, busy = _calls(hass, NETGSM_RECENT)
    assert busy == {
        "time": dt_util.as_local(datetime(2023, 2, 22, 12, 50, 9, 526000, tzinfo=UTC)).isoformat(),
        "direction": "outbound",
        "caller": "+903120000009",
        "caller_name": None,
        "callee": "+905530000000",
        "callee_name": "isim",
        "duration": None,
        "status": "busy",
        "call_id": "18009123",
        "test": False,
    }
    assert (mom["status"], mom["duration"], mom["callee"]) == ("completed", 14, "+905320000000")
    await add_person(hass, netgsm_entry, "contact", "0553 000 00 00", "Ali")
    assert _calls(hass, NETGSM_RECENT)[1]["callee_name"] == "Ali"


async def test_a_voice_code_call_from_dialing_to_its_record(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Huawei's documented callout and fee record of one call, with the pushes between: one row."""
    await setup_entry(huawei_entry)
    client = await hass_client_no_auth()
    callout = json.loads(fixture_bytes("huawei/seed_status_callout.json"))

    def push(kind: str, at: str, **info: Any) -> dict[str, Any]:
        return {"eventType": kind, "statusInfo": {**callout["statusInfo"], "timestamp": at, **info}}

    await _post(client, callout, push("alerting", "2019-01-24 03:04:27"), path=HUAWEI_WEBHOOK_PATH)
    await hass.async_block_till_done()
    [row] = _calls(hass, HUAWEI_RECENT)
    assert (row["status"], row["direction"], row["duration"]) == ("ringing", "outbound", None)
    await _post(client, push("answer", "2019-01-24 03:04:31"), path=HUAWEI_WEBHOOK_PATH)
    await hass.async_block_till_done()
    assert _calls(hass, HUAWEI_RECENT)[0]["status"] == "answered"
    await _post(
        client,
        push("disconnect", "2019-01-24 03:04:49", stateCode=0),
        json.loads(fixture_bytes("huawei/seed_fee.json")),
        path=HUAWEI_WEBHOOK_PATH,
    )
    await hass.async_block_till_done()
    [row] = _calls(hass, HUAWEI_RECENT)
    assert row["status"] == "completed"
    assert row["duration"] == 18
    assert row["time"] == dt_util.as_local(datetime(2019, 1, 24, 3, 4, 24, tzinfo=UTC)).isoformat()
    assert row["callee"] == "+8613800000021"


async def test_a_busy_number_stays_busy_after_its_record(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    await setup_entry(huawei_entry)
    client = await hass_client_no_auth()
    callout = json.loads(fixture_bytes("huawei/seed_status_callout.json"))
    fee = json.loads(fixture_bytes("huawei/seed_fee.json"))
    [record] = fee["feeLst"]
    unanswered = {**record, "callOutAnswerTime": "", "fwdAnswerTime": ""}
    busy = {"eventType": "disconnect", "statusInfo": {**callout["statusInfo"], "stateCode": 8102}}
    await _post(client, {**fee, "feeLst": [unanswered]}, busy, path=HUAWEI_WEBHOOK_PATH)
    await hass.async_block_till_done()
    [row] = _calls(hass, HUAWEI_RECENT)
    assert (row["status"], row["duration"]) == ("busy", None)


def _readme_card() -> dict[str, Any]:
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- recent-calls-card:start -->\n```yaml\n(.*?)```\n<!-- recent-calls-card:end -->", text, re.S
    )
    assert found is not None, "the README's recent calls card is missing"
    card: dict[str, Any] = yaml.safe_load(found.group(1))
    return card


@pytest.mark.usefixtures("init_integration")
async def test_the_readme_card_renders_the_list(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    card = _readme_card()
    assert card["type"] == "markdown"
    template = Template(card["content"], hass)
    assert template.async_render(parse_result=False).strip() == "No calls yet."

    client = await hass_client_no_auth()
    began = datetime(2026, 3, 14, 9, 26, tzinfo=UTC)
    await _post(
        client,
        _sample("v2021_call_init", "t1", began, caller=AYSE),
        _sample("v2021_call_hangup", "t1", began + timedelta(seconds=200), caller=AYSE, talk_duration=125),
        _sample("v2021_missing_call", "t2", began + timedelta(hours=1), caller="905551112233"),
        _sample(
            "v2021_call_init",
            "t3",
            began + timedelta(hours=2),
            caller="1000",
            callee="905551112233",
            direction="OUT",
        ),
    )
    await hass.async_block_till_done()
    lines = template.async_render(parse_result=False).strip().splitlines()
    local = dt_util.as_local
    assert lines == [
        "| | When | Who | Length | Result |",
        "|:-:|---|---|--:|---|",
        f"| ↗ | {local(began + timedelta(hours=2)):%d %b %H:%M} | +905551112233 |  | ringing |",
        f"| ↙ | {local(began + timedelta(hours=1)):%d %b %H:%M} | +905551112233 |  | missed |",
        f"| ↙ | {local(began):%d %b %H:%M} | Ayşe | 2:05 | completed |",
    ]


def test_folding_is_the_same_in_any_order_and_twice() -> None:
    """What the start-up relies on: the recent events folded again over the kept rows change nothing."""
    began = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    events = [
        {
            "type": "call_started",
            "call_id": "a",
            "caller": "+1",
            "direction": "inbound",
            "occurred_at": began.isoformat(),
        },
        {
            "type": "call_ended",
            "call_id": "a",
            "status": "answered",
            "duration": 30,
            "direction": "inbound",
            "occurred_at": (began + timedelta(seconds=50)).isoformat(),
            "call_time": began.isoformat(),
        },
        {
            "type": "call_status",
            "call_id": "job",
            "callee": "+2",
            "status": "dialing",
            "occurred_at": (began + timedelta(minutes=1)).isoformat(),
        },
        {
            "type": "call_status",
            "call_id": "job",
            "callee": "+2",
            "status": "not_answered",
            "final": True,
            "occurred_at": (began + timedelta(minutes=2)).isoformat(),
        },
        {
            "type": "call_status",
            "call_id": "job",
            "callee": "+3",
            "status": "insufficient_balance",
            "final": True,
            "received_at": (began + timedelta(minutes=3)).isoformat(),
        },
        {
            "type": "call_record",
            "call_id": "x",
            "callee": "+4",
            "status": "not_answered",
            "direction": "inbound",
            "occurred_at": (began + timedelta(minutes=4)).isoformat(),
        },
        {"type": "missed_call", "caller": "+5", "received_at": (began + timedelta(minutes=5)).isoformat()},
        {
            "type": "call_status",
            "call_id": "y",
            "status": "a status providers may add",
            "occurred_at": (began + timedelta(minutes=6)).isoformat(),
        },
        {"type": "sms_received", "caller": "+6"},
    ]
    forward = RecentCalls(recent=events)
    backward = RecentCalls(recent=reversed(events))
    assert forward.rows == backward.rows
    again = RecentCalls(forward.stored(), events)
    assert again.rows == forward.rows
    assert not any(again.add(event) for event in events)
    assert [(row.call_id, row.status) for row in forward.rows] == [
        ("y", None),
        (None, "missed"),
        ("x", "missed"),
        ("job", "failed"),
        ("job", "not_answered"),
        ("a", "completed"),
    ]
    assert forward.rows[-1].started == began
    assert row_of({"type": "sms_status"}) is None


def test_the_end_of_a_call_names_its_parties_in_any_order() -> None:
    """A PBX call rings an extension and ends there: the row names the extension, however it came."""
    began = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    events = [
        {"type": "call_started", "call_id": "a", "callee": "+908508850000", "occurred_at": began.isoformat()},
        {"type": "call_started", "call_id": "a", "callee": "1000", "occurred_at": began.isoformat()},
        {
            "type": "call_ended",
            "call_id": "a",
            "callee": "1001",
            "direction": "inbound",
            "status": "answered",
            "occurred_at": (began + timedelta(seconds=40)).isoformat(),
        },
    ]
    for order in (events, events[::-1], [events[1], events[2], events[0]]):
        [row] = RecentCalls(recent=order).rows
        assert (row.callee, row.direction, row.status) == ("1001", "inbound", "completed")
    # Two events of the same stage and time: the same pick whatever the order.
    [forward] = RecentCalls(recent=events[:2]).rows
    [backward] = RecentCalls(recent=events[1::-1]).rows
    assert forward == backward
    # Kept rows keep who said what across a restart.
    kept = RecentCalls(recent=events)
    again = RecentCalls(kept.stored(), [events[0]])
    assert again.rows == kept.rows


def test_an_end_that_names_nobody_keeps_where_the_call_rang_last() -> None:
    """The PBX, then extension 1000 rings; the missed call names no callee: the row says 1000."""
    began = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    events = [
        {"type": "call_started", "call_id": "a", "callee": "+908508850000", "occurred_at": began.isoformat()},
        {
            "type": "call_started",
            "call_id": "a",
            "callee": "1000",
            "occurred_at": (began + timedelta(seconds=1)).isoformat(),
        },
        {
            "type": "missed_call",
            "call_id": "a",
            "caller": "+905320000000",
            "direction": "inbound",
            "occurred_at": (began + timedelta(seconds=30)).isoformat(),
        },
    ]
    rows = set()
    for order in permutations(events):
        [row] = RecentCalls(recent=order).rows
        assert (row.callee, row.caller, row.status) == ("1000", "+905320000000", "missed")
        rows.add(row)
        # Also when the first events were kept at a stop and the last arrives after it.
        kept = RecentCalls(recent=order[:2])
        assert RecentCalls(kept.stored(), order[2:]).rows == (row,)
    assert len(rows) == 1


def test_rows_another_version_wrote_are_skipped() -> None:
    kept = RecentCalls(
        {
            "calls": [
                "not a row",
                {"key": "k", "time": "yesterday"},
                {"key": "k", "time": "2026-03-14T09:00:00"},  # no offset
                {"time": "2026-03-14T09:00:00+00:00"},
                {"key": "k", "time": "2026-03-14T09:00:00+00:00", "duration": True, "status": "lost"},
            ]
        }
    )
    [row] = kept.rows
    assert (row.key, row.duration, row.status, row.test) == ("k", None, None, False)
    assert RecentCalls({"calls": "no list"}).rows == RecentCalls("no mapping").rows == ()
