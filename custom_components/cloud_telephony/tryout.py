"""Test events: a provider's documented sample, sent through the pipeline to try automations with.

A test event is recorded, de-duplicated and fired exactly as the provider's own would be, with
`test: true` in its data: it reaches the bus, the logbook, the event entities and the last-event
sensors, but no counter (the day's missed calls), and no file is fetched for it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Final
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .data import TelephonyConfigEntry
from .hub import DATA_HUB
from .pipeline import async_accept_events
from .store import StoreUnavailableError

SERVICE_SEND_TEST_EVENT: Final = "send_test_event"


async def async_send_test_event(
    hass: HomeAssistant, entry: TelephonyConfigEntry, sample_name: str | None = None
) -> dict[str, Any]:
    """Send one of the provider's samples (None: its first) as of now; return the events fired."""
    provider = entry.runtime_data.provider
    sample = provider.sample(sample_name)
    if sample is None:
        if not provider.samples:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="action_not_supported",
                translation_placeholders={"action": SERVICE_SEND_TEST_EVENT, "provider": provider.brand},
            )
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="sample_not_offered",
            translation_placeholders={
                "provider": provider.brand,
                "sample": str(sample_name),
                "samples": ", ".join(offered.name for offered in provider.samples),
            },
        )
    events = sample.events(dt_util.now(), hass.data[DATA_HUB].settings(entry).region)
    # Identities of its own: a try never passes for a real event (nor for another try), and a
    # retried delivery of a real one is still recognised.
    trial = uuid.uuid4().hex
    tests = [replace(event, test=True, dedupe_key=f"test:{trial}:{event.dedupe_key}") for event in events]
    try:
        await async_accept_events(hass, entry, tests)
    except StoreUnavailableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="test_event_not_recorded",
            translation_placeholders={"reason": str(err)},
        ) from err
    return {
        "sample": sample.name,
        "events": [
            {"type": str(event.type), "call_id": event.call_id, "caller": event.caller} for event in tests
        ],
    }
