"""Describe the integration's bus events in the logbook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from homeassistant.core import Event, HomeAssistant, callback

from .api import EventType
from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN, EVENT_PREFIX

# The keys of a logbook entry, as homeassistant.components.logbook.const names them. Home
# Assistant imports this platform with the integration, before its webhooks can be registered;
# importing the logbook's module would import the logbook and the recorder with it (0.3 s where
# they are not in use yet).
LOGBOOK_ENTRY_NAME: Final = "name"
LOGBOOK_ENTRY_MESSAGE: Final = "message"

_PHRASES: dict[EventType, str] = {
    EventType.CALL_STARTED: "call from {caller} started",
    EventType.MISSED_CALL: "missed a call from {caller}",
    EventType.CALL_ENDED: "call from {caller} ended",
    EventType.INCOMING_FAX: "received a fax from {caller}",
    EventType.SMS_RECEIVED: "received an SMS from {caller}",
    EventType.SMS_STATUS: "SMS to {callee}: {status}",
    EventType.CALL_STATUS: "call to {callee}: {status}",
    EventType.CALL_RECORD: "billing record for the call to {callee}",
    EventType.VOICEMAIL_RECEIVED: "received a voicemail from {caller}",
    EventType.MEDIA_SAVED: "stored a file from {caller}",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, str]]], None],
) -> None:
    """Describe every `cloud_telephony_<type>` event."""

    @callback
    def describe(event: Event) -> dict[str, str]:
        data: Mapping[str, Any] = event.data
        entry = hass.config_entries.async_get_entry(data.get(ATTR_CONFIG_ENTRY_ID, ""))
        caller = data.get("caller") or "an unknown number"
        if name := data.get("caller_name"):
            caller = f"{name} ({caller})"
        phrase = _PHRASES[EventType(data["type"])]
        return {
            LOGBOOK_ENTRY_NAME: entry.title if entry else "Cloud Telephony",
            LOGBOOK_ENTRY_MESSAGE: phrase.format(
                caller=caller,
                callee=data.get("callee") or "an unknown number",
                status=data.get("status") or "unknown",
            ),
        }

    for event_type in EventType:
        async_describe_event(DOMAIN, f"{EVENT_PREFIX}{event_type}", describe)
