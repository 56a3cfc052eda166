"""Netgsm SMS through Home Assistant: send, the delivery report, replies from the inbox, notify."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import logging
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.cloud_telephony.api.netgsm import ISTANBUL
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.hub import DATA_HUB
from custom_components.cloud_telephony.store import StoreUnavailableError
from tests.conftest import NETGSM_ENTRY_ID, SetupEntry, entry_variant
from tests.fakes import netgsm as fake

MESSAGES = "event.netgsm_8500000000_messages"
LAST_SMS = "sensor.netgsm_8500000000_last_sms"
NOTIFY_MOM_SMS = "notify.mom_sms"


@pytest.fixture
async def netgsm(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake.FakeNetgsm,
) -> fake.FakeNetgsm:
    """Set up the Netgsm entry (recipient Mom, 0532 000 00 00) against the fake API."""
    netgsm_api_url.sms_inbox = [_inbox_row("5551112233", "before setup", datetime.now(ISTANBUL))]
    await setup_entry(netgsm_entry)
    assert netgsm_entry.state is ConfigEntryState.LOADED
    return netgsm_api_url


def _inbox_row(sender: str, text: str, at: datetime) -> dict[str, str]:
    return {
        "message": text,
        "sender": sender,
        "receiver": "8503050000",
        "datetime": at.astimezone(ISTANBUL).strftime("%d.%m.%Y %H:%M:%S"),
    }


async def _send(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "send_sms", {"config_entry_id": NETGSM_ENTRY_ID, **data}, blocking=True, return_response=True
    )


async def _poll(hass: HomeAssistant, netgsm_entry: MockConfigEntry) -> None:
    runtime = netgsm_entry.runtime_data
    assert runtime.deliveries is not None
    assert runtime.inbox is not None
    assert await runtime.deliveries.async_poll()
    assert await runtime.inbox.async_poll()
    await hass.async_block_till_done()


async def test_send_delivered_reply_round_trip(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    response = await _send(hass, to="0532 000 00 00", message="Kapı açık. KAPAT yazın, kapatayım.")
    [sent] = response["messages"]
    job_id = sent["message_id"]
    assert netgsm.sms_sent[0]["encoding"] == "TR"
    assert netgsm.sms_sent[0]["messages"] == [
        {"msg": "Kapı açık. KAPAT yazın, kapatayım.", "no": "5320000000"}
    ]

    # Nothing final yet: asked again at the next poll.
    netgsm.sms_reports[job_id] = [{"jobid": job_id, "status": 0, "number": "5320000000"}]
    await _poll(hass, netgsm_entry)
    assert statuses == []
    netgsm.sms_reports[job_id] = [
        {
            "jobid": job_id,
            "status": 1,
            "number": "5320000000",
            "operator": 30,
            "deliveredDate": "2026-12-02 10:01:07",
        }
    ]
    netgsm.sms_inbox.append(_inbox_row("905320000000", "KAPAT", datetime.now(ISTANBUL)))
    await _poll(hass, netgsm_entry)
    # Final: not asked for again, and nothing fires twice.
    await _poll(hass, netgsm_entry)
    assert [body["jobids"] for body in netgsm.report_bodies] == [[job_id], [job_id]]

    [delivered] = statuses
    assert delivered.data["status"] == "delivered"
    assert delivered.data["callee"] == "+905320000000"
    assert delivered.data["sent_message"] == "Kapı açık. KAPAT yazın, kapatayım."
    assert delivered.data["operator"] == 30
    [reply] = received
    assert reply.data["caller"] == "+905320000000"
    assert reply.data["message"] == "KAPAT"
    assert reply.data["in_reply_to"]["message_id"] == job_id
    assert hass.states.get(LAST_SMS).state == "+905320000000"
    assert hass.states.get(MESSAGES).attributes["event_type"] == "sms_received"


async def test_failed_delivery_says_why(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    job_id = (await _send(hass, to="+905321112233", message="x"))["messages"][0]["message_id"]
    netgsm.sms_reports[job_id] = [{"jobid": job_id, "status": 16, "number": "5321112233"}]
    await _poll(hass, netgsm_entry)
    [failed] = statuses
    assert (failed.data["status"], failed.data["failure_reason"]) == ("failed", "iys_rejected")


async def test_send_options_and_otp(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    await _send(hass, to="+905320000000", message="Kampanya", iys_filter="individual", sender_id="EVIM")
    await _send(hass, to="+905320000000", message="Doğrulama kodunuz: 4711", otp=True)
    assert netgsm.sms_sent[0]["iysfilter"] == "11"
    assert netgsm.otp_sent[0]["msg"] == "Dogrulama kodunuz: 4711"


async def test_a_refused_send_is_explained(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    with pytest.raises(HomeAssistantError) as caught:
        await _send(hass, to="+905320000000", message="x", sender_id="NOPE")
    assert caught.value.translation_key == "provider_error"
    assert "sender header is not defined" in caught.value.translation_placeholders["reason"]


async def test_notify_texts_the_recipient(hass: HomeAssistant, netgsm: fake.FakeNetgsm) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {ATTR_ENTITY_ID: NOTIFY_MOM_SMS, "title": "Alarm", "message": "Mutfakta duman"},
        blocking=True,
    )
    [body] = netgsm.sms_sent
    assert body["messages"] == [{"msg": "Alarm\nMutfakta duman", "no": "5320000000"}]


async def test_the_inbox_past_is_not_news(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    await _poll(hass, netgsm_entry)
    assert received == []
    # Always read with a date range: a read without one would use the messages up.
    assert all(set(query) == {"startdate", "stopdate"} for query in netgsm.inbox_queries)


async def test_an_api_user_without_sms_still_sets_up(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake.FakeNetgsm,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Voice messages work; the inbox is asked again at each interval and works once SMS is allowed."""
    netgsm_api_url.sms_denied = True
    with caplog.at_level(logging.WARNING):
        await setup_entry(netgsm_entry)
    assert netgsm_entry.state is ConfigEntryState.LOADED
    assert "Cannot read the inbox of Netgsm 8500000000" in caplog.text
    assert "may not use SMS" in caplog.text
    runtime = netgsm_entry.runtime_data
    assert runtime.inbox is not None
    netgsm_api_url.sms_denied = False
    assert await runtime.inbox.async_poll()


async def test_a_configured_header_is_used(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake.FakeNetgsm,
) -> None:
    netgsm_api_url.sms_headers = ["EVIM", "OFIS"]
    entry = entry_variant(netgsm_entry, data={"sms_header": "OFIS"})
    await setup_entry(entry)
    await _send(hass, to="+905320000000", message="x")
    assert netgsm_api_url.sms_sent[0]["msgheader"] == "OFIS"


async def test_messages_older_than_a_day_are_not_asked_for(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry, freezer: Any
) -> None:
    job_id = (await _send(hass, to="+905320000000", message="x"))["messages"][0]["message_id"]
    await _poll(hass, netgsm_entry)
    freezer.tick(timedelta(hours=24, minutes=1))
    await _poll(hass, netgsm_entry)
    assert [body["jobids"] for body in netgsm.report_bodies] == [[job_id]]


async def test_what_a_poll_cannot_record_is_asked_for_again(
    hass: HomeAssistant, netgsm: fake.FakeNetgsm, netgsm_entry: MockConfigEntry
) -> None:
    """A full disk, say, during a poll: neither the reply nor the delivery report is lost."""
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    job_id = (await _send(hass, to="+905320000000", message="x"))["messages"][0]["message_id"]
    netgsm.sms_reports[job_id] = [{"jobid": job_id, "status": 1, "number": "5320000000"}]
    netgsm.sms_inbox.append(_inbox_row("905320000000", "KAPAT", datetime.now(ISTANBUL)))
    store = hass.data[DATA_HUB].store

    def refuse(statements: Any) -> asyncio.Future[None]:
        future: asyncio.Future[None] = hass.loop.create_future()
        future.set_exception(StoreUnavailableError("database or disk is full"))
        return future

    runtime = netgsm_entry.runtime_data
    assert runtime.deliveries is not None
    assert runtime.inbox is not None
    with patch.object(store, "async_write", refuse):
        assert not await runtime.deliveries.async_poll()
        assert not await runtime.inbox.async_poll()
    assert (statuses, received) == ([], [])
    await _poll(hass, netgsm_entry)
    assert [event.data["call_id"] for event in statuses] == [job_id]
    assert [event.data["message"] for event in received] == ["KAPAT"]
