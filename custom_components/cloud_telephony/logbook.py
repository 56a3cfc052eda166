"""Describe the integration's bus events in the logbook: one line each, in the server's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
import re
from typing import Any, Final

from homeassistant.const import Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.translation import async_get_cached_translations

from .api import EventType
from .bidi import is_right_to_left, isolated, left_to_right
from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, EVENT_PREFIX
from .event import EVENT_DESCRIPTIONS

# The keys of a logbook entry, as homeassistant.components.logbook.const names them. Home
# Assistant imports this platform with the integration, before its webhooks can be registered;
# importing the logbook's module would import the logbook and the recorder with it (0.3 s where
# they are not in use yet).
LOGBOOK_ENTRY_NAME: Final = "name"
LOGBOOK_ENTRY_MESSAGE: Final = "message"
LOGBOOK_ENTRY_ENTITY_ID: Final = "entity_id"
LOGBOOK_ENTRY_ICON: Final = "icon"

# The event entity each type reaches: the line links to it.
_ENTITY_KEYS: Final = {
    event_type: description.key
    for description in EVENT_DESCRIPTIONS
    for event_type in description.event_types or []
}
# The same icons as the event entity shows for the type (icons.json; a test keeps them equal).
ICONS: Final[dict[EventType, str]] = {
    EventType.CALL_STARTED: "mdi:phone-incoming",
    EventType.MISSED_CALL: "mdi:phone-missed",
    EventType.CALL_ENDED: "mdi:phone-hangup",
    EventType.INCOMING_FAX: "mdi:fax",
    EventType.SMS_RECEIVED: "mdi:message-arrow-left",
    EventType.SMS_STATUS: "mdi:message-check",
    EventType.CALL_STATUS: "mdi:phone-outgoing",
    EventType.CALL_RECORD: "mdi:receipt-text-clock",
    EventType.VOICEMAIL_RECEIVED: "mdi:voicemail",
    EventType.MEDIA_SAVED: "mdi:folder-play",
}
# Where a call reached the account, when the provider says (a PBX, one of its extensions, …).
_STAGES: Final = frozenset({"pbx", "extension", "group", "menu"})
_PLACEHOLDER: Final = re.compile(r"\{(\w+)\}")


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe every `cloud_telephony_<type>` event."""

    words_of: dict[str, _Words] = {}

    @callback
    def describe(event: Event) -> dict[str, str]:
        data: Mapping[str, Any] = event.data
        # From the event's name: an event fired by hand may carry no data at all.
        event_type = EventType(str(event.event_type).removeprefix(EVENT_PREFIX))
        entry_id = data.get(ATTR_CONFIG_ENTRY_ID) or ""
        entry = hass.config_entries.async_get_entry(entry_id)
        # Built once per language: the logbook describes many rows at a time.
        if (words := words_of.get(hass.config.language)) is None:
            words = words_of[hass.config.language] = _Words(hass)
        description = {
            LOGBOOK_ENTRY_NAME: entry.title if entry else "Cloud Telephony",
            LOGBOOK_ENTRY_MESSAGE: words.message(event_type, data),
            LOGBOOK_ENTRY_ICON: ICONS[event_type],
        }
        unique_id = f"{entry_id}_{_ENTITY_KEYS[event_type]}"
        if entity_id := er.async_get(hass).async_get_entity_id(Platform.EVENT, DOMAIN, unique_id):
            description[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return description

    for event_type in EventType:
        async_describe_event(DOMAIN, f"{EVENT_PREFIX}{event_type}", describe)


class _Words:
    """The logbook's phrases in the server's language (English where a translation lacks one)."""

    def __init__(self, hass: HomeAssistant) -> None:
        language = hass.config.language
        self._logbook = async_get_cached_translations(hass, language, "common", DOMAIN)
        self._entity = async_get_cached_translations(hass, language, "entity", DOMAIN)
        self._right_to_left = is_right_to_left(language)

    def message(self, event_type: EventType, data: Mapping[str, Any]) -> str:
        key = str(event_type)
        if event_type is EventType.CALL_STARTED and data.get("stage") in _STAGES:
            key = f"call_started_{data['stage']}"
        message = self._phrase(
            key,
            caller=self._party(data.get("caller"), data.get("caller_name")),
            callee=self._party(data.get("callee"), data.get("callee_name")),
            destination=self._number(data.get("destination") or ""),
            status=self._status(event_type, data.get("status")),
        )
        return self._phrase("test", message=message) if data.get("test") else message

    def _party(self, number: Any, name: Any) -> str:
        if not number:
            return self._phrase("unknown_number")
        if not name:
            return self._number(number)
        if self._right_to_left:
            name = isolated(str(name))
        return f"{name} ({self._number(number)})"

    def _number(self, number: Any) -> str:
        """Return a number (or an extension) that reads left to right also inside right-to-left words."""
        if self._right_to_left and number:
            return left_to_right(str(number))
        return str(number)

    def _status(self, event_type: EventType, status: Any) -> str:
        if not status:
            return self._phrase("unknown_status")
        if event_type is EventType.CALL_STATUS:
            key = f"component.{DOMAIN}.entity.sensor.last_call_status.state.{status}"
            return self._entity.get(key, str(status))
        return self._logbook.get(f"component.{DOMAIN}.common.logbook_sms_{status}", str(status))

    def _phrase(self, key: str, **placeholders: str) -> str:
        template = self._logbook.get(f"component.{DOMAIN}.common.logbook_{key}", key)
        # In one pass: a caller's name that reads like a placeholder stays as it is.
        return _PLACEHOLDER.sub(lambda found: placeholders.get(found[1], found[0]), template)
