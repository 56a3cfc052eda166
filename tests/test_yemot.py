"""Yemot HaMashiach end to end: ring, speak, SMS, campaigns, and the SMS inbox across restarts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.cloud_telephony.api import AuthError
from custom_components.cloud_telephony.api.models import server_error
from custom_components.cloud_telephony.const import DEFAULT_INBOX_INTERVAL, DOMAIN
from tests.conftest import YEMOT_ENTRY_ID, SetupEntry, entry_variant
from tests.fakes import yemot as fake

BALANCE = "sensor.yemot_0773137770_balance"
LAST_SMS = "sensor.yemot_0773137770_last_sms"
MESSAGES = "event.yemot_0773137770_messages"
CALL_IMMA = "notify.imma_call"
SMS_IMMA = "notify.imma_sms"
PHONE_ENTITIES = (
    ("binary_sensor", "registered"),
    ("sensor", "extension"),
    ("sensor", "transport"),
    ("sensor", "device"),
    ("sensor", "registration_expires"),
)


def _row(phone: int, message: str, when: str) -> dict[str, Any]:
    return {"dest": 972773137770, "phone": phone, "message": message, "server_date": when}


@pytest.fixture
async def yemot(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, setup_entry: SetupEntry, fake_yemot: fake.FakeYemot
) -> fake.FakeYemot:
    """Set up the Yemot entry against the fake API, with an old message in the inbox."""
    fake_yemot.inbox = [_row(972549876543, "הודעה ישנה", "08:00:00 2024-07-30")]
    await setup_entry(yemot_entry)
    assert yemot_entry.state is ConfigEntryState.LOADED
    return fake_yemot


async def _action(hass: HomeAssistant, service: str, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, {"config_entry_id": YEMOT_ENTRY_ID, **data}, blocking=True, return_response=True
    )


async def test_entities(
    hass: HomeAssistant, yemot: fake.FakeYemot, entity_registry: er.EntityRegistry
) -> None:
    entities = {
        entry.entity_id for entry in er.async_entries_for_config_entry(entity_registry, YEMOT_ENTRY_ID)
    }
    phone = {f"{platform}.phone_200_{key}" for platform, key in PHONE_ENTITIES}
    listing = "switch.yemot_0773137770_pirsumphone_registration"
    voicemail = "event.yemot_0773137770_voicemail"
    files = "event.yemot_0773137770_stored_files"
    button = "button.yemot_0773137770_send_a_test_event"
    assert entities == {
        BALANCE,
        LAST_SMS,
        MESSAGES,
        CALL_IMMA,
        SMS_IMMA,
        listing,
        voicemail,
        files,
        button,
        *phone,
    }
    assert hass.states.get(BALANCE).state == "1234.5"
    assert hass.states.get(BALANCE).attributes["unit_of_measurement"] == "units"
    # The message that was in the inbox before setup is not news.
    assert hass.states.get(LAST_SMS).state == "unknown"


async def test_inbox_fires_new_messages_once_also_after_a_restart(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    yemot.inbox.append(_row(972549876543, "סגור את השער", "22:40:54 2024-07-30"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    [event] = received
    assert event.data["message"] == "סגור את השער"
    assert event.data["caller"] == "+972549876543"
    assert event.data["caller_name"] == "אמא"
    assert event.data["occurred_at"].startswith("2024-07-30T12:40:54")  # Jerusalem 22:40 in US/Pacific
    assert hass.states.get(LAST_SMS).state == "+972549876543"
    assert hass.states.get(LAST_SMS).attributes["message"] == "סגור את השער"

    await yemot_entry.runtime_data.inbox.async_poll()
    assert await hass.config_entries.async_reload(yemot_entry.entry_id)
    await hass.async_block_till_done()
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert len(received) == 1  # neither the next poll nor the restart fired it again

    # Same second, different text: still new.
    yemot.inbox.append(_row(972549876543, "ועוד משהו", "22:40:54 2024-07-30"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert [event.data["message"] for event in received] == ["סגור את השער", "ועוד משהו"]


async def test_inbox_falls_back_to_the_older_command_and_a_switch_fires_nothing_twice(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, setup_entry: SetupEntry, fake_yemot: fake.FakeYemot
) -> None:
    """A system without GetIncomingSms is read with GetSmsIncomingLog; the same message keeps its identity."""
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    fake_yemot.incoming_sms_supported = False
    fake_yemot.inbox = [_row(972549876543, "הודעה ישנה", "08:00:00 2024-07-30")]
    await setup_entry(yemot_entry)
    fake_yemot.inbox.append(_row(972549876543, "סגור את השער", "22:40:54 2024-07-30"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    inbox_commands = [command for command, _, _ in fake_yemot.requests if "Sms" in command]
    # Refused once, then the older command only.
    assert inbox_commands == ["GetIncomingSms", "GetSmsIncomingLog", "GetSmsIncomingLog"]
    assert [event.data["message"] for event in received] == ["סגור את השער"]

    # The system learns the newer command: the same messages are not news.
    fake_yemot.incoming_sms_supported = True
    assert await hass.config_entries.async_reload(yemot_entry.entry_id)
    await hass.async_block_till_done()
    await yemot_entry.runtime_data.inbox.async_poll()
    fake_yemot.inbox.append(_row(972549876543, "ועוד משהו", "22:45:00 2024-07-30"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert [event.data["message"] for event in received] == ["סגור את השער", "ועוד משהו"]
    assert [command for command, _, _ in fake_yemot.requests if "Sms" in command][-1] == "GetIncomingSms"


async def test_identities_of_an_older_version_fire_nothing_again(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    """A cursor that remembers the messages under another identity: only newer messages are news."""
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    history = yemot_entry.runtime_data.history
    assert history.cursor is not None
    # As an older version stored it: the same message, another spelling of its identity.
    history.set_cursor([history.cursor[0], "in:972549876543:08:00:00 2024-07-30:0123456789abcdef"])
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert received == []
    yemot.inbox.append(_row(972549876543, "חדשה", "09:00:00 2024-07-30"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert [event.data["message"] for event in received] == ["חדשה"]


async def test_inbox_is_read_at_the_interval(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    """Nothing but the timer reads the inbox: a new message arrives with the next interval."""
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    yemot.inbox.append(_row(972549876543, "סגור את השער", "22:40:54 2024-07-30"))
    # Not the freezer: moving the clock would also expire the HTTP timeouts of the poll.
    async_fire_time_changed(hass, dt_util.utcnow() + DEFAULT_INBOX_INTERVAL + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [event.data["message"] for event in received] == ["סגור את השער"]


async def test_a_slow_inbox_read_is_not_stacked(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    """Ticks while a read is still waiting for the provider start no second read."""
    release = asyncio.Event()
    calls = 0

    async def slow_fetch(*_args: object) -> list[object]:
        nonlocal calls
        calls += 1
        await release.wait()
        return []

    with patch(
        "custom_components.cloud_telephony.api.yemot.YemotClient.async_fetch_incoming_sms", slow_fetch
    ):
        for ticks in (1, 2, 3):
            async_fire_time_changed(
                hass, dt_util.utcnow() + DEFAULT_INBOX_INTERVAL * ticks + timedelta(seconds=1)
            )
            await asyncio.sleep(0)
        assert calls == 1
        release.set()
        await hass.async_block_till_done(wait_background_tasks=True)
        async_fire_time_changed(hass, dt_util.utcnow() + DEFAULT_INBOX_INTERVAL * 4 + timedelta(seconds=1))
        await hass.async_block_till_done(wait_background_tasks=True)
    assert calls == 2


async def test_first_message_of_an_empty_inbox_is_news(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, setup_entry: SetupEntry, fake_yemot: fake.FakeYemot
) -> None:
    """A new system's inbox is empty at setup: its very first message fires."""
    fake_yemot.inbox = []
    await setup_entry(yemot_entry)
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    fake_yemot.inbox.append(_row(972549876543, "ראשונה", "22:40:54 2024-07-30"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert [event.data["message"] for event in received] == ["ראשונה"]


async def test_the_inbox_past_is_not_news_however_it_is_spread(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, setup_entry: SetupEntry, fake_yemot: fake.FakeYemot
) -> None:
    """Messages an hour apart in the inbox at setup: neither fires, at any later poll."""
    fake_yemot.inbox = [
        _row(972549876543, "older", "21:40:00 2024-07-30"),
        _row(972549876543, "newer", "22:40:00 2024-07-30"),
    ]
    await setup_entry(yemot_entry)
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    for _ in range(2):
        await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert received == []


async def test_messages_in_the_repeated_hour_are_news(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    """When daylight saving time ends, 01:10 comes after 01:50: both are news, each once."""
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    inbox = yemot_entry.runtime_data.inbox
    yemot.inbox.append(_row(972549876543, "before the change", "01:50:00 2025-10-26"))
    await inbox.async_poll()
    yemot.inbox.append(_row(972549876543, "after the change", "01:10:00 2025-10-26"))
    await inbox.async_poll()
    await inbox.async_poll()
    await hass.async_block_till_done()
    assert [event.data["message"] for event in received] == ["before the change", "after the change"]


async def test_reply_to_an_sms_we_sent_is_linked(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    response = await _action(hass, "send_sms", to="054-9876543", message="השער פתוח. לסגור?")
    [sent] = response["messages"]
    yemot.inbox.append(_row(972549876543, "כן", "23:59:59 2099-01-01"))
    await yemot_entry.runtime_data.inbox.async_poll()
    await hass.async_block_till_done()
    assert received[0].data["in_reply_to"]["message_id"] == sent["message_id"]
    assert received[0].data["in_reply_to"]["message"] == "השער פתוח. לסגור?"


async def test_ring(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    response = await _action(hass, "ring", to=["054-9876543"], random_caller_id=True, seconds=8)
    assert response == {
        "campaign_id": "YA-1-0773137770-Tzintuk-1",
        "calls": 1,
        "caller_id": "0773137123",
        "errors": {},
        "code": "123",
    }
    _, params, _ = yemot.requests[-1]
    assert (params["phones"], params["callerId"]) == ("0549876543", "RAND")


async def test_spoken_call_reports_refused_numbers(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    response = await _action(
        hass, "send_voice_message", to=["054-9876543", "0510001000"], message="אזעקה בבית. נא לבדוק."
    )
    assert response["message_id"] == "YA-1-0773137770-TTS-1"
    assert response["errors"] == {"0510001000": "not Vaild"}
    assert response["results_by"] == "none"
    _, params, _ = yemot.requests[-1]
    assert params["ttsMessage"] == "אזעקה בבית. נא לבדוק."
    with pytest.raises(ServiceValidationError, match="no key menu"):
        await _action(hass, "send_voice_message", to="054-9876543", message="x", keys={"1": "y"})
    with pytest.raises(ServiceValidationError, match="no calling window"):
        await _action(
            hass,
            "send_voice_message",
            to="054-9876543",
            message="x",
            start="2026-03-01 09:00:00",
            end="2026-03-01 11:00:00",
        )


@pytest.mark.usefixtures("external_url")
async def test_spoken_call_results_are_not_promised(
    hass: HomeAssistant, yemot: fake.FakeYemot, issue_registry: ir.IssueRegistry
) -> None:
    """Yemot reports no outcomes to a webhook, even when Home Assistant has a public URL."""
    response = await _action(hass, "send_voice_message", to="054-9876543", message="x")
    assert response["results_by"] == "none"
    _, params, _ = yemot.requests[-1]
    assert "callbackUrl" not in params
    assert not [issue for domain, issue in issue_registry.issues if domain == DOMAIN]


async def test_waiting_for_a_result_that_cannot_come_returns_at_once(
    hass: HomeAssistant, yemot: fake.FakeYemot
) -> None:
    """Yemot reports no outcomes: an action asking to wait is answered now, not at its timeout."""
    async with asyncio.timeout(5):
        response = await _action(
            hass, "send_voice_message", to="054-9876543", message="x", wait_for_result=True, timeout=600
        )
    assert response["complete"] is False
    assert response["results"][0]["status"] is None


async def test_voice_code_in_hebrew_unless_asked(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    assert hass.config.language == "en"
    await _action(hass, "send_voice_code", to="054-9876543", code="12")
    _, params, _ = yemot.requests[-1]
    assert params["ttsMessage"] == "קוד האימות שלך הוא: אחת, שתיים."
    assert params["repeatFile"] == "2"
    await _action(hass, "send_voice_code", to="054-9876543", code="12", language="en")
    _, params, _ = yemot.requests[-1]
    assert params["ttsMessage"].startswith("Your verification code is")


async def test_campaign_of_500(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    numbers = [f"054{index:07d}" for index in range(500)]
    response = await _action(hass, "start_campaign", to=numbers, ivr_path="ivr2:/1/100", seconds=30)
    assert response["calls"] == 500
    assert response["campaign_id"] == "YA-1-0770770770-Yemot-1695290243349441"
    _, body, is_json = yemot.requests[-1]
    assert is_json
    assert len(body["phones"]) == 500


async def test_sms_refusal_is_reported(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    response = await _action(hass, "send_sms", to=["054-9876543", "0510000000"], message="שלום")
    ok, refused = response["messages"]
    assert ok["status"] == "sent"
    assert refused["error"] == "+972510000000: not Vaild"
    with pytest.raises(
        ServiceValidationError,
        match=r"^Yemot HaMashiach refused the phone number: \+972510000000: not Vaild$",
    ):
        await _action(hass, "send_sms", to="0510000000", message="x")


async def test_notify_calls_and_texts(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    await hass.services.async_call(
        "notify", "send_message", {ATTR_ENTITY_ID: CALL_IMMA, "message": "עשן"}, blocking=True
    )
    await hass.services.async_call(
        "notify", "send_message", {ATTR_ENTITY_ID: SMS_IMMA, "message": "עשן"}, blocking=True
    )
    commands = [(command, params.get("phones")) for command, params, _ in yemot.requests[-2:]]
    assert commands == [("SendTTS", "0549876543"), ("SendSms", "0549876543")]


async def test_token_expiry_during_an_action(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    logins = yemot.logins
    yemot.expire_sessions()
    await _action(hass, "ring", to="054-9876543")
    assert yemot.logins == logins + 1


async def test_config_flow(hass: HomeAssistant, fake_yemot: fake.FakeYemot) -> None:
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "yemot"})
        base = {"system_number": fake.SYSTEM_NUMBER, "server": "ym", "country": "IL"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], base)
        assert result["errors"] == {"base": "credentials_missing"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**base, "password": "wrong"}
        )
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**base, "token": fake.PERMANENT_TOKEN}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Yemot 0773137770"
    assert result["data"]["token"] == fake.PERMANENT_TOKEN
    assert "password" not in result["data"]
    assert result["options"] == {"country": "IL"}


@pytest.mark.usefixtures("fake_yemot")
async def test_reauth_reconfigure_options(hass: HomeAssistant, yemot_entry: MockConfigEntry) -> None:
    entry = entry_variant(yemot_entry, data={"password": "old"})
    entry.add_to_hass(hass)
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True):
        result = await entry.start_reauth_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"password": fake.PASSWORD}
        )
        assert result["reason"] == "reauth_successful"
        result = await entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"server": "ym"})
        assert result["errors"] == {"base": "credentials_missing"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"token": fake.PERMANENT_TOKEN, "server": "ym"}
        )
        assert result["reason"] == "reconfigure_successful"
        # The entry's reload, which the flow scheduled, with setup still patched.
        await hass.async_block_till_done()
    assert entry.data["token"] == fake.PERMANENT_TOKEN
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert [str(key) for key in result["data_schema"].schema] == [
        "country",
        "poll_interval",
        "phones_interval",
        "queues",
        "queues_interval",
        "voicemail_boxes",
        "voicemail_interval",
        "media_folder",
        "retention_days",
        "retention_count",
    ]


@pytest.mark.usefixtures("fake_yemot")
async def test_reauth_takes_a_token_instead_of_the_password(
    hass: HomeAssistant, yemot_entry: MockConfigEntry
) -> None:
    """A system with two-factor login has only a token to give; the refused password goes."""
    entry = entry_variant(yemot_entry, data={"password": "refused"})
    entry.add_to_hass(hass)
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True):
        result = await entry.start_reauth_flow(hass)
        assert set(map(str, result["data_schema"].schema)) == {"password", "token"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        assert result["errors"] == {"base": "credentials_missing"}
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"token": "wrong"})
        assert result["errors"] == {"base": "invalid_auth"}
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"token": fake.PERMANENT_TOKEN}
        )
        assert result["reason"] == "reauth_successful"
        # The entry's reload, which the flow scheduled, with setup still patched.
        await hass.async_block_till_done()
    assert entry.data["token"] == fake.PERMANENT_TOKEN
    assert "password" not in entry.data


async def test_inbox_failures(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = yemot_entry.runtime_data.inbox
    assert inbox is not None
    with patch(
        "custom_components.cloud_telephony.api.yemot.YemotClient.async_fetch_incoming_sms",
        side_effect=server_error(502),
    ):
        assert await inbox.async_poll() is False
        assert await inbox.async_poll() is False
    assert inbox.last_poll_succeeded is False
    # An outage is logged once, and its end once.
    failures = [record for record in caplog.records if "SMS inbox" in record.getMessage()]
    assert len(failures) == 1
    assert failures[0].getMessage() == (
        f"{yemot_entry.title}: Could not read the Yemot HaMashiach SMS inbox: "
        "its server reported an error (HTTP 502)"
    )
    assert await inbox.async_poll() is True
    assert f"Reading the inbox of {yemot_entry.title} works again" in caplog.text
    with patch(
        "custom_components.cloud_telephony.api.yemot.YemotClient.async_fetch_incoming_sms",
        side_effect=AuthError("Yemot refused the new session token"),
    ):
        await inbox.async_poll()
        await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == "reauth"


async def test_a_channel_given_up_takes_its_entity(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    """Imma, migrated with both channels, keeps only the SMS: the call entity goes, the SMS one stays."""
    registry = er.async_get(hass)
    [imma] = [sub for sub in yemot_entry.subentries.values() if sub.subentry_type == "recipient"]
    assert set(imma.data["channels"]) == {"sms", "voice"}
    sms_id = registry.async_get(SMS_IMMA).id
    result = await hass.config_entries.subentries.async_init(
        (yemot_entry.entry_id, "recipient"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": imma.subentry_id},
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"number": imma.data["number"], "name": "Imma", "channels": ["sms"]}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert registry.async_get(CALL_IMMA) is None
    assert hass.states.get(CALL_IMMA) is None
    assert registry.async_get(SMS_IMMA).id == sms_id
    assert hass.states.get(SMS_IMMA) is not None
