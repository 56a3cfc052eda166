"""The escalate action: people called in order until one presses the key, outcomes from real webhook posts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import MappingProxyType
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
import voluptuous as vol

from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState, ConfigSubentry
from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api import PlacedCalls, VoiceMessage, netgsm as netgsm_api
from custom_components.cloud_telephony.api.netgsm import NetgsmClient
from custom_components.cloud_telephony.const import CONF_CONTACTS, DOMAIN
from tests.conftest import (
    BULKGATE_ENTRY_ID,
    EXTERNAL_URL,
    HUAWEI_ENTRY_ID,
    HUAWEI_WEBHOOK_PATH,
    NETGSM_ENTRY_ID,
    NETGSM_WEBHOOK_ID,
    NETGSM_WEBHOOK_PATH,
    YEMOT_ENTRY_ID,
    SetupEntry,
    entry_variant,
    until,
)
from tests.fakes import (
    bulkgate as fake_bulkgate,
    huawei as fake_huawei_api,
    netgsm as fake,
    yemot as fake_yemot,
)

PEOPLE = ["0532 000 00 01", "0532 000 00 02", "0532 000 00 03", "0532 000 00 04"]
FIRST, SECOND, THIRD, FOURTH = "+905320000001", "+905320000002", "+905320000003", "+905320000004"


@pytest.fixture
def netgsm_entry(netgsm_entry: MockConfigEntry) -> MockConfigEntry:
    """Return the Netgsm entry with the third person a contact, Ali."""
    return entry_variant(netgsm_entry, options={CONF_CONTACTS: "0532 000 00 03 = Ali"})


def _escalate(hass: HomeAssistant, entry_id: str = NETGSM_ENTRY_ID, **data: Any) -> asyncio.Task[Any]:
    return hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            "escalate",
            {
                "config_entry_id": entry_id,
                "numbers": PEOPLE,
                "message": "Duman alarmı. 1'e basın.",
                "acknowledged_message": "Teşekkürler, sizde.",
                **data,
            },
            blocking=True,
            return_response=True,
        )
    )


def _called(netgsm: fake.FakeNetgsm) -> list[str]:
    """Return the number of each call placed so far, as Netgsm got it."""
    return [xml.split("<no>")[1].split("</no>")[0] for xml in netgsm.sent_xml]


def _outcome(job: int, callee: str, state: int, key: str | None = None) -> dict[str, Any]:
    detail = {"push_button": key}
    return {
        "bulkid": job,
        "caller": "8500000000",
        "callee": callee,
        "state": state,
        "type": 3,
        "detail": detail,
    }


async def _answer(
    client: Any, netgsm: fake.FakeNetgsm, calls: int, state: int, key: str | None = None
) -> None:
    """Wait for the nth call, then post its outcome to the webhook as Netgsm does."""
    await until(lambda: len(netgsm.sent_xml) >= calls)
    callee = _called(netgsm)[calls - 1]
    response = await client.post(
        NETGSM_WEBHOOK_PATH, json=_outcome(fake.FIRST_JOB_ID + calls - 1, callee, state, key)
    )
    assert response.status == 200


async def _huawei_escalation(hass: HomeAssistant, huawei: Any, *numbers: str) -> asyncio.Task[Any]:
    """Start an escalation through Huawei (a template, the key only); return once the first call is placed."""
    task = _escalate(
        hass,
        HUAWEI_ENTRY_ID,
        numbers=list(numbers),
        message="厨房有烟",
        template_id="smoke_alarm_01",
        acknowledged_message="",
    )
    await until(lambda: huawei.notifications)
    return task


@pytest.mark.usefixtures("external_url")
async def test_the_third_person_acknowledges(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Nobody answers, then a wrong key, then the key: the fourth person is never called."""
    events = async_capture_events(hass, MATCH_ALL)
    client = await hass_client_no_auth()
    task = _escalate(hass, sms_message="Evde duman alarmı.")
    await _answer(client, netgsm, 1, state=2)
    assert not task.done()
    await _answer(client, netgsm, 2, state=1, key="2")
    assert not task.done()
    await _answer(client, netgsm, 3, state=1, key="1")
    response = await task

    assert response["acknowledged_by"] == THIRD
    assert response["acknowledged_by_name"] == "Ali"
    assert response["calls"] == [
        {
            "number": FIRST,
            "call_id": str(fake.FIRST_JOB_ID),
            "status": "not_answered",
            "key_pressed": None,
            "acknowledged": False,
            "duration": None,
            "error": None,
            "round": 1,
        },
        {
            "number": SECOND,
            "call_id": str(fake.FIRST_JOB_ID + 1),
            "status": "answered",
            "key_pressed": "2",
            "acknowledged": False,
            "duration": None,
            "error": None,
            "round": 1,
        },
        {
            "number": THIRD,
            "call_id": str(fake.FIRST_JOB_ID + 2),
            "status": "answered",
            "key_pressed": "1",
            "acknowledged": True,
            "duration": None,
            "error": None,
            "round": 1,
        },
    ]
    # One call at a time, each with the message, the key menu of the one key and the webhook.
    assert _called(netgsm) == ["5320000001", "5320000002", "5320000003"]
    for xml in netgsm.sent_xml:
        assert "<text>Duman alarmı. 1'e basın.</text>" in xml
        assert (
            "<keys><keydetail><keyinfo>1</keyinfo><text>Teşekkürler, sizde.</text></keydetail></keys>" in xml
        )
        assert "<key>1</key>" in xml
        assert f"<url>{EXTERNAL_URL}/api/webhook/{NETGSM_WEBHOOK_ID}</url>" in xml
    # Everyone on the list gets the closing SMS, the fourth person too.
    assert [message["no"] for sent in netgsm.sms_sent for message in sent["messages"]] == [
        "5320000001",
        "5320000002",
        "5320000003",
        "5320000004",
    ]
    assert {message["msg"] for sent in netgsm.sms_sent for message in sent["messages"]} == {
        "Evde duman alarmı.\nAcknowledged by Ali (+905320000003)."
    }
    assert len(response["sms"]["messages"]) == 4
    # On the bus: the three calls' outcomes, and nothing of the escalation's own.
    ours = [event.event_type for event in events if event.event_type.startswith(DOMAIN)]
    assert ours == ["cloud_telephony_call_status"] * 3


@pytest.mark.usefixtures("external_url")
async def test_nobody_acknowledges_and_everyone_is_told(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Two rounds through two people; the closing SMS says so in the server's language."""
    hass.config.language = "tr"
    client = await hass_client_no_auth()
    task = _escalate(
        hass, numbers=PEOPLE[:2], rounds=2, acknowledge_key="5", sms_message="Evde duman alarmı."
    )
    await _answer(client, netgsm, 1, state=7)  # busy
    await _answer(client, netgsm, 2, state=1, key="1")  # not the key asked for
    await _answer(client, netgsm, 3, state=2)
    await _answer(client, netgsm, 4, state=3)  # unreachable
    response = await task

    assert response["acknowledged_by"] is None
    assert response["acknowledged_by_name"] is None
    assert [(call["number"], call["status"], call["round"]) for call in response["calls"]] == [
        (FIRST, "busy", 1),
        (SECOND, "answered", 1),
        (FIRST, "not_answered", 2),
        (SECOND, "unreachable", 2),
    ]
    assert not any(call["acknowledged"] for call in response["calls"])
    messages = [message for sent in netgsm.sms_sent for message in sent["messages"]]
    assert messages == [
        {"msg": "Evde duman alarmı.\nKimse onaylamadı.", "no": "5320000001"},
        {"msg": "Evde duman alarmı.\nKimse onaylamadı.", "no": "5320000002"},
    ]
    assert [sent["to"] for sent in response["sms"]["messages"]] == [FIRST, SECOND]


@pytest.mark.usefixtures("external_url")
async def test_without_an_outcome_the_next_person_is_called_after_the_timeout(
    hass: HomeAssistant,
    netgsm: fake.FakeNetgsm,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No outcome ever comes back in time: each person's time runs out (the clock moved on, not waited)."""
    events = async_capture_events(hass, "cloud_telephony_call_status")
    calls = hass.config_entries.async_get_entry(NETGSM_ENTRY_ID).runtime_data.calls
    first, second = str(fake.FIRST_JOB_ID), str(fake.FIRST_JOB_ID + 1)
    task = _escalate(hass, numbers=PEOPLE[:2], call_timeout=90)
    # Once Netgsm took the call (no request under way whose own timeout the clock would end).
    await until(lambda: first in calls.pending)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=60))
    await asyncio.sleep(0)
    # 60 of the 90 seconds passed: still the first person's turn.
    assert first in calls.pending
    assert len(netgsm.sent_xml) == 1
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=91))
    await until(lambda: second in calls.pending)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=91))
    response = await task

    assert response["acknowledged_by"] is None
    assert [(call["number"], call["status"], call["key_pressed"]) for call in response["calls"]] == [
        (FIRST, None, None),
        (SECOND, None, None),
    ]
    assert [call["call_id"] for call in response["calls"]] == [
        str(fake.FIRST_JOB_ID),
        str(fake.FIRST_JOB_ID + 1),
    ]
    assert "sms" not in response
    assert netgsm.sms_sent == []
    # An outcome that arrives late is still an ordinary call_status event.
    client = await hass_client_no_auth()
    late = _outcome(fake.FIRST_JOB_ID, "5320000001", 1, "1")
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=late)).status == 200
    await hass.async_block_till_done()
    assert [(event.data["callee"], event.data["key_pressed"]) for event in events] == [(FIRST, "1")]


async def test_without_a_public_address_the_outcomes_are_polled(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, freezer: FrozenDateTimeFactory
) -> None:
    """Netgsm has a report: with no public address, each call's outcome is read from it."""
    calls = hass.config_entries.async_get_entry(NETGSM_ENTRY_ID).runtime_data.calls
    task = _escalate(hass, numbers=PEOPLE[:2], call_timeout=120)
    await until(lambda: str(fake.FIRST_JOB_ID) in calls.pending)
    assert "<url>" not in netgsm.sent_xml[0]
    netgsm.report_rows[str(fake.FIRST_JOB_ID)] = [f"{fake.FIRST_JOB_ID} 5320000001 1 1"]
    # The report is read every 30 seconds: the clock moves on instead of the test waiting.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    response = await task
    assert response["acknowledged_by"] == FIRST
    assert [(call["status"], call["key_pressed"]) for call in response["calls"]] == [("answered", "1")]
    assert netgsm.report_queries[-1]["bulkid"] == str(fake.FIRST_JOB_ID)


@pytest.mark.usefixtures("external_url")
async def test_a_failed_call_is_recorded_and_the_next_person_called(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    netgsm.send_replies = ["100"]
    client = await hass_client_no_auth()
    task = _escalate(hass, numbers=PEOPLE[:2])
    # The first send failed: the second person's call is the first job Netgsm took.
    await until(lambda: len(netgsm.sent_xml) == 2)
    post = _outcome(fake.FIRST_JOB_ID, "5320000002", 1, "1")
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    response = await task
    assert response["acknowledged_by"] == SECOND
    failed, acknowledged = response["calls"]
    assert failed == {
        "number": FIRST,
        "call_id": None,
        "status": "failed",
        "key_pressed": None,
        "acknowledged": False,
        "duration": None,
        "error": "an unknown result (100)",
        "round": 1,
    }
    assert acknowledged["acknowledged"] is True


@pytest.mark.usefixtures("external_url")
async def test_when_every_call_fails_the_providers_reason_is_raised(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm
) -> None:
    """The closing SMS still goes out (SMS may work where calls do not); then the failure is raised."""
    netgsm.send_reply = "100"
    with pytest.raises(HomeAssistantError, match=r"None of the escalation's 2 calls could be placed") as err:
        await _escalate(hass, numbers=PEOPLE[:2], sms_message="Alarm.")
    assert err.value.translation_key == "escalation_failed"
    assert err.value.translation_placeholders["reason"] == "an unknown result (100)"
    assert len(netgsm.sent_xml) == 2
    assert [message["msg"] for sent in netgsm.sms_sent for message in sent["messages"]] == [
        "Alarm.\nNobody acknowledged."
    ] * 2


@pytest.mark.usefixtures("external_url")
async def test_a_number_the_provider_refuses_counts_as_a_failed_call(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A job taken with the number refused in it (a client's `errors`): the next person is called."""
    send = NetgsmClient.async_send_voice_message

    async def refuse_the_first(client: NetgsmClient, message: VoiceMessage) -> PlacedCalls:
        placed = await send(client, message)
        if message.numbers == [FIRST]:
            return PlacedCalls(placed.job_id, {"5320000001": "on the blocklist"})
        return placed

    client = await hass_client_no_auth()
    with patch.object(NetgsmClient, "async_send_voice_message", refuse_the_first):
        task = _escalate(hass, numbers=PEOPLE[:2])
        await _answer(client, netgsm, 2, state=1, key="1")
        response = await task
    refused, acknowledged = response["calls"]
    assert (refused["status"], refused["error"], refused["call_id"]) == (
        "failed",
        "on the blocklist",
        str(fake.FIRST_JOB_ID),
    )
    assert acknowledged["acknowledged"] is True


@pytest.mark.usefixtures("external_url")
async def test_invalid_number_for_everyone_raises_the_providers_reason(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm
) -> None:
    netgsm.send_reply = "45"  # no phone number to call
    with pytest.raises(
        HomeAssistantError, match=r"placed through Netgsm: no phone number to call \(code 45\)"
    ):
        await _escalate(hass, numbers=PEOPLE[:1])


@pytest.mark.usefixtures("external_url")
async def test_a_failed_closing_sms_is_reported_with_the_calls(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    netgsm.sms_send_code = "70"
    client = await hass_client_no_auth()
    task = _escalate(hass, numbers=PEOPLE[:1], sms_message="Alarm.")
    await _answer(client, netgsm, 1, state=1, key="1")
    response = await task
    assert response["acknowledged_by"] == FIRST
    assert response["sms"]["messages"] == []
    assert "70" in response["sms"]["error"]


@pytest.mark.usefixtures("external_url")
async def test_an_account_that_does_not_come_back_ends_the_escalation(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Unloaded and not set up again: the next person is not called once the wait for it is over."""
    client = await hass_client_no_auth()
    task = _escalate(hass, numbers=PEOPLE[:2])
    await until(lambda: len(netgsm.sent_xml) == 1)
    with patch("custom_components.cloud_telephony.escalation.RELOAD_WAIT", timedelta(seconds=0.2)):
        assert await hass.config_entries.async_unload(NETGSM_ENTRY_ID)
        # The outcome still reaches the waiting escalation (the webhook records while unloaded).
        await _answer(client, netgsm, 1, state=2)
        with pytest.raises(HomeAssistantError, match="is not loaded"):
            await task
    assert len(netgsm.sent_xml) == 1


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize("ending", ["disable", "remove"])
async def test_an_account_disabled_or_removed_ends_the_escalation_at_once(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, ending: str
) -> None:
    """While the first phone rings: nobody else is called, and there is no wait for a reload."""
    task = _escalate(hass, numbers=PEOPLE[:2])
    await until(lambda: len(netgsm.sent_xml) == 1)
    with patch("custom_components.cloud_telephony.escalation.RELOAD_WAIT", timedelta(hours=1)):
        if ending == "disable":
            assert await hass.config_entries.async_set_disabled_by(NETGSM_ENTRY_ID, ConfigEntryDisabler.USER)
        else:
            assert (await hass.config_entries.async_remove(NETGSM_ENTRY_ID))["require_restart"] is False
        with pytest.raises(HomeAssistantError, match="disabled or removed while waiting") as raised:
            async with asyncio.timeout(5):
                await task
    assert raised.value.translation_key == "wait_ended"
    assert len(netgsm.sent_xml) == 1


@pytest.mark.usefixtures("external_url")
async def test_an_escalation_ends_when_the_account_cannot_come_back(
    hass: HomeAssistant,
    netgsm: fake.FakeNetgsm,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The password was changed meanwhile: the reload fails and needs the user, so the escalation ends."""
    client = await hass_client_no_auth()
    entry = hass.config_entries.async_get_entry(NETGSM_ENTRY_ID)
    task = _escalate(hass, numbers=PEOPLE[:2])
    await until(lambda: len(netgsm.sent_xml) == 1)
    monkeypatch.setattr(fake, "PASSWORD", "changed-at-netgsm")
    with patch("custom_components.cloud_telephony.escalation.RELOAD_WAIT", timedelta(hours=1)):
        assert not await hass.config_entries.async_reload(NETGSM_ENTRY_ID)
        assert entry.state is ConfigEntryState.SETUP_ERROR
        await _answer(client, netgsm, 1, state=2)
        with pytest.raises(HomeAssistantError, match="is not loaded"):
            async with asyncio.timeout(5):
                await task
    assert len(netgsm.sent_xml) == 1


async def test_an_account_disabled_while_retrying_its_setup_ends_what_waits(
    hass: HomeAssistant,
    netgsm: fake.FakeNetgsm,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Netgsm is down at a reload, then the account is disabled: the wait ends, the webhook stops."""
    entry = hass.config_entries.async_get_entry(NETGSM_ENTRY_ID)
    task = _escalate(hass, numbers=PEOPLE[:2])
    await until(lambda: len(netgsm.sent_xml) == 1)
    monkeypatch.setattr(netgsm_api, "API_URL", "http://127.0.0.1:9")
    with patch("custom_components.cloud_telephony.escalation.RELOAD_WAIT", timedelta(hours=1)):
        await hass.config_entries.async_reload(NETGSM_ENTRY_ID)
        assert entry.state is ConfigEntryState.SETUP_RETRY
        assert not task.done()
        assert await hass.config_entries.async_set_disabled_by(NETGSM_ENTRY_ID, ConfigEntryDisabler.USER)
        with pytest.raises(HomeAssistantError, match="disabled or removed while waiting"):
            async with asyncio.timeout(5):
                await task
    events = async_capture_events(hass, "cloud_telephony_call_status")
    client = await hass_client_no_auth()
    response = await client.post(NETGSM_WEBHOOK_PATH, json=_outcome(fake.FIRST_JOB_ID, "5320000001", 2))
    # Home Assistant answers 200 with nothing for a webhook nobody registered.
    assert (response.status, await response.text()) == (200, "")
    assert events == []


@pytest.mark.usefixtures("external_url")
async def test_the_last_answer_after_an_unload_still_names_who_acknowledged(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The entry unloads during the last call: the outcome is still read, with the contact's name."""
    client = await hass_client_no_auth()
    task = _escalate(hass, numbers=[PEOPLE[2]])
    await until(lambda: len(netgsm.sent_xml) == 1)
    assert await hass.config_entries.async_unload(NETGSM_ENTRY_ID)
    await _answer(client, netgsm, 1, state=1, key="1")
    async with asyncio.timeout(5):
        response = await task
    assert (response["acknowledged_by"], response["acknowledged_by_name"]) == (THIRD, "Ali")


@pytest.mark.usefixtures("external_url")
async def test_an_account_gone_before_the_closing_sms_keeps_the_outcome(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Acknowledged while the account is unloaded for good: the SMS is reported unsent, the calls returned."""
    client = await hass_client_no_auth()
    task = _escalate(hass, numbers=[PEOPLE[2]], sms_message="Evde duman alarmı.")
    await until(lambda: len(netgsm.sent_xml) == 1)
    with patch("custom_components.cloud_telephony.escalation.RELOAD_WAIT", timedelta(seconds=0.2)):
        assert await hass.config_entries.async_unload(NETGSM_ENTRY_ID)
        await _answer(client, netgsm, 1, state=1, key="1")
        async with asyncio.timeout(5):
            response = await task
    assert (response["acknowledged_by"], response["acknowledged_by_name"]) == (THIRD, "Ali")
    assert response["sms"]["messages"] == []
    assert "is not loaded" in response["sms"]["error"]
    assert netgsm.sms_sent == []


async def test_a_reload_that_loses_the_public_address_refuses_the_next_call(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_huawei: tuple[Any, str],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Huawei pushes outcomes only: without a public address after a reload, nobody else is called."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    await setup_entry(huawei_entry)
    client = await hass_client_no_auth()
    task = await _huawei_escalation(hass, fake_huawei[0], "+8613500000001", "+8613500000002")
    await hass.config.async_update(external_url=None)
    assert await hass.config_entries.async_reload(HUAWEI_ENTRY_ID)
    push = {
        "eventType": "disconnect",
        "statusInfo": {"sessionId": fake_huawei_api.SESSION_ID, "called": "+8613500000001", "stateCode": 0},
    }
    assert (await client.post(HUAWEI_WEBHOOK_PATH, json=push)).status == 200
    with pytest.raises(HomeAssistantError) as err:
        async with asyncio.timeout(5):
            await task
    # Not the caller's input: calls were placed, the account changed meanwhile.
    assert type(err.value) is HomeAssistantError
    assert err.value.translation_key == "escalation_no_public_url"
    assert len(fake_huawei[0].notifications) == 1


@pytest.mark.usefixtures("external_url")
async def test_options_saved_during_an_escalation_do_not_end_it(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A contact is added (the entry reloads) while the first person's phone rings.

    The outcome posted after the reload still counts; the next call and the closing SMS go
    through the reloaded account.
    """
    client = await hass_client_no_auth()
    entry = hass.config_entries.async_get_entry(NETGSM_ENTRY_ID)
    task = _escalate(hass, numbers=PEOPLE[:2], sms_message="Evde duman alarmı.")
    await until(lambda: len(netgsm.sent_xml) == 1)
    old_runtime = entry.runtime_data
    contact = ConfigSubentry(
        data=MappingProxyType({"number": "0532 000 00 02", "name": "Veli"}),
        subentry_type="contact",
        title="Veli",
        unique_id=None,
    )
    reloaded = asyncio.Event()

    def loaded_again() -> None:
        if entry.state is ConfigEntryState.LOADED and entry.runtime_data is not old_runtime:
            reloaded.set()

    entry.async_on_state_change(loaded_again)
    hass.config_entries.async_add_subentry(entry, contact)
    async with asyncio.timeout(10):
        await reloaded.wait()
    assert not task.done()
    await _answer(client, netgsm, 1, state=2)
    await _answer(client, netgsm, 2, state=1, key="1")
    response = await task
    assert [(call["number"], call["status"]) for call in response["calls"]] == [
        (FIRST, "not_answered"),
        (SECOND, "answered"),
    ]
    # Named with the contacts saved meanwhile.
    assert (response["acknowledged_by"], response["acknowledged_by_name"]) == (SECOND, "Veli")
    assert len(response["sms"]["messages"]) == 2


@pytest.mark.usefixtures("external_url")
async def test_an_escalation_waits_for_a_reload_before_the_next_call(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The first call's outcome arrives while the entry is unloaded: the second call waits for the setup."""
    client = await hass_client_no_auth()
    task = _escalate(hass, numbers=PEOPLE[:2])
    await until(lambda: len(netgsm.sent_xml) == 1)
    assert await hass.config_entries.async_unload(NETGSM_ENTRY_ID)
    await _answer(client, netgsm, 1, state=2)
    await asyncio.sleep(0.1)
    assert len(netgsm.sent_xml) == 1
    assert not task.done()
    assert await hass.config_entries.async_setup(NETGSM_ENTRY_ID)
    await _answer(client, netgsm, 2, state=1, key="1")
    response = await task
    assert response["acknowledged_by"] == SECOND


@pytest.mark.usefixtures("external_url")
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"numbers": PEOPLE}, ServiceValidationError),  # nothing to play
        # Netgsm reads something after each key of a menu: the thanks cannot be left out.
        ({"numbers": PEOPLE, "message": "x", "acknowledged_message": " "}, ServiceValidationError),
        ({"numbers": PEOPLE, "series": [{"text": " "}]}, ServiceValidationError),
        ({"numbers": ["", " "], "message": "x"}, vol.Invalid),
        ({"numbers": PEOPLE, "message": "x", "acknowledge_key": "12"}, vol.Invalid),
        ({"numbers": PEOPLE, "message": "x", "call_timeout": 5}, vol.Invalid),
        ({"numbers": PEOPLE, "message": "x", "rounds": 6}, vol.Invalid),
    ],
)
async def test_invalid_requests_call_nobody(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, data: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        await hass.services.async_call(
            DOMAIN,
            "escalate",
            {"config_entry_id": NETGSM_ENTRY_ID, **data},
            blocking=True,
            return_response=True,
        )
    assert netgsm.sent_xml == []


async def test_refused_where_no_outcome_comes_back(
    hass: HomeAssistant,
    yemot_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_yemot: fake_yemot.FakeYemot,
) -> None:
    """Yemot's spoken calls report nothing back: nobody could acknowledge, so nobody is called."""
    await setup_entry(yemot_entry)
    with pytest.raises(ServiceValidationError, match="does not report how a call ended") as err:
        await _escalate(hass, YEMOT_ENTRY_ID, numbers=["054-9876543"])
    assert err.value.translation_key == "escalation_no_results"
    assert [command for command, _, _ in fake_yemot.requests if command == "SendTTS"] == []


async def test_refused_without_voice_calls(hass: HomeAssistant, bulkgate: fake_bulkgate.FakeBulkGate) -> None:
    with pytest.raises(ServiceValidationError, match="place no voice calls") as err:
        await _escalate(hass, BULKGATE_ENTRY_ID, sms_message="Alarm.")
    assert err.value.translation_key == "escalation_no_calls"
    assert bulkgate.sent == []


@pytest.mark.parametrize(
    ("public", "data", "key", "match"),
    [
        # Huawei pushes outcomes and has no report: without a public address, none would come back.
        (False, {}, "escalation_no_public_url", "Home Assistant has none"),
        # Huawei sends no SMS: the closing SMS is refused before anybody is called.
        (True, {"sms_message": "x"}, "escalation_no_sms", "cannot send SMS"),
    ],
)
async def test_huawei_refusals_before_anybody_is_called(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_huawei: tuple[Any, str],
    public: bool,
    data: dict[str, Any],
    key: str,
    match: str,
) -> None:
    if public:
        await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    await setup_entry(huawei_entry)
    with pytest.raises(ServiceValidationError, match=match) as err:
        await _escalate(
            hass, HUAWEI_ENTRY_ID, numbers=["+8613500000001"], template_id="smoke_alarm_01", **data
        )
    assert err.value.translation_key == key
    assert fake_huawei[0].notifications == []


@pytest.mark.usefixtures("external_url")
async def test_a_message_the_provider_cannot_play_stops_at_the_first_call(
    hass: HomeAssistant, huawei_entry: MockConfigEntry, setup_entry: SetupEntry, fake_huawei: tuple[Any, str]
) -> None:
    """Huawei reads text only through a template: refused as a whole, not person by person."""
    await setup_entry(huawei_entry)
    with pytest.raises(ServiceValidationError, match="approved template"):
        await _escalate(hass, HUAWEI_ENTRY_ID, numbers=["+8613500000001", "+8613500000002"])
    assert fake_huawei[0].notifications == []


@pytest.mark.usefixtures("external_url")
async def test_huawei_collects_the_key_and_plays_nothing_after_it(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_huawei: tuple[Any, str],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Outcomes pushed to the webhook: the key press first, then the end of the call."""
    await setup_entry(huawei_entry)
    client = await hass_client_no_auth()
    task = await _huawei_escalation(hass, fake_huawei[0], "+8613500000001")
    [body] = fake_huawei[0].notifications
    assert body["playInfoList"][-1]["collectInd"] == 1
    for kind, info in (("collectInfo", {"digitInfo": "1"}), ("disconnect", {"stateCode": 0})):
        push = {
            "eventType": kind,
            "statusInfo": {"sessionId": fake_huawei_api.SESSION_ID, "called": "+8613500000001", **info},
        }
        assert (await client.post(HUAWEI_WEBHOOK_PATH, json=push)).status == 200
    response = await task
    assert response["acknowledged_by"] == "+8613500000001"
    [call] = response["calls"]
    # Acknowledged at the key: the call's end comes later, as a call_status event of its own.
    assert (call["status"], call["key_pressed"], call["call_id"]) == (None, "1", fake_huawei_api.SESSION_ID)


@pytest.mark.usefixtures("external_url")
async def test_the_key_acknowledges_before_the_call_ends(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_huawei: tuple[Any, str],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The key is reported while the call goes on: that is the acknowledgement, nobody else is called."""
    await setup_entry(huawei_entry)
    client = await hass_client_no_auth()
    task = await _huawei_escalation(hass, fake_huawei[0], "+8613500000001", "+8613500000002")
    push = {
        "eventType": "collectInfo",
        "statusInfo": {"sessionId": fake_huawei_api.SESSION_ID, "called": "+8613500000001", "digitInfo": "1"},
    }
    assert (await client.post(HUAWEI_WEBHOOK_PATH, json=push)).status == 200
    response = await task
    assert response["acknowledged_by"] == "+8613500000001"
    [call] = response["calls"]
    assert (call["key_pressed"], call["acknowledged"]) == ("1", True)
    assert len(fake_huawei[0].notifications) == 1
