"""Event entities: one per kind of activity the provider reports (calls, faxes, …)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import EventType
from .data import TelephonyConfigEntry
from .entity import TelephonyEventListener

# Push only: nothing is polled.
PARALLEL_UPDATES = 0

# Kept out of the state attributes: internal links, and the raw payload (recorded in the database).
_HIDDEN_KEYS = frozenset({"config_entry_id", "device_id", "provider", "type", "raw"})
_CONTRACT_KEYS = frozenset(
    {
        "call_id",
        "caller",
        "callee",
        "caller_name",
        "direction",
        "status",
        "key_pressed",
        "duration",
        "message",
        "occurred_at",
        "received_at",
    }
)


def _description(key: str, *event_types: EventType) -> EventEntityDescription:
    return EventEntityDescription(key=key, translation_key=key, event_types=list(event_types))


EVENT_DESCRIPTIONS: tuple[EventEntityDescription, ...] = (
    _description("calls", EventType.CALL_STARTED, EventType.MISSED_CALL, EventType.CALL_ENDED),
    _description("faxes", EventType.INCOMING_FAX),
    _description("call_results", EventType.CALL_STATUS),
    _description("call_records", EventType.CALL_RECORD),
    _description("messages", EventType.SMS_RECEIVED, EventType.SMS_STATUS),
    _description("voicemail", EventType.VOICEMAIL_RECEIVED),
    _description("media", EventType.MEDIA_SAVED),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the event entities whose events this provider can produce."""
    produced = entry.runtime_data.provider.event_types
    if entry.runtime_data.media is None:
        # Files are stored (and announced) only where the client can fetch them (an API token).
        produced = produced - {EventType.MEDIA_SAVED}
    async_add_entities(
        TelephonyEventEntity(entry, description, [t for t in description.event_types or [] if t in produced])
        for description in EVENT_DESCRIPTIONS
        if produced.intersection(description.event_types or [])
    )


class TelephonyEventEntity(TelephonyEventListener, EventEntity):
    """Fires for every accepted event of its types, with the contract's data as attributes."""

    entity_description: EventEntityDescription

    def __init__(
        self, entry: TelephonyConfigEntry, description: EventEntityDescription, event_types: list[str]
    ) -> None:
        """Limit the entity to the types the provider produces."""
        super().__init__(entry, description, event_types)
        self._attr_event_types = [str(event_type) for event_type in event_types]

    @callback
    def _async_handle_event(self, data: dict[str, Any]) -> None:
        # The contract's keys always; a provider's extra keys only when they say something.
        attributes = {
            key: value
            for key, value in data.items()
            if key not in _HIDDEN_KEYS and (value is not None or key in _CONTRACT_KEYS)
        }
        self._trigger_event(data["type"], attributes)
        self.async_write_ha_state()
