"""Netgsm end to end: voice messages that report back who answered and which key they pressed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api import PROVIDERS
from custom_components.cloud_telephony.api.netgsm import NetgsmClient
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.hub import DATA_HUB
from tests.conftest import (
    EXTERNAL_URL,
    NETGSM_ENTRY_ID,
    NETGSM_WEBHOOK_ID,
    NETGSM_WEBHOOK_PATH,
    SetupEntry,
    entry_variant,
    fixture_bytes,
)
from tests.fakes import netgsm as fake

JOB = str(fake.FIRST_JOB_ID)
CALL_RESULTS = "event.netgsm_8500000000_call_results"
LAST_CALL_STATUS = "sensor.netgsm_8500000000_last_call_result"
BALANCE = "sensor.netgsm_8500000000_balance"
NOTIFY_MOM = "notify.mom_call"
NOTIFY_MOM_SMS = "notify.mom_sms"
MESSAGES = "event.netgsm_8500000000_messages"
LAST_SMS = "sensor.netgsm_8500000000_last_sms"


async def _call(hass: HomeAssistant, service: str, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        service,
        {"config_entry_id": NETGSM_ENTRY_ID, **data},
        blocking=True,
        return_response=service != "cancel_voice_message",
    )


async def _until(condition: Any) -> None:
    """Yield to the event loop until the condition holds (no timers: some tests freeze the clock)."""
    for _ in range(20_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not met")


def _status_post(state: int, callee: str = "5320000000", **extra: Any) -> dict[str, Any]:
    return {"bulkid": int(JOB), "caller": "8500000000", "callee": callee, "state": state, "type": 3, **extra}


async def test_entities(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, entity_registry: er.EntityRegistry
) -> None:
    entities = {
        entry.entity_id for entry in er.async_entries_for_config_entry(entity_registry, NETGSM_ENTRY_ID)
    }
    # SMS as well: a recipient from the older option lines gets both of Netgsm's channels.
    assert entities == {
        CALL_RESULTS,
        LAST_CALL_STATUS,
        BALANCE,
        NOTIFY_MOM,
        NOTIFY_MOM_SMS,
        MESSAGES,
        LAST_SMS,
        "event.netgsm_8500000000_stored_files",
        "sensor.netgsm_8500000000_recent_calls",
        "button.netgsm_8500000000_send_a_test_event",
    }
    assert hass.states.get(BALANCE).state == "34.02"
    assert hass.states.get(BALANCE).attributes["unit_of_measurement"] == "TRY"
    # A balance in a currency is money (and, as money, a total rather than a measurement).
    assert hass.states.get(BALANCE).attributes["device_class"] == "monetary"
    assert hass.states.get(BALANCE).attributes["state_class"] == "total"
    assert "answered" in hass.states.get(LAST_CALL_STATUS).attributes["options"]


async def test_refused_password_starts_reauth(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake.FakeNetgsm,
) -> None:
    entry = entry_variant(netgsm_entry, data={"password": "changed"})
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH


@pytest.mark.usefixtures("external_url")
async def test_send_voice_message_puts_the_webhook_in_the_request(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm
) -> None:
    response = await _call(
        hass,
        "send_voice_message",
        to=["0532 000 00 00"],
        message="Duman alarmı! Onaylamak için 1'e basın & kapatın.",
        keys={"1": "Teşekkürler.", "2": {"audio_id": "55156219"}},
        ring_time=20,
        iys_filter="individual",
        relation_id="kitchen",
    )
    assert response == {"message_id": JOB, "to": ["+905320000000"], "results_by": "webhook"}
    [xml] = netgsm.sent_xml
    assert xml == (
        '<?xml version="1.0" encoding="UTF-8"?><mainbody><header>'
        "<usercode>8500000000</usercode><password>valid-password</password>"
        "<startdate></startdate><starttime></starttime><stopdate></stopdate><stoptime></stoptime>"
        "<key>1</key><ringtime>20</ringtime><filter>11</filter><relationid>kitchen</relationid>"
        f"<url>{EXTERNAL_URL}/api/webhook/{NETGSM_WEBHOOK_ID}</url></header><body>"
        "<text>Duman alarmı! Onaylamak için 1'e basın &amp; kapatın.</text><no>5320000000</no>"
        "<keys><keydetail><keyinfo>1</keyinfo><text>Teşekkürler.</text></keydetail></keys>"
        "<keys><keydetail><keyinfo>2</keyinfo><audioid>55156219</audioid></keydetail></keys>"
        "</body></mainbody>"
    )


@pytest.mark.usefixtures("external_url")
async def test_series_audio_and_schedule(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    await _call(
        hass, "send_voice_message", to="5320000000", series=[{"text": "Alarm."}, {"audio_id": "55183930"}]
    )
    await _call(
        hass,
        "send_voice_message",
        to="5320000000",
        audio_id="55183930",
        start="2026-03-01 09:00:00",
        end="2026-03-01 12:00:00",
    )
    series, scheduled = netgsm.sent_xml
    assert (
        "<series s='1'><text>Alarm.</text></series><series s='2'><audioid>55183930</audioid></series>"
        in series
    )
    # Naive times are Home Assistant's (US/Pacific in tests); Netgsm gets Istanbul time.
    assert "<startdate>01032026</startdate><starttime>2000</starttime>" in scheduled
    assert "<stopdate>01032026</stopdate><stoptime>2300</stoptime>" in scheduled


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give a message, an audio ID or a series"),
        ({"message": "x", "start": "2026-03-01 09:00:00"}, "both the start and the end"),
        (
            {"message": "x", "start": "2026-03-01 09:00:00", "end": "2026-03-01 09:30:00"},
            "between 1 and 21 hours",
        ),
        ({"message": "x", "keys": {"12": "no"}}, "not a digit"),
        ({"series": [{"text": " "}]}, "a prompt text is empty"),
    ],
)
async def test_invalid_requests_are_refused(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ServiceValidationError, match=message):
        await _call(hass, "send_voice_message", to="5320000000", **data)
    assert netgsm.sent_xml == []


@pytest.mark.usefixtures("external_url")
async def test_wait_for_result_returns_the_key_pressed(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    task = hass.async_create_task(
        _call(
            hass,
            "send_voice_message",
            to=["5320000000", "5321112233"],
            message="Alarm. Press 1.",
            keys={"1": "Thanks."},
            wait_for_result=True,
            timeout=60,
        )
    )
    await _until(lambda: netgsm.sent_xml)
    answered = _status_post(1, bilsec=12, detail={"push_button": "1"})
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=answered)).status == 200
    assert not task.done()
    busy = _status_post(7, callee="5321112233", detail={"push_button": None})
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=busy)).status == 200
    response = await task
    assert response["complete"] is True
    assert response["results"] == [
        {
            "to": "+905320000000",
            "status": "answered",
            "key_pressed": "1",
            "duration": 12,
            "key_result": "pressed",
        },
        {
            "to": "+905321112233",
            "status": "busy",
            "key_pressed": None,
            "duration": None,
            "key_result": None,  # nobody answered, so nobody hung up before the prompt
        },
    ]
    assert hass.states.get(LAST_CALL_STATUS).state == "busy"
    assert hass.states.get(CALL_RESULTS).attributes["event_type"] == "call_status"


@pytest.mark.usefixtures("external_url")
async def test_wait_for_result_times_out(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    task = hass.async_create_task(
        _call(
            hass,
            "send_voice_message",
            to=["5320000000", "5321112233"],
            message="x",
            wait_for_result=True,
            timeout=1,
        )
    )
    await _until(lambda: netgsm.sent_xml)
    await client.post(NETGSM_WEBHOOK_PATH, json=_status_post(2))
    response = await task
    assert response["complete"] is False
    assert [(result["to"], result["status"]) for result in response["results"]] == [
        ("+905320000000", "not_answered"),
        ("+905321112233", None),
    ]


@pytest.mark.usefixtures("fast_polling")
async def test_without_public_url_results_are_polled(
    hass: HomeAssistant,
    netgsm: fake.FakeNetgsm,
    netgsm_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_status")
    task = hass.async_create_task(
        _call(hass, "send_voice_message", to="5320000000", message="x", wait_for_result=True, timeout=120)
    )
    await _until(lambda: JOB in netgsm_entry.runtime_data.calls.pending)
    assert netgsm_entry.runtime_data.calls.pending == {JOB: {"waiting_for": 1, "polled": True}}
    assert "<url>" not in netgsm.sent_xml[0]
    issue = issue_registry.async_get_issue(DOMAIN, f"no_public_url_{NETGSM_ENTRY_ID}")
    assert issue is not None
    assert issue.translation_key == "no_public_url"

    # First poll: the call is still waiting (status 0); second: Netgsm says it was answered.
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 0"]
    await _poll(hass, netgsm, 1)
    assert not task.done()
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 1 1"]
    response = await task
    assert response["results_by"] == "polling"
    assert response["results"][0]["status"] == "answered"
    assert response["results"][0]["key_pressed"] == "1"
    assert netgsm.report_queries[-1]["bulkid"] == JOB
    assert len(events) == 1
    # The job is done: polling stops.
    queries = len(netgsm.report_queries)
    await asyncio.sleep(0.2)
    assert len(netgsm.report_queries) <= queries + 1
    assert not netgsm_entry.runtime_data.calls.polling
    assert netgsm_entry.runtime_data.calls.pending == {}


@pytest.fixture
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll every 50 ms instead of every 30 s, so that real time drives the poll timer."""
    fast = replace(PROVIDERS["netgsm"], result_poll_interval=timedelta(milliseconds=50))
    monkeypatch.setitem(PROVIDERS, "netgsm", fast)


async def _poll(hass: HomeAssistant, netgsm: fake.FakeNetgsm, queries: int) -> None:
    """Wait (in real time) until the poll timer has queried the report this often."""
    for _ in range(300):
        if len(netgsm.report_queries) >= queries:
            break
        await asyncio.sleep(0.01)
    # Not async_block_till_done: it would also wait for an action that waits for its result.
    await asyncio.sleep(0.05)
    assert len(netgsm.report_queries) >= queries


async def _until(condition: Callable[[], bool]) -> None:
    """Wait (in real time, 3 s at most) for what a poll fires once its outcome is on disk."""
    for _ in range(300):
        if condition():
            return
        await asyncio.sleep(0.01)


@pytest.mark.usefixtures("fast_polling")
async def test_polling_respects_the_rate_limit(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, caplog: pytest.LogCaptureFixture
) -> None:
    await _call(hass, "send_voice_message", to="5320000000", message="x")
    netgsm.report_limit = 0
    for queries in (1, 2, 3):
        await _poll(hass, netgsm, queries)
    # Code 80 (two queries a minute) is no error to the user; polling goes on.
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    netgsm.report_limit = None
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 3"]
    await _poll(hass, netgsm, len(netgsm.report_queries) + 1)
    await _until(lambda: hass.states.get(LAST_CALL_STATUS).state == "unreachable")
    assert hass.states.get(LAST_CALL_STATUS).state == "unreachable"


@pytest.mark.usefixtures("external_url")
async def test_public_url_clears_the_repair_issue(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, issue_registry: ir.IssueRegistry
) -> None:
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"no_public_url_{NETGSM_ENTRY_ID}",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="no_public_url",
    )
    await _call(hass, "send_voice_message", to="5320000000", message="x")
    assert issue_registry.async_get_issue(DOMAIN, f"no_public_url_{NETGSM_ENTRY_ID}") is None


async def test_webhook_states_and_duplicates(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_status")
    client = await hass_client_no_auth()
    body = fixture_bytes("netgsm/seed_webhook.json")
    assert await (await client.post(NETGSM_WEBHOOK_PATH, data=body)).json() == {
        "accepted": 1,
        "duplicates": 0,
    }
    assert await (await client.post(NETGSM_WEBHOOK_PATH, data=body)).json() == {
        "accepted": 0,
        "duplicates": 1,
    }
    for state in (1, 2, 3):
        assert (await client.post(NETGSM_WEBHOOK_PATH, json=_status_post(state))).status == 200
    # A state Netgsm may add later: taken, nothing fired.
    unknown = await client.post(NETGSM_WEBHOOK_PATH, json=_status_post(42))
    assert (unknown.status, await unknown.json()) == (200, {"accepted": 0, "duplicates": 0})
    masked = await client.post(NETGSM_WEBHOOK_PATH, data=fixture_bytes("netgsm/seed_webhook_masked.json"))
    assert masked.status == 400
    await hass.async_block_till_done()
    assert [event.data["status"] for event in events] == ["busy", "answered", "not_answered", "unreachable"]
    # The seed's busy call carries push_button 12: nobody answered, so no key was pressed.
    assert (events[0].data["key_pressed"], events[0].data["key_result"]) == (None, None)
    assert events[0].data["callee"] == "+905530000000"
    assert events[0].data["occurred_at"].startswith("2023-02-22T04:50:09.526")  # Istanbul 15:50 in US/Pacific


@pytest.mark.usefixtures("external_url")
async def test_send_voice_code(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    # Home Assistant speaks English here: without a language, Netgsm's callees hear Turkish.
    assert hass.config.language == "en"
    response = await _call(hass, "send_voice_code", to="+905320000000", code="4711")
    assert response["message_id"] == JOB
    assert (
        "<text>Doğrulama kodunuz: dört, yedi, bir, bir. Tekrar ediyorum: dört, yedi, bir, bir.</text>"
        in (netgsm.sent_xml[0])
    )
    await _call(hass, "send_voice_code", to="+905320000000", code="12", language="en")
    assert "<text>Your verification code is: one, two. Again: one, two.</text>" in netgsm.sent_xml[1]


@pytest.mark.usefixtures("external_url")
async def test_notify_calls_and_speaks(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {ATTR_ENTITY_ID: NOTIFY_MOM, "title": "Alarm", "message": "Smoke in the kitchen"},
        blocking=True,
    )
    [xml] = netgsm.sent_xml
    assert "<text>Alarm\nSmoke in the kitchen</text><no>5320000000</no>" in xml
    assert f"<url>{EXTERNAL_URL}/api/webhook/{NETGSM_WEBHOOK_ID}</url>" in xml


async def test_notify_with_a_blank_message_is_refused_in_words(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "notify", "send_message", {ATTR_ENTITY_ID: NOTIFY_MOM, "message": "   "}, blocking=True
        )
    assert caught.value.translation_key == "invalid_request"
    assert caught.value.translation_placeholders["reason"] == "a prompt text is empty"
    assert netgsm.sent_xml == []


@pytest.mark.parametrize(
    ("reply", "exception", "key"),
    [
        ("30", HomeAssistantError, "invalid_auth"),
        ("40", HomeAssistantError, "provider_error"),
        ("45", ServiceValidationError, "invalid_number"),
        ("70", HomeAssistantError, "provider_error"),
    ],
)
async def test_send_errors_are_translated(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, reply: str, exception: type[Exception], key: str
) -> None:
    netgsm.send_reply = reply
    with pytest.raises(exception, match=f"code {reply}") as caught:
        await _call(hass, "send_voice_message", to="5320000000", message="x")
    assert caught.value.translation_key == key
    if reply == "30":
        await hass.async_block_till_done()
        assert hass.config_entries.flow.async_progress()[0]["context"]["source"] == SOURCE_REAUTH


async def test_cancel_and_report(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_status")
    netgsm.scheduled.add("175000001")
    await _call(hass, "cancel_voice_message", message_id="175000001")
    with pytest.raises(HomeAssistantError, match="no scheduled job"):
        await _call(hass, "cancel_voice_message", message_id="175000001")
    netgsm.report_rows["175000002"] = ["175000002 5320000000 1 3", "175000002 5321112233 0"]
    report = await _call(hass, "get_voice_message_report", message_id=175000002)
    assert report == {
        "results": [{"to": "+905320000000", "status": "answered", "key_pressed": "3", "duration": None}]
    }
    await hass.async_block_till_done()
    assert len(events) == 1  # the outcome also became an event, once
    await _call(hass, "get_voice_message_report", message_id="175000002")
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_upload_audio_only_from_allowed_paths(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, tmp_path: Path
) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "alarm.wav").write_bytes(b"RIFF....WAVE")
    (tmp_path / "secret.wav").write_bytes(b"nope")
    hass.config.allowlist_external_dirs = {str(allowed)}
    assert await _call(hass, "upload_audio", path=str(allowed / "alarm.wav")) == {"audio_id": "55901234"}
    assert netgsm.uploads == [{"filename": "alarm.wav", "content": b"RIFF....WAVE"}]
    for path in (tmp_path / "secret.wav", allowed / ".." / "secret.wav", "/etc/passwd"):
        with pytest.raises(ServiceValidationError, match="may not read") as caught:
            await _call(hass, "upload_audio", path=str(path))
        assert caught.value.translation_key == "path_not_allowed"
    with pytest.raises(ServiceValidationError, match="Could not read") as caught:
        await _call(hass, "upload_audio", path=str(allowed / "missing.wav"))
    assert caught.value.translation_key == "file_unreadable"
    (allowed / "notes.txt").write_text("x")
    with pytest.raises(ServiceValidationError, match=r"Netgsm: only \.mp3, \.wav files are taken, not \.txt"):
        await _call(hass, "upload_audio", path=str(allowed / "notes.txt"))
    assert len(netgsm.uploads) == 1


async def test_list_audio(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    response = await _call(hass, "list_audio")
    assert [item["audio_id"] for item in response["audio"]] == ["55201234", "55258936"]
    assert response["audio"][0]["uploaded_at"] == "2023-01-26T15:03:00+03:00"
    with pytest.raises(ServiceValidationError, match="30 days"):
        await _call(hass, "list_audio", start="2026-01-01 00:00:00", end="2026-03-01 00:00:00")


@pytest.mark.usefixtures("bulkgate_api_url")
async def test_voice_actions_need_a_voice_account(
    hass: HomeAssistant, bulkgate_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    await setup_entry(bulkgate_entry)
    for service, data in (
        ("send_voice_message", {"to": "1", "message": "x"}),
        ("send_voice_code", {"to": "1", "code": "12"}),
        ("cancel_voice_message", {"message_id": "1"}),
        ("get_voice_message_report", {"message_id": "1"}),
        ("upload_audio", {"path": "x.wav"}),
        ("list_audio", {}),
    ):
        refused = f"BulkGate accounts do not support the {service} action"
        with pytest.raises(ServiceValidationError, match=refused):
            await hass.services.async_call(
                DOMAIN,
                service,
                {"config_entry_id": bulkgate_entry.entry_id, **data},
                blocking=True,
                return_response=service in ("get_voice_message_report", "list_audio"),
            )


@pytest.mark.usefixtures("fast_polling")
async def test_polling_goes_on_after_a_restart(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    """A restart in the middle of a polled job neither loses nor repeats an outcome."""
    events = async_capture_events(hass, "cloud_telephony_call_status")
    await _call(hass, "send_voice_message", to=["5320000000", "5321112233"], message="x")
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 1 1", f"{JOB} 5321112233 0"]
    await _poll(hass, netgsm, 1)
    await _until(lambda: len(events) >= 1)
    assert [event.data["callee"] for event in events] == ["+905320000000"]

    assert await hass.config_entries.async_reload(netgsm_entry.entry_id)
    assert netgsm_entry.runtime_data.calls.pending == {JOB: {"waiting_for": 1, "polled": True}}
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 1 1", f"{JOB} 5321112233 2"]
    await _poll(hass, netgsm, len(netgsm.report_queries) + 1)
    # The outcome is fired once it is on disk: on a busy machine that can take longer than the
    # poll's own settling time.
    await _until(lambda: len(events) >= 2)
    assert [(event.data["callee"], event.data["status"]) for event in events] == [
        ("+905320000000", "answered"),
        ("+905321112233", "not_answered"),
    ]
    # Complete: polling stops, and the stored job is forgotten.
    queries = len(netgsm.report_queries)
    await asyncio.sleep(0.2)
    assert len(netgsm.report_queries) <= queries + 1
    assert not netgsm_entry.runtime_data.calls.polling
    assert netgsm_entry.runtime_data.calls.pending == {}
    assert netgsm_entry.runtime_data.history.polled_jobs == {}


@pytest.mark.usefixtures("fast_polling", "netgsm_api_url")
async def test_expired_polled_jobs_are_not_resumed(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
) -> None:
    jobs = {
        "old": {"numbers": ["+905320000000"], "expires": "2000-01-01T00:00:00+00:00", "completed": []},
        "new": {"numbers": ["+905320000000"], "expires": "2100-01-01T00:00:00+00:00", "completed": []},
    }
    hass_storage[f"{DOMAIN}.{NETGSM_ENTRY_ID}"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{DOMAIN}.{NETGSM_ENTRY_ID}",
        "data": {"polled": jobs},
    }
    await setup_entry(netgsm_entry)
    assert netgsm_entry.runtime_data.calls.pending == {"new": {"waiting_for": 1, "polled": True}}
    assert list(netgsm_entry.runtime_data.history.polled_jobs) == ["new"]


async def _waiting_voice_message(hass: HomeAssistant, entry: MockConfigEntry) -> asyncio.Task[Any]:
    """Send a voice message that waits for its outcome; return once its job is tracked."""
    task = hass.async_create_task(
        _call(hass, "send_voice_message", to="5320000000", message="x", wait_for_result=True, timeout=600)
    )
    await _until(lambda: JOB in entry.runtime_data.calls.pending)
    return task


@pytest.mark.usefixtures("fast_polling")
async def test_a_waiting_action_goes_on_waiting_across_a_reload(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    """Saving the options reloads the entry: the action waits on, and gets the outcome polled after."""
    task = await _waiting_voice_message(hass, netgsm_entry)
    assert await hass.config_entries.async_reload(netgsm_entry.entry_id)
    assert not task.done()
    assert netgsm_entry.runtime_data.calls.pending == {JOB: {"waiting_for": 1, "polled": True}}
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 1 3"]
    await _poll(hass, netgsm, 1)
    async with asyncio.timeout(5):
        response = await task
    assert response["complete"] is True
    [result] = response["results"]
    assert (result["status"], result["key_pressed"]) == ("answered", "3")


@pytest.mark.parametrize("ending", ["disable", "remove"])
async def test_a_waiting_action_says_when_its_account_is_gone(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry, ending: str
) -> None:
    """Disabled or removed while the phone rings: an error, not a result that looks like a timeout.

    The polled job is forgotten too: enabled again, the account does not poll it.
    """
    task = await _waiting_voice_message(hass, netgsm_entry)
    hub = hass.data[DATA_HUB]
    assert JOB in hub.history(netgsm_entry.entry_id).polled_jobs
    if ending == "disable":
        await hass.config_entries.async_set_disabled_by(netgsm_entry.entry_id, ConfigEntryDisabler.USER)
    else:
        await hass.config_entries.async_remove(netgsm_entry.entry_id)
    with pytest.raises(HomeAssistantError, match=f"disabled or removed while waiting .* call {JOB}") as err:
        async with asyncio.timeout(5):
            await task
    assert err.value.translation_key == "wait_ended"
    assert hub.history(netgsm_entry.entry_id).polled_jobs == {}


async def test_an_outcome_that_came_just_before_the_account_went_is_returned(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    """The outcome and the disabling land in one turn of the event loop: the outcome wins."""
    task = await _waiting_voice_message(hass, netgsm_entry)
    netgsm_entry.runtime_data.calls.async_record(
        {"call_id": JOB, "callee": "+905320000000", "final": True, "status": "answered", "key_pressed": "1"}
    )
    hass.data[DATA_HUB].async_end_call_tracking(netgsm_entry.entry_id)
    async with asyncio.timeout(5):
        response = await task
    assert response["complete"] is True
    [result] = response["results"]
    assert (result["status"], result["key_pressed"]) == ("answered", "1")


@pytest.mark.usefixtures("external_url")
async def test_a_cancelled_wait_forgets_its_job(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    task = await _waiting_voice_message(hass, netgsm_entry)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert netgsm_entry.runtime_data.calls.pending == {}


@pytest.mark.usefixtures("fast_polling")
async def test_a_send_finishing_after_unload_starts_no_polling(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    """A job placed while the entry unloads is not polled by the tracker that was shut down."""
    gate = asyncio.Event()
    original = NetgsmClient.async_send_voice_message

    async def slow_send(self: NetgsmClient, message: Any) -> Any:
        await gate.wait()
        return await original(self, message)

    with patch.object(NetgsmClient, "async_send_voice_message", slow_send):
        task = hass.async_create_task(_call(hass, "send_voice_message", to="5320000000", message="x"))
        await asyncio.sleep(0.05)
        assert await hass.config_entries.async_unload(netgsm_entry.entry_id)
        gate.set()
        response = await task
    assert response["message_id"] == JOB
    await asyncio.sleep(0.3)
    assert netgsm.report_queries == []


@pytest.mark.usefixtures("fast_polling")
async def test_a_poll_answered_after_unload_is_dropped(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    """A report that arrives after the entry unloaded goes nowhere, and nothing fails."""
    events = async_capture_events(hass, "cloud_telephony_call_status")
    gate, fetching = asyncio.Event(), asyncio.Event()
    original = NetgsmClient.async_poll_results

    async def slow_poll(self: NetgsmClient, *args: Any) -> Any:
        fetching.set()
        await gate.wait()
        return await original(self, *args)

    await _call(hass, "send_voice_message", to="5320000000", message="x")
    netgsm.report_rows[JOB] = [f"{JOB} 5320000000 1"]
    with patch.object(NetgsmClient, "async_poll_results", slow_poll):
        await asyncio.wait_for(fetching.wait(), 5)
        assert await hass.config_entries.async_unload(netgsm_entry.entry_id)
        gate.set()
        await asyncio.sleep(0.1)
    assert events == []
