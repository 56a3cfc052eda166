"""BulkGate end to end: setup and balance, send_sms, notify, delivery reports and replies."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.config_entries import SOURCE_REAUTH, SOURCE_RECONFIGURE, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api import (
    ProviderConnectionError,
    WebhookRequest,
    bulkgate as bulkgate_api,
)
from custom_components.cloud_telephony.api.bulkgate import BulkGateClient
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.hub import DATA_HUB
from custom_components.cloud_telephony.pipeline import async_accept_events
from tests.conftest import (
    BULKGATE_ENTRY_ID,
    BULKGATE_WEBHOOK_PATH,
    SetupEntry,
    add_person,
    entry_variant,
    fixture_bytes,
    stored_ids,
    stored_rows,
    subentry_of,
    until,
)
from tests.fakes import bulkgate as fake

BALANCE = "sensor.bulkgate_12345_balance"
LAST_SMS = "sensor.bulkgate_12345_last_sms"
MESSAGES = "event.bulkgate_12345_messages"
NOTIFY_ANNA = "notify.anna_sms"


async def _send(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": BULKGATE_ENTRY_ID, **data},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


async def test_entities(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, entity_registry: er.EntityRegistry
) -> None:
    entities = {
        entry.entity_id for entry in er.async_entries_for_config_entry(entity_registry, BULKGATE_ENTRY_ID)
    }
    assert entities == {BALANCE, LAST_SMS, MESSAGES, NOTIFY_ANNA, "button.bulkgate_12345_send_a_test_event"}
    balance = hass.states.get(BALANCE)
    assert balance.state == "215.8138"
    assert balance.attributes["unit_of_measurement"] == "credits"
    assert "device_class" not in balance.attributes  # credits are not money
    assert balance.attributes["state_class"] == "measurement"
    assert hass.states.get(MESSAGES).attributes["event_types"] == ["sms_received", "sms_status"]
    # The first balance fetch was also the credential check: one request, not two.
    assert bulkgate.info_requests == 1


async def test_refused_token_starts_reauth(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulkgate_api_url: fake.FakeBulkGate,
) -> None:
    entry = entry_variant(bulkgate_entry, data={bulkgate_api.APPLICATION_TOKEN: "revoked"})
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH


async def test_balance_poll_failure_makes_the_sensor_unavailable(
    hass: HomeAssistant,
    bulkgate: fake.FakeBulkGate,
    bulkgate_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    with patch(
        "custom_components.cloud_telephony.api.bulkgate.BulkGateClient.async_get_balance",
        side_effect=ProviderConnectionError("BulkGate answered HTTP 502"),
    ):
        freezer.tick(timedelta(hours=1, seconds=1))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert hass.states.get(BALANCE).state == "unavailable"
    await bulkgate_entry.runtime_data.balance.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(BALANCE).state == "215.8138"


async def test_send_sms(hass: HomeAssistant, bulkgate: fake.FakeBulkGate) -> None:
    response = await _send(
        hass, to=["+420 603 123 456", "777888999"], message="Garage open. Reply CLOSE to close it"
    )
    assert response == {
        "messages": [
            {"to": "+420603123456", "message_id": "tmp00000000001", "status": "accepted", "price": 0.02},
            {"to": "+420777888999", "message_id": "tmp00000000002", "status": "accepted", "price": 0.02},
        ],
        "remaining_credit": 215.7738,
    }
    assert [body["number"] for body in bulkgate.sent] == ["420603123456", "420777888999"]
    assert bulkgate.sent[0]["unicode"] is False
    # The balance follows the credit the provider reported, without waiting for the next poll.
    assert hass.states.get(BALANCE).state == "215.7738"


@pytest.mark.parametrize("sender_type", ["text", "gText"])
async def test_send_sms_options(hass: HomeAssistant, bulkgate: fake.FakeBulkGate, sender_type: str) -> None:
    """The action offers the sender types by key and takes BulkGate's own names too."""
    await _send(
        hass,
        to="+420603123456",
        message="Ahoj",
        sender_id=sender_type,
        sender_id_value="Domov",
        unicode=True,
        schedule="2026-03-01 18:00:00",
        duplicates_check=True,
    )
    [body] = bulkgate.sent
    assert (body["sender_id"], body["sender_id_value"], body["unicode"], body["duplicates_check"]) == (
        "gText",
        "Domov",
        True,
        "on",
    )
    # A time without a zone is Home Assistant's (US/Pacific in tests).
    assert body["schedule"] == "2026-03-01T18:00:00-08:00"


async def test_partial_failure_is_reported_per_number(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate
) -> None:
    bad = next(number for number, kind in fake.ERROR_NUMBERS.items() if kind == "blacklisted_number")
    response = await _send(hass, to=["+420603123456", f"+{bad}"], message="hello")
    ok, failed = response["messages"]
    assert ok["message_id"] == "tmp00000000001"
    assert failed == {
        "to": f"+{bad}",
        "error": "Number is on the blacklist",
        "error_code": "blacklisted_number",
    }


@pytest.mark.parametrize(
    ("kind", "exception", "translation_key", "message"),
    [
        (
            "invalid_phone_number",
            ServiceValidationError,
            "invalid_number",
            "BulkGate refused the phone number",
        ),
        ("low_credit", HomeAssistantError, "insufficient_balance", "has too little credit: Low credit"),
        (
            "unknown",
            HomeAssistantError,
            "cannot_connect",
            r"Could not reach BulkGate: its server reported an error \(HTTP 500\): Unknown error",
        ),
        (
            "admin_not_found",
            HomeAssistantError,
            "provider_error",
            "BulkGate refused the request: Admin not found",
        ),
    ],
)
async def test_total_failure_raises_a_translated_error(
    hass: HomeAssistant,
    bulkgate: fake.FakeBulkGate,
    kind: str,
    exception: type[Exception],
    translation_key: str,
    message: str,
) -> None:
    number = next(number for number, error_kind in fake.ERROR_NUMBERS.items() if error_kind == kind)
    with pytest.raises(exception, match=message) as caught:
        await _send(hass, to=f"+{number}", message="hello")
    assert caught.value.translation_key == translation_key


async def test_refused_identity_starts_reauth(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, bulkgate_entry: MockConfigEntry
) -> None:
    number = next(number for number, kind in fake.ERROR_NUMBERS.items() if kind == "unknown_identity")
    with pytest.raises(HomeAssistantError, match="BulkGate refused the credentials") as caught:
        await _send(hass, to=f"+{number}", message="hello")
    assert caught.value.translation_key == "invalid_auth"
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["context"]["entry_id"] == bulkgate_entry.entry_id


async def test_too_long_is_refused_before_sending(hass: HomeAssistant, bulkgate: fake.FakeBulkGate) -> None:
    with pytest.raises(ServiceValidationError, match="at most 268 are allowed") as caught:
        await _send(hass, to=["+420603123456", "+420777888999"], message="ř" * 300)
    assert caught.value.translation_key == "invalid_request"
    assert bulkgate.sent == []


@pytest.mark.usefixtures("bulkgate_api_url")
async def test_action_checks(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    init_integration: MockConfigEntry,
    setup_entry: SetupEntry,
) -> None:
    with pytest.raises(ServiceValidationError, match="Bulutfon accounts do not support the send_sms action"):
        await hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"config_entry_id": init_integration.entry_id, "to": "+905320000000", "message": "x"},
            blocking=True,
            return_response=True,
        )
    with pytest.raises(ServiceValidationError, match="No Cloud Telephony account has the ID nope") as caught:
        await _send(hass, config_entry_id="nope", to="+420603123456", message="x")
    assert caught.value.translation_key == "entry_not_found"
    bulkgate_entry.add_to_hass(hass)  # added, never set up
    with pytest.raises(ServiceValidationError, match="BulkGate 12345 is not loaded"):
        await _send(hass, to="+420603123456", message="x")


async def test_notify_texts_the_recipient(hass: HomeAssistant, bulkgate: fake.FakeBulkGate) -> None:
    await hass.services.async_call(
        "notify",
        "send_message",
        {ATTR_ENTITY_ID: NOTIFY_ANNA, "title": "Alarm", "message": "Smoke in the kitchen"},
        blocking=True,
    )
    [body] = bulkgate.sent
    assert body["number"] == "420603123456"
    assert body["text"] == "Alarm\nSmoke in the kitchen"
    assert hass.states.get(NOTIFY_ANNA).state != "unknown"


async def test_notify_failure_raises(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, bulkgate_entry: MockConfigEntry
) -> None:
    await add_person(hass, bulkgate_entry, "recipient", "+420600000008", "Low credit", channels=["sms"])
    assert fake.ERROR_NUMBERS["420600000008"] == "low_credit"
    with pytest.raises(HomeAssistantError, match="too little credit"):
        await hass.services.async_call(
            "notify",
            "send_message",
            {ATTR_ENTITY_ID: "notify.low_credit_sms", "message": "x"},
            blocking=True,
        )


async def test_recipients_are_added_changed_and_deleted_as_subentries(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, bulkgate_entry: MockConfigEntry
) -> None:
    result = await add_person(hass, bulkgate_entry, "recipient", "777 888 999", "Petr", channels=["sms"])
    assert result["type"] == "create_entry"
    petr = "notify.petr_sms"
    assert hass.states.get(petr) is not None
    assert hass.states.get(NOTIFY_ANNA) is not None
    registry = er.async_get(hass)
    subentry = subentry_of(bulkgate_entry, "recipient", "Petr")
    # Stored in international form, read in the account's country.
    assert subentry.data["number"] == "+420777888999"
    assert registry.async_get(petr).config_subentry_id == subentry.subentry_id
    # The user's own name for a recipient's entity survives later reloads.
    registry.async_update_entity(petr, name="Petr's phone")
    petr_id = registry.async_get(petr).id

    # The same number again, written another way, is the same recipient.
    again = await add_person(
        hass, bulkgate_entry, "recipient", "+420 777 888 999", "Petr 2", channels=["sms"]
    )
    assert again["type"] == "abort"
    assert again["reason"] == "already_configured"

    # A new name keeps the entity.
    result = await hass.config_entries.subentries.async_init(
        (bulkgate_entry.entry_id, "recipient"),
        context={"source": SOURCE_RECONFIGURE, "subentry_id": subentry.subentry_id},
    )
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"number": "777888999", "name": "Petr N.", "channels": ["sms"]}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert registry.async_get(petr).id == petr_id
    assert registry.async_get(petr).name == "Petr's phone"

    # Deleting a recipient deletes their entity, from the registry too.
    anna = subentry_of(bulkgate_entry, "recipient", "Anna")
    assert hass.config_entries.async_remove_subentry(bulkgate_entry, anna.subentry_id)
    await hass.async_block_till_done()
    assert hass.states.get(NOTIFY_ANNA) is None
    assert registry.async_get(NOTIFY_ANNA) is None
    assert registry.async_get(petr).id == petr_id


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"number": "call me", "name": "X", "channels": ["sms"]}, {"number": "invalid_number"}),
        ({"number": "777888999", "name": "  ", "channels": ["sms"]}, {"name": "name_required"}),
        ({"number": "777888999", "name": "X", "channels": []}, {"channels": "channel_required"}),
    ],
)
async def test_a_recipient_form_explains_what_is_wrong(
    hass: HomeAssistant,
    bulkgate: fake.FakeBulkGate,
    bulkgate_entry: MockConfigEntry,
    given: dict[str, Any],
    errors: dict[str, str],
) -> None:
    result = await add_person(hass, bulkgate_entry, "recipient", **given)
    assert result["type"] == "form"
    assert result["errors"] == errors


async def test_documented_delivery_report(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    client = await hass_client_no_auth()
    body = fixture_bytes("bulkgate/seed_dlr_and_reply.json")
    response = await client.post(
        BULKGATE_WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 200
    assert await response.json() == {"accepted": 3, "duplicates": 0}
    response = await client.post(
        BULKGATE_WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"}
    )
    assert await response.json() == {"accepted": 0, "duplicates": 3}
    await hass.async_block_till_done()
    assert [(event.data["call_id"], event.data["status"]) for event in statuses] == [
        ("3t2563af3ff285", "delivered"),
        ("2t2563af3ff285", "buffered"),
    ]
    assert statuses[0].data["sent_message"] is None  # not one of ours
    [reply] = received
    assert reply.data["caller"] == "+420777777777"
    assert reply.data["message"] == "text odpovědi"
    assert reply.data["in_reply_to"] is None
    assert hass.states.get(LAST_SMS).state == "+420777777777"
    assert hass.states.get(LAST_SMS).attributes["message"] == "text odpovědi"


async def test_send_delivered_reply_round_trip(
    hass: HomeAssistant,
    bulkgate: fake.FakeBulkGate,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    response = await _send(hass, to="+420603123456", message="Garage open. Reply CLOSE to close it")
    message_id = response["messages"][0]["message_id"]
    client = await hass_client_no_auth()

    dlr = [{"status": "1", "smsID": message_id, "price": "0.02", "date": "2603011200;2603011201"}]
    assert (await client.post(BULKGATE_WEBHOOK_PATH, json=dlr)).status == 200
    reply = [{"status": "10", "from": "420603123456", "message": "CLOSE"}]
    assert (await client.post(BULKGATE_WEBHOOK_PATH, json=reply)).status == 200
    await hass.async_block_till_done()
    assert hass.states.get(MESSAGES).attributes["in_reply_to"]["message_id"] == message_id
    assert hass.states.get(LAST_SMS).attributes["in_reply_to"]["message_id"] == message_id
    stranger = [{"status": "10", "from": "420777777777", "message": "CLOSE"}]
    assert (await client.post(BULKGATE_WEBHOOK_PATH, json=stranger)).status == 200
    await hass.async_block_till_done()

    [delivered] = statuses
    assert delivered.data["status"] == "delivered"
    assert delivered.data["callee"] == "+420603123456"  # taken from the message we sent
    assert delivered.data["sent_message"] == "Garage open. Reply CLOSE to close it"
    answer, other = received
    assert answer.data["message"] == "CLOSE"
    assert answer.data["caller_name"] == "Anna"
    assert answer.data["in_reply_to"]["message_id"] == message_id
    assert answer.data["in_reply_to"]["message"] == "Garage open. Reply CLOSE to close it"
    assert other.data["in_reply_to"] is None

    # A day later the same words are a new conversation, not a reply.
    freezer.tick(timedelta(hours=24, minutes=1))
    assert (await client.post(BULKGATE_WEBHOOK_PATH, json=reply)).status == 200
    await hass.async_block_till_done()
    assert received[-1].data["in_reply_to"] is None


async def test_delivery_reports_are_linked_by_any_id_then_by_recipient(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """How BulkGate's report ids relate to the send's is not documented: every id, then the number."""
    bulkgate.with_parts = True
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    text = "A long text in two parts"
    message_id = (await _send(hass, to="+420603123456", message=text))["messages"][0]["message_id"]
    client = await hass_client_no_auth()
    reports = [
        # A part's id; an id the send never gave, for the same recipient; one for nobody we texted.
        {"status": "1", "smsID": f"{message_id}_1", "date": "2603011200;2603011201"},
        {"status": "1", "smsID": "3t2563af3ff285", "to": "420603123456", "date": "2603011200;2603011201"},
        {"status": "3", "smsID": "2t2563af3ff285", "to": "420777777777", "date": "2603011200;2603011201"},
    ]
    assert (await client.post(BULKGATE_WEBHOOK_PATH, json=reports)).status == 200
    await hass.async_block_till_done()
    by_part, by_recipient, stranger = (event.data for event in statuses)
    assert (by_part["matched_by"], by_part["sent_message_id"], by_part["sent_message"]) == (
        "id",
        message_id,
        text,
    )
    assert by_part["callee"] == "+420603123456"
    assert (by_recipient["matched_by"], by_recipient["sent_message_id"]) == ("recipient", message_id)
    assert by_recipient["call_id"] == "3t2563af3ff285"
    # Still fired: a report about a message this integration did not send.
    assert (stranger["matched_by"], stranger["sent_message"], stranger["status"]) == (None, None, "failed")


async def test_reply_link_survives_a_restart(
    hass: HomeAssistant,
    bulkgate: fake.FakeBulkGate,
    bulkgate_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    response = await _send(hass, to="+420603123456", message="Door open?")
    assert await hass.config_entries.async_reload(bulkgate_entry.entry_id)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    await client.post(BULKGATE_WEBHOOK_PATH, json={"status": 10, "from": "420603123456", "text": "yes"})
    await hass.async_block_till_done()
    assert received[0].data["in_reply_to"]["message_id"] == response["messages"][0]["message_id"]


async def test_legacy_get_and_a_thousand_items(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    client = await hass_client_no_auth()
    response = await client.get(
        BULKGATE_WEBHOOK_PATH, params={"status": "3", "smsID": "legacy-1", "price": "0.5"}
    )
    assert response.status == 200
    items = [{"status": 1, "smsID": f"bulk-{index}", "price": 0.02} for index in range(1000)]
    response = await client.post(BULKGATE_WEBHOOK_PATH, data=json.dumps(items))
    assert await response.json() == {"accepted": 1000, "duplicates": 0}
    await hass.async_block_till_done()
    assert statuses[0].data["status"] == "failed"
    assert len(statuses) == 1001


async def test_a_long_batch_lets_other_work_run(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Other work scheduled during a 1,000-item post runs before the post is done."""
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    seen_by_other_work: list[int] = []

    @callback
    def schedule_other_work(event: Event) -> None:
        if event.data["call_id"] == "turn-0":
            hass.loop.call_soon(lambda: seen_by_other_work.append(len(statuses)))

    hass.bus.async_listen("cloud_telephony_sms_status", schedule_other_work)
    client = await hass_client_no_auth()
    items = [{"status": 1, "smsID": f"turn-{index}"} for index in range(1000)]
    response = await client.post(BULKGATE_WEBHOOK_PATH, data=json.dumps(items))
    assert await response.json() == {"accepted": 1000, "duplicates": 0}
    assert len(statuses) == 1000
    assert 0 < seen_by_other_work[0] < 1000


async def test_a_long_post_cancelled_while_it_waits_to_fire_still_fires(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, bulkgate_entry: MockConfigEntry
) -> None:
    """The provider hangs up after the events were recorded: they fire all the same, once."""
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    events = bulkgate_api.parse_webhook(
        WebhookRequest(
            body=json.dumps([{"status": 1, "smsID": f"hung-{index}"} for index in range(150)]).encode(),
            received_at=dt_util.utcnow(),
            content_type="application/json",
            method="POST",
            query={},
            headers={},
            region="CZ",
        )
    )
    hub = hass.data[DATA_HUB]
    history = hub.history(bulkgate_entry.entry_id)
    last = events[-1].dedupe_key
    post = hass.async_create_task(async_accept_events(hass, bulkgate_entry, events))
    await until(lambda: history.pending_write(last) is not None)
    # Taken and being written; meanwhile another long post gets the turn to fire.
    async with hub.long_batch_turn:
        await until(lambda: history.is_duplicate(last))
        post.cancel()
        await asyncio.sleep(0)
        assert statuses == []
    await hass.async_block_till_done()
    assert len(statuses) == 150
    assert post.cancelled()


async def test_long_batches_arriving_together_take_turns(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Two 300-item posts at once: one works through its events, then the other (not both per turn)."""
    statuses = async_capture_events(hass, "cloud_telephony_sms_status")
    client = await hass_client_no_auth()
    answers = await asyncio.gather(
        *(
            client.post(
                BULKGATE_WEBHOOK_PATH,
                data=json.dumps([{"status": 1, "smsID": f"{post}-{index}"} for index in range(300)]),
            )
            for post in ("a", "b")
        )
    )
    assert [await answer.json() for answer in answers] == [{"accepted": 300, "duplicates": 0}] * 2
    posts_in_firing_order = [event.data["call_id"].split("-")[0] for event in statuses]
    # Each post's events fire in one run: the second post's start only after the first's end.
    assert len(posts_in_firing_order) == 600
    assert posts_in_firing_order == sorted(posts_in_firing_order, key=posts_in_firing_order[0].__ne__)


async def test_a_send_across_a_reload_is_remembered_by_the_new_entry(
    hass: HomeAssistant,
    bulkgate: fake.FakeBulkGate,
    bulkgate_entry: MockConfigEntry,
    storage_folder: Path,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """The reply to an SMS sent while the entry reloaded is linked to it."""
    gate = asyncio.Event()
    original = BulkGateClient.async_send_sms

    async def slow_send(self: BulkGateClient, *args: Any) -> Any:
        await gate.wait()
        return await original(self, *args)

    with patch.object(BulkGateClient, "async_send_sms", slow_send):
        task = hass.async_create_task(_send(hass, to="+420603123456", message="Open the gate?"))
        await asyncio.sleep(0.05)
        assert await hass.config_entries.async_reload(bulkgate_entry.entry_id)
        gate.set()
        response = await task
    message_id = response["messages"][0]["message_id"]
    received = async_capture_events(hass, "cloud_telephony_sms_received")
    client = await hass_client_no_auth()
    await client.post(BULKGATE_WEBHOOK_PATH, json={"status": 10, "from": "420603123456", "text": "yes"})
    await hass.async_block_till_done()
    assert received[0].data["in_reply_to"]["message_id"] == message_id

    # The message and the reply are on disk: one account, one history, whatever reloads.
    await hass.async_block_till_done()
    sent = stored_rows(storage_folder, "SELECT message_id FROM sent WHERE entry_id = ?", BULKGATE_ENTRY_ID)
    assert sent == [(message_id,)]
    assert len(stored_ids(storage_folder, BULKGATE_ENTRY_ID)) == 1


async def test_entry_of_an_older_version_is_migrated(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulkgate_api_url: fake.FakeBulkGate,
) -> None:
    """Version 1.1 stored BulkGate's name of the sender type; 1.2 stores the key the form offers."""
    old = entry_variant(
        bulkgate_entry, data={"sender_id": "gText", "sender_id_value": "Home"}, version=(1, 1)
    )
    await setup_entry(old)
    assert old.state is ConfigEntryState.LOADED
    assert (old.version, old.minor_version) == (1, 3)
    assert old.data["sender_id"] == "text"
    await _send(hass, to="+420603123456", message="Ahoj")
    [body] = bulkgate_api_url.sent
    assert (body["sender_id"], body["sender_id_value"]) == ("gText", "Home")


async def test_entry_of_a_newer_version_is_not_loaded(
    hass: HomeAssistant, bulkgate_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    newer = entry_variant(bulkgate_entry, version=(2, 1))
    await setup_entry(newer)
    assert newer.state is ConfigEntryState.MIGRATION_ERROR


async def test_a_failure_answered_after_a_reload_is_still_translated(
    hass: HomeAssistant, bulkgate: fake.FakeBulkGate, bulkgate_entry: MockConfigEntry
) -> None:
    """An error BulkGate answers while the entry unloads still reaches the action translated.

    Not an error about the entry's runtime data, which is gone once the entry unloaded.
    """
    gate = asyncio.Event()

    async def failing_send(self: BulkGateClient, *args: Any) -> Any:
        await gate.wait()
        raise ProviderConnectionError("BulkGate answered HTTP 502")

    with patch.object(BulkGateClient, "async_send_sms", failing_send):
        task = hass.async_create_task(_send(hass, to="+420603123456", message="x"))
        await asyncio.sleep(0.05)
        assert await hass.config_entries.async_unload(bulkgate_entry.entry_id)
        gate.set()
        with pytest.raises(HomeAssistantError) as caught:
            await task
    assert caught.value.translation_key == "cannot_connect"
    assert caught.value.translation_placeholders["provider"] == "BulkGate"
