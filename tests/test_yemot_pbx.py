"""Yemot's call queues, voicemail boxes and PirsumPhone registration, through Home Assistant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import logging
from typing import Any

import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.cloud_telephony.api import ProviderError
from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import YEMOT_ENTRY_ID, change_options
from tests.fakes import yemot as fake

WAITING = "sensor.queue_2_callers_waiting"
AGENT_201 = "switch.queue_2_agent_201_paused"
AGENT_202 = "switch.queue_2_agent_202_paused"
MESSAGES = "sensor.voicemail_box_5_messages"
NEWEST = "sensor.voicemail_box_5_newest_message"
LISTING = "switch.yemot_0773137770_pirsumphone_registration"


async def _set_up(hass: HomeAssistant, entry: MockConfigEntry, **options: Any) -> None:
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, options={**entry.options, **options})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


@pytest.fixture
async def pbx(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, fake_yemot: fake.FakeYemot
) -> fake.FakeYemot:
    """Set up the Yemot entry with queue 2 and voicemail box 5 in its options."""
    # A waiting caller who is one of the account's contacts (054-9876543 = אמא).
    fake_yemot.queues["ivr2:/2"]["entries"][1]["phone"] = "0549876543"
    await _set_up(hass, yemot_entry, queues=["2"], voicemail_boxes=["/5/"])
    return fake_yemot


async def _poll(hass: HomeAssistant, entry: MockConfigEntry, *kinds: str) -> None:
    for kind in kinds:
        await getattr(entry.runtime_data, kind).async_refresh()
    await hass.async_block_till_done()


def _devices(registry: dr.DeviceRegistry) -> dict[str, dr.DeviceEntry]:
    devices = dr.async_entries_for_config_entry(registry, YEMOT_ENTRY_ID)
    return {name: device for device in devices for _domain, name in device.identifiers}


async def test_a_queue_shows_who_waits(
    hass: HomeAssistant, pbx: fake.FakeYemot, device_registry: dr.DeviceRegistry
) -> None:
    state = hass.states.get(WAITING)
    assert state.state == "2"
    assert state.attributes["longest_wait"] == 95
    assert state.attributes["callers"] == [
        {"number": "+972527654321", "name": None, "wait": 95, "position": 1, "call_id": "c-1"},
        {"number": "+972549876543", "name": "אמא", "wait": 20, "position": 2, "call_id": "c-2"},
    ]
    assert (state.attributes["completed"], state.attributes["abandoned"], state.attributes["agents"]) == (
        12,
        3,
        2,
    )
    assert hass.states.get(AGENT_201).state == "off"
    assert hass.states.get(AGENT_202).state == "on"
    devices = _devices(device_registry)
    queue = devices[f"{YEMOT_ENTRY_ID}_queue_2"]
    assert (queue.name, queue.manufacturer, queue.model) == ("Queue 2", "Yemot HaMashiach", "Call queue")
    assert queue.via_device_id == devices[YEMOT_ENTRY_ID].id
    assert devices[YEMOT_ENTRY_ID].model == "IVR system"
    assert devices[f"{YEMOT_ENTRY_ID}_voicemail_5"].model == "Voicemail box"
    # What was sent: the path as Yemot's commands take it.
    assert ("GetQueueRealTime", {"queuePath": "ivr2:/2", "token": "session-1"}, False) in pbx.requests


async def test_pausing_an_agent(hass: HomeAssistant, pbx: fake.FakeYemot) -> None:
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: AGENT_201}, blocking=True)
    assert hass.states.get(AGENT_201).state == "on"
    command, body, as_json = pbx.requests[-2]
    assert (command, as_json) == ("QueueManagement", True)
    assert body == {"queuePath": "ivr2:/2", "action": "pause", "agent": "201", "token": "session-1"}
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: AGENT_202}, blocking=True)
    assert hass.states.get(AGENT_202).state == "off"
    assert pbx.queues["ivr2:/2"]["members"][1]["Paused"] is False


async def test_a_refused_pause_says_why(hass: HomeAssistant, pbx: fake.FakeYemot) -> None:
    # The agent left the queue on Yemot's side since the last poll.
    del pbx.queues["ivr2:/2"]["members"][0]
    with pytest.raises(HomeAssistantError, match="agent not found"):
        await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: AGENT_201}, blocking=True)


async def test_agents_come_and_go(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    members = pbx.queues["ivr2:/2"]["members"]
    members.append({"agent": "203", "Status": "1", "Paused": True, "CallsTaken": 0})
    del members[0]
    await _poll(hass, yemot_entry, "queues")
    assert hass.states.get("switch.queue_2_agent_203_paused").state == "on"
    assert entity_registry.async_get(AGENT_201) is None
    assert hass.states.get(AGENT_201) is None
    assert hass.states.get(AGENT_202).state == "on"


async def test_a_failure_on_yemots_side_keeps_the_agents(
    hass: HomeAssistant,
    pbx: fake.FakeYemot,
    yemot_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """An EXCEPTION answer is Yemot failing, not refusing the queue: no repair, no switch deleted."""
    pbx.queue_exception = True
    await _poll(hass, yemot_entry, "queues")
    assert hass.states.get(WAITING).state == STATE_UNAVAILABLE
    assert hass.states.get(AGENT_201).state == STATE_UNAVAILABLE
    assert entity_registry.async_get(AGENT_201) is not None
    assert issue_registry.async_get_issue(DOMAIN, f"{YEMOT_ENTRY_ID}_queue_2") is None
    pbx.queue_exception = False
    await _poll(hass, yemot_entry, "queues")
    assert hass.states.get(AGENT_201).state == "off"


async def test_a_queue_refused_later_keeps_its_agents_unavailable(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    queue = pbx.queues.pop("ivr2:/2")
    await _poll(hass, yemot_entry, "queues")
    assert hass.states.get(AGENT_201).state == STATE_UNAVAILABLE
    assert entity_registry.async_get(AGENT_201) is not None
    pbx.queues["ivr2:/2"] = queue
    await _poll(hass, yemot_entry, "queues")
    assert hass.states.get(AGENT_201).state == "off"


async def test_kicking_callers_by_number_and_by_call_id(hass: HomeAssistant, pbx: fake.FakeYemot) -> None:
    response = await hass.services.async_call(
        DOMAIN,
        "kick_queue_callers",
        {"config_entry_id": YEMOT_ENTRY_ID, "queue": "2", "numbers": ["052-765-4321"], "target": "1"},
        blocking=True,
        return_response=True,
    )
    assert response == {"results": {"c-1": "OK"}}
    command, body, as_json = pbx.requests[-2]
    assert (command, as_json) == ("QueueManagement", True)
    assert body == {
        "queuePath": "ivr2:/2",
        "callIds": ["c-1"],
        "action": "kick",
        "moreData": "GOTO:/1",
        "token": "session-1",
    }
    # The queue is read again at once.
    assert hass.states.get(WAITING).state == "1"
    response = await hass.services.async_call(
        DOMAIN,
        "kick_queue_callers",
        {"config_entry_id": YEMOT_ENTRY_ID, "queue": "ivr2:/2", "call_ids": ["c-2", "gone"]},
        blocking=True,
        return_response=True,
    )
    assert response == {"results": {"c-2": "OK", "gone": "Call not found"}}
    assert "moreData" not in pbx.requests[-2][1]
    assert hass.states.get(WAITING).state == "0"


async def test_kicking_nobody_is_refused(hass: HomeAssistant, pbx: fake.FakeYemot) -> None:
    base = {"config_entry_id": YEMOT_ENTRY_ID, "queue": "2"}
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, "kick_queue_callers", {**base, "numbers": ["0500000000"]}, blocking=True
        )
    assert caught.value.translation_key == "nobody_waiting"
    # Also a blank line, as the action editor sends for a list left empty.
    for empty in ({}, {"numbers": [""]}, {"call_ids": [" "]}):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(DOMAIN, "kick_queue_callers", {**base, **empty}, blocking=True)
        assert caught.value.translation_key == "queue_callers_missing"
    with pytest.raises(HomeAssistantError, match="queue not found"):
        await hass.services.async_call(
            DOMAIN, "kick_queue_callers", {**base, "queue": "9", "call_ids": ["c-1"]}, blocking=True
        )


async def test_a_refused_queue_is_unavailable_with_a_repair(
    hass: HomeAssistant,
    yemot_entry: MockConfigEntry,
    fake_yemot: fake.FakeYemot,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _set_up(hass, yemot_entry, queues=["2", "9"])
    assert hass.states.get(WAITING).state == "2"
    assert hass.states.get("sensor.queue_9_callers_waiting").state == STATE_UNAVAILABLE
    issue = issue_registry.async_get_issue(DOMAIN, f"{YEMOT_ENTRY_ID}_queue_9")
    assert issue is not None
    assert issue.translation_key == "queue_refused"
    assert issue.translation_placeholders == {
        "account": "Yemot 0773137770",
        "path": "9",
        "reason": "queue not found",
    }
    # Said once, not at every poll.
    await _poll(hass, yemot_entry, "queues")
    assert caplog.text.count("refused to show queue 9") == 1
    fake_yemot.queues["ivr2:/9"] = {"entries": [], "members": []}
    await _poll(hass, yemot_entry, "queues")
    assert hass.states.get("sensor.queue_9_callers_waiting").state == "0"
    assert issue_registry.async_get_issue(DOMAIN, f"{YEMOT_ENTRY_ID}_queue_9") is None


async def test_a_queue_taken_out_of_the_options_goes(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> None:
    await change_options(hass, yemot_entry, queues=[], queues_interval=30)
    assert f"{YEMOT_ENTRY_ID}_queue_2" not in _devices(device_registry)
    assert hass.states.get(WAITING) is None
    assert hass.states.get(AGENT_201) is None
    assert yemot_entry.runtime_data.queues is None
    # The voicemail box stays.
    assert hass.states.get(MESSAGES).state == "1"


async def test_intervals_and_paths_from_the_options(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    await change_options(
        hass,
        yemot_entry,
        queues=[" ivr2:/2 ", "2/", "1/3"],
        queues_interval=5,
        voicemail_interval=120,
        phones_interval=300,
    )
    assert yemot_entry.options["queues"] == ["2", "1/3"]
    runtime = yemot_entry.runtime_data
    assert runtime.queues.paths == ("2", "1/3")
    assert runtime.queues.update_interval == timedelta(seconds=5)
    assert runtime.voicemail.update_interval == timedelta(seconds=120)
    assert runtime.phones.update_interval == timedelta(seconds=300)
    assert runtime.listing.update_interval == timedelta(seconds=300)


# ---- voicemail -------------------------------------------------------------------------------


async def test_a_voicemail_box(
    hass: HomeAssistant, pbx: fake.FakeYemot, device_registry: dr.DeviceRegistry
) -> None:
    assert hass.states.get(MESSAGES).state == "1"
    newest = hass.states.get(NEWEST)
    # 09:15 in Israel on 1 December (winter time, +02:00).
    assert newest.state == "2026-12-01T07:15:00+00:00"
    assert newest.attributes["caller"] == "+972527654321"
    assert newest.attributes["duration"] == 6
    assert newest.attributes["file_name"] == "000.wav"
    assert _devices(device_registry)[f"{YEMOT_ENTRY_ID}_voicemail_5"].name == "Voicemail box 5"


async def test_a_new_message_is_announced_once(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    received = async_capture_events(hass, "cloud_telephony_voicemail_received")
    # What the box held at setup is not news.
    await _poll(hass, yemot_entry, "voicemail")
    assert received == []
    pbx.folders["ivr2:/5"].append(fake.recording(1, "0549876543", "01/12/2026 10:02"))
    await _poll(hass, yemot_entry, "voicemail", "voicemail")
    assert len(received) == 1
    data = received[0].data
    assert data["caller"] == "+972549876543"
    assert data["caller_name"] == "אמא"
    assert data["direction"] == "inbound"
    assert data["duration"] == 6
    assert datetime.fromisoformat(data["occurred_at"]) == datetime(2026, 12, 1, 8, 2, tzinfo=UTC)
    assert (data["folder"], data["file_name"], data["file_path"]) == ("5", "001.wav", "ivr2:/5/001.wav")
    assert (data["messages"], data["new_messages"]) == (2, 1)
    assert data["raw"]["uniqueId"] == "u-/5-001.wav-01/12/2026 10:02"
    assert (
        hass.states.get("event.yemot_0773137770_voicemail").attributes["event_type"] == "voicemail_received"
    )
    assert hass.states.get(MESSAGES).state == "2"
    # A reload (a restart) announces nothing again.
    await hass.config_entries.async_reload(yemot_entry.entry_id)
    await hass.async_block_till_done()
    await _poll(hass, yemot_entry, "voicemail")
    assert len(received) == 1


async def test_messages_left_while_home_assistant_was_down(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    received = async_capture_events(hass, "cloud_telephony_voicemail_received")
    await hass.config_entries.async_unload(yemot_entry.entry_id)
    pbx.folders["ivr2:/5"] += [
        fake.recording(1, "0524444444", "01/12/2026 11:00"),
        fake.recording(2, "0522222222", "01/12/2026 11:05"),
    ]
    await hass.config_entries.async_setup(yemot_entry.entry_id)
    await hass.async_block_till_done()
    # Only the newest is seen; the count says two arrived.
    assert [(event.data["caller"], event.data["new_messages"]) for event in received] == [
        ("+972522222222", 2)
    ]


async def test_a_deleted_message_is_not_news(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    received = async_capture_events(hass, "cloud_telephony_voicemail_received")
    box = pbx.folders["ivr2:/5"]
    box.append(fake.recording(1, "0524444444", "01/12/2026 11:00"))
    await _poll(hass, yemot_entry, "voicemail")
    assert len(received) == 1
    # The newest is deleted: the older one is the newest again, which is no news.
    box.pop()
    await _poll(hass, yemot_entry, "voicemail")
    assert len(received) == 1
    assert hass.states.get(MESSAGES).state == "1"
    # The box emptied, then a message: news.
    box.clear()
    await _poll(hass, yemot_entry, "voicemail")
    assert hass.states.get(NEWEST).state == "unknown"
    box.append(fake.recording(0, "0523333333", "02/12/2026 08:00"))
    await _poll(hass, yemot_entry, "voicemail")
    assert [event.data["caller"] for event in received] == ["+972524444444", "+972523333333"]


async def test_downloading_a_message(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    client = yemot_entry.runtime_data.client
    pbx.recordings["ivr2:/5/000.wav"] = b"RIFF\x24\x00\x00\x00WAVEfmt "
    download = await client.async_download_message("ivr2:/5/000.wav")
    assert (download.content, download.content_type) == (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav")
    with pytest.raises(ProviderError, match="file not found"):
        await client.async_download_message("ivr2:/5/007.wav")


async def test_a_recording_too_large_is_refused(
    hass: HomeAssistant, pbx: fake.FakeYemot, yemot_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custom_components.cloud_telephony.api import yemot

    monkeypatch.setattr(yemot, "MAX_RECORDING_BYTES", 8)
    pbx.recordings["ivr2:/5/000.wav"] = b"0123456789"
    with pytest.raises(ProviderError, match="larger than 8 bytes"):
        await yemot_entry.runtime_data.client.async_download_message("ivr2:/5/000.wav")


# ---- PirsumPhone -----------------------------------------------------------------------------


async def test_the_pirsumphone_registration(hass: HomeAssistant, pbx: fake.FakeYemot) -> None:
    assert hass.states.get(LISTING).state == "off"
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: LISTING}, blocking=True)
    assert pbx.pirsum_registered is True
    assert hass.states.get(LISTING).state == "on"
    assert pbx.requests[-2][:2] == ("PirsumPhoneManagement", {"action": "Registration", "token": "session-1"})
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: LISTING}, blocking=True)
    assert pbx.pirsum_registered is False
    assert hass.states.get(LISTING).state == "off"


async def test_no_switch_without_the_service(
    hass: HomeAssistant,
    yemot_entry: MockConfigEntry,
    fake_yemot: fake.FakeYemot,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_yemot.pirsum_registered = None
    with caplog.at_level(logging.INFO):
        await _set_up(hass, yemot_entry)
    assert hass.states.get(LISTING) is None
    assert "has no directory listing" in caplog.text
    assert "Error" not in caplog.text
