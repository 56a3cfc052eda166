"""Trying automations without a call: the send_test_event action and the account's test button.

A provider's documented sample goes through the same pipeline as a real delivery: recorded,
de-duplicated, fired on the bus and to the entities, with `test: true`; it is never counted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
import yaml

from homeassistant.const import ATTR_ENTITY_ID, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony import tryout
from custom_components.cloud_telephony.api import PROVIDERS, EventType, TelephonyEvent
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.hub import DATA_HUB
from custom_components.cloud_telephony.logbook import async_describe_events
from custom_components.cloud_telephony.pipeline import async_accept_events
from custom_components.cloud_telephony.store import StoreUnavailableError
from tests.conftest import (
    FIXTURES,
    WEBHOOK_PATH,
    SetupEntry,
    add_person,
    stored_ids,
    wait_for_events,
)
from tests.fakes import bulutfon as fake_bulutfon_api
from tests.test_delivery_paths import _restart_hub

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cloud_telephony"
NOW = datetime.fromisoformat("2026-03-14T12:34:00+00:00")
# Each provider's account: its entry fixture and its fake API (if its setup asks the API).
ACCOUNTS = {
    "bulutfon": ("mock_config_entry", None),
    "netgsm": ("netgsm_entry", "netgsm_api_url"),
    "huawei": ("huawei_entry", None),
    "bulkgate": ("bulkgate_entry", "bulkgate_api_url"),
    "yemot": ("yemot_entry", "fake_yemot"),
}
# What each sample fires: its type and its caller, as the provider's documents give it (numbers
# that are not valid stay as written). Times: the document's, moved to now.
FIRES = {
    ("bulutfon", "missed_call"): ("missed_call", "90532000000"),
    ("bulutfon", "call_started"): ("call_started", "90532000000"),
    ("bulutfon", "call_ended"): ("call_ended", "90532000000"),
    ("bulutfon", "incoming_fax"): ("incoming_fax", "+905326200000"),
    ("netgsm", "call_busy"): ("call_status", "+903120000009"),
    ("huawei", "call_dialing"): ("call_status", "+8613800000022"),
    ("huawei", "call_record"): ("call_record", "+8613800000022"),
    ("bulkgate", "sms_received"): ("sms_received", "+420777777777"),
    ("bulkgate", "sms_delivered"): ("sms_status", None),
    ("bulkgate", "sms_buffered"): ("sms_status", None),
    ("yemot", "sms_received"): ("sms_received", "972541234567"),
}
# The one documented item without a time of its own: it happened when it arrived.
UNDATED = {("bulkgate", "sms_received")}
BULUTFON_BUTTON = "button.office_pbx_send_a_test_event"
MISSED_TODAY = "sensor.office_pbx_missed_calls_today"
LAST_MISSED = "sensor.office_pbx_last_missed_call"
CALLS = "event.office_pbx_calls"


@pytest.fixture(params=list(ACCOUNTS))
def account(request: pytest.FixtureRequest) -> MockConfigEntry:
    """Return a provider's entry (not yet set up), its fake API running where setup needs one."""
    entry_fixture, api_fixture = ACCOUNTS[request.param]
    if api_fixture is not None:
        request.getfixturevalue(api_fixture)
    entry: MockConfigEntry = request.getfixturevalue(entry_fixture)
    return entry


async def _try(hass: HomeAssistant, entry_id: str, sample: str | None = None) -> dict[str, Any]:
    data = {"config_entry_id": entry_id} | ({"sample": sample} if sample else {})
    response: dict[str, Any] = await hass.services.async_call(
        DOMAIN, "send_test_event", data, blocking=True, return_response=True
    )
    return response


def _capture_all(hass: HomeAssistant) -> list[Any]:
    events: list[Any] = []
    for event_type in EventType:
        events.extend(async_capture_events(hass, f"cloud_telephony_{event_type}"))
    return events


async def test_every_sample_fires_a_test_event_twice(
    hass: HomeAssistant, account: MockConfigEntry, setup_entry: SetupEntry, freezer: FrozenDateTimeFactory
) -> None:
    """Each sample fires its event, as of now, marked as a test; a second try is a second event."""
    freezer.move_to(NOW)
    await setup_entry(account)
    provider = PROVIDERS[account.data["provider"]]
    for sample in provider.samples:
        event_type, caller = FIRES[provider.id, sample.name]
        fired = async_capture_events(hass, f"cloud_telephony_{event_type}")
        first = await _try(hass, account.entry_id, sample.name)
        second = await _try(hass, account.entry_id, sample.name)
        await hass.async_block_till_done()
        assert len(fired) == 2, sample.name
        assert [first, second] == [
            {
                "sample": sample.name,
                "events": [{"type": event_type, "call_id": event.data["call_id"], "caller": caller}],
            }
            for event in fired
        ]
        for event in fired:
            data = event.data
            assert (data["test"], data["type"], data["caller"]) == (True, event_type, caller)
            assert data["config_entry_id"] == account.entry_id
            assert data["device_id"] is not None
            assert data["provider"] == provider.id
            assert data["received_at"] == dt_util.now().isoformat()
            if (provider.id, sample.name) in UNDATED:
                assert data["occurred_at"] is None
            else:
                assert dt_util.parse_datetime(data["occurred_at"]) == NOW
        if fired[0].data["call_id"] is not None:
            # Fresh ids at every try: two events, not a duplicate.
            assert fired[0].data["call_id"] != fired[1].data["call_id"]


async def test_the_default_is_the_providers_first_sample(
    hass: HomeAssistant, account: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    await setup_entry(account)
    provider = PROVIDERS[account.data["provider"]]
    response = await _try(hass, account.entry_id)
    assert response["sample"] == provider.samples[0].name
    event_type, caller = FIRES[provider.id, provider.samples[0].name]
    assert response["events"][0]["type"] == event_type
    assert response["events"][0]["caller"] == caller


async def test_the_button_sends_the_first_sample(
    hass: HomeAssistant,
    account: MockConfigEntry,
    setup_entry: SetupEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    await setup_entry(account)
    provider = PROVIDERS[account.data["provider"]]
    [button] = [
        entry
        for entry in er.async_entries_for_config_entry(entity_registry, account.entry_id)
        if entry.domain == "button"
    ]
    assert button.unique_id == f"{account.entry_id}_send_test_event"
    assert button.translation_key == "send_test_event"
    assert button.entity_category is EntityCategory.CONFIG
    assert button.entity_id.endswith("_send_a_test_event")
    event_type, caller = FIRES[provider.id, provider.samples[0].name]
    fired = async_capture_events(hass, f"cloud_telephony_{event_type}")
    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: button.entity_id}, blocking=True)
    await hass.async_block_till_done()
    assert [(event.data["caller"], event.data["test"]) for event in fired] == [(caller, True)]
    assert dt_util.parse_datetime(hass.states.get(button.entity_id).state) is not None


async def test_a_sample_the_provider_does_not_have_is_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    captured = _capture_all(hass)
    with pytest.raises(ServiceValidationError) as caught:
        await _try(hass, init_integration.entry_id, "sms_delivered")
    assert caught.value.translation_key == "sample_not_offered"
    assert caught.value.translation_placeholders == {
        "provider": "Bulutfon",
        "sample": "sms_delivered",
        "samples": "missed_call, call_started, call_ended, incoming_fax",
    }
    # Home Assistant drops the message's final full stop.
    assert str(caught.value) == (
        "Bulutfon has no example sms_delivered; it has: missed_call, call_started, call_ended, incoming_fax"
    )
    with pytest.raises(ServiceValidationError) as caught:
        await _try(hass, "no-such-entry")
    assert caught.value.translation_key == "entry_not_found"
    await hass.async_block_till_done()
    assert captured == []


async def test_a_provider_without_samples_has_no_button_and_refuses(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    monkeypatch: pytest.MonkeyPatch,
    entity_registry: er.EntityRegistry,
) -> None:
    monkeypatch.setitem(PROVIDERS, "bulutfon", replace(PROVIDERS["bulutfon"], samples=()))
    await setup_entry(mock_config_entry)
    domains = {
        entry.domain
        for entry in er.async_entries_for_config_entry(entity_registry, mock_config_entry.entry_id)
    }
    assert "button" not in domains
    with pytest.raises(ServiceValidationError) as caught:
        await _try(hass, mock_config_entry.entry_id)
    assert caught.value.translation_key == "action_not_supported"
    assert caught.value.translation_placeholders == {"action": "send_test_event", "provider": "Bulutfon"}


async def test_test_events_are_shown_but_never_counted(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """The event entity and the last missed call show a test; Missed calls today counts real calls only."""
    client = await hass_client_no_auth()
    real = async_capture_events(hass, "cloud_telephony_missed_call")
    # The documented missed call, today (as documented, it happened in 2015 and counts for no day).
    real_call = json.loads((FIXTURES / "bulutfon/v2021_missing_call.json").read_bytes())
    real_call["timestamp"] = int(dt_util.utcnow().timestamp() * 1_000_000)
    assert (await client.post(WEBHOOK_PATH, json=real_call)).status == 200
    await hass.async_block_till_done()
    assert real[0].data["test"] is False
    assert hass.states.get(MISSED_TODAY).state == "1"

    await hass.services.async_call("button", "press", {ATTR_ENTITY_ID: BULUTFON_BUTTON}, blocking=True)
    await _try(hass, init_integration.entry_id, "missed_call")
    await hass.async_block_till_done()
    assert [event.data["test"] for event in real] == [False, True, True]
    assert hass.states.get(MISSED_TODAY).state == "1"
    last = hass.states.get(LAST_MISSED)
    assert (last.state, last.attributes["call_id"]) == ("90532000000", real[-1].data["call_id"])
    calls = hass.states.get(CALLS)
    assert (calls.attributes["event_type"], calls.attributes["test"]) == ("missed_call", True)
    history = hass.data[DATA_HUB].history(init_integration.entry_id)
    assert history.count_on(EventType.MISSED_CALL, dt_util.now().date()) == 1
    # Not on disk either: the next start counts one missed call today.
    hub = await _restart_hub(hass)
    restarted = hub.history(init_integration.entry_id)
    assert restarted.count_on(EventType.MISSED_CALL, dt_util.now().date()) == 1
    assert restarted.last(EventType.MISSED_CALL)["test"] is True


async def test_test_events_stay_deduplicated_across_a_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, storage_folder: Path
) -> None:
    """Recorded like a real event: its identity is on disk, a repeat of it is a duplicate after a restart."""
    response = await _try(hass, init_integration.entry_id, "call_ended")
    [key] = [key for key in stored_ids(storage_folder, init_integration.entry_id) if key.startswith("test:")]
    call_id = response["events"][0]["call_id"]
    assert call_id in key
    await _restart_hub(hass)
    fired = async_capture_events(hass, "cloud_telephony_call_ended")
    repeat = TelephonyEvent(type=EventType.CALL_ENDED, provider="bulutfon", dedupe_key=key, test=True)
    assert await async_accept_events(hass, init_integration, [repeat]) == (0, 1)
    # A new try is a new event.
    await _try(hass, init_integration.entry_id, "call_ended")
    await hass.async_block_till_done()
    assert len(fired) == 1
    assert fired[0].data["call_id"] != call_id


async def test_a_test_is_never_taken_for_a_real_event(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """A provider delivering the very item a test was made of is still its own, new event."""
    response = await _try(hass, init_integration.entry_id, "missed_call")
    [event] = PROVIDERS["bulutfon"].sample("missed_call").events(dt_util.now(), "TR")
    item = {**event.raw, "uuid": response["events"][0]["call_id"]}
    fired = async_capture_events(hass, "cloud_telephony_missed_call")
    client = await hass_client_no_auth()
    answer = await client.post(WEBHOOK_PATH, json=item)
    assert await answer.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    assert [event.data["test"] for event in fired] == [False]


async def test_a_test_events_caller_gets_the_contacts_name_and_a_logbook_line(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Add the sample's number as a contact, as the README says, and the test shows the name."""
    await add_person(hass, init_integration, "contact", "90532000000", "Mom")
    fired = async_capture_events(hass, "cloud_telephony_missed_call")
    await _try(hass, init_integration.entry_id)
    await hass.async_block_till_done()
    assert fired[0].data["caller_name"] == "Mom"
    described: dict[str, Any] = {}

    def register(domain: str, event_name: str, describe: Any) -> None:
        described[event_name] = describe

    async_describe_events(hass, register)
    line = described["cloud_telephony_missed_call"](fired[0])
    assert line["name"] == "Office PBX"
    assert "Mom (90532000000)" in line["message"]
    assert hass.states.get(CALLS).attributes["caller_name"] == "Mom"


async def test_no_file_is_fetched_for_a_test_fax(
    hass: HomeAssistant,
    token_entry: MockConfigEntry,
    bulutfon_api_url: fake_bulutfon_api.FakeBulutfon,
    setup_entry: SetupEntry,
    media_dir: Path,
) -> None:
    """An account that fetches faxes does not ask the provider for a test's (it has none)."""
    await setup_entry(token_entry)
    asked = len(bulutfon_api_url.requests)
    fired = async_capture_events(hass, "cloud_telephony_incoming_fax")
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    await _try(hass, token_entry.entry_id, "incoming_fax")
    await wait_for_events(hass, fired)
    assert fired[0].data["test"] is True
    assert len(bulutfon_api_url.requests) == asked
    assert saved == []


async def test_a_test_that_cannot_be_recorded_is_an_error(
    hass: HomeAssistant, init_integration: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(*_args: Any) -> tuple[int, int]:
        raise StoreUnavailableError("the disk is full")

    monkeypatch.setattr(tryout, "async_accept_events", unavailable)
    with pytest.raises(HomeAssistantError) as caught:
        await _try(hass, init_integration.entry_id)
    assert caught.value.translation_key == "test_event_not_recorded"
    assert caught.value.translation_placeholders == {"reason": "the disk is full"}


def test_the_action_offers_every_providers_samples() -> None:
    """The action's list of samples is every sample a provider declares (each translated: test_validators)."""
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    options = services["send_test_event"]["fields"]["sample"]["selector"]["select"]["options"]
    declared = {sample.name for spec in PROVIDERS.values() for sample in spec.samples}
    assert sorted(options) == sorted(declared)


def test_the_readme_lists_every_sample_and_its_caller() -> None:
    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Trying it without a phone call\n", 1)[1].split("\n## ", 1)[0]
    for spec in PROVIDERS.values():
        for sample in spec.samples:
            assert f"`{sample.name}`" in section, sample.name
            _, caller = FIRES[spec.id, sample.name]
            assert caller is None or f"`{caller}`" in section, caller
