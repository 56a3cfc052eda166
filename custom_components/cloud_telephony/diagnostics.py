"""Diagnostics: the entry, its webhook and recent events, with secrets and phone numbers removed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import (
    CONF_API_TOKEN,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
)
from .data import TelephonyConfigEntry
from .webhook import async_entry_webhook_url

TO_REDACT = {
    CONF_API_TOKEN,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
    CONF_WEBHOOK_ID,
    # Phone numbers, names and texts of the events; `raw` repeats them in the provider's words.
    "caller",
    "callee",
    "caller_name",
    "destination",
    "message",
    "raw",
    "recording_url",
    "cdr_url",
    "cdr_api_url",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: TelephonyConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug an account without exposing it."""
    runtime = entry.runtime_data
    history = runtime.history
    url = async_entry_webhook_url(hass, entry)
    recent = history.recent
    return {
        "entry": {
            "title": entry.title,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "webhook": {
            # Anyone who knows the full URL can post events, so only its shape is shown.
            "url": url.replace(entry.data[CONF_WEBHOOK_ID], REDACTED),
            "cloudhook": CONF_CLOUDHOOK_URL in entry.data,
            "basic_auth": bool(entry.options.get(CONF_BASIC_AUTH_USERNAME)),
        },
        "provider": {
            "id": runtime.provider.id,
            "api_access": runtime.client is not None,
            "event_types": sorted(runtime.provider.event_types),
            "contacts": len(runtime.settings(hass, entry).contacts),
        },
        "history": {
            "events": len(recent),
            "events_by_type": dict(Counter(event["type"] for event in recent)),
            "remembered_ids": history.seen_count,
            "recent": async_redact_data(recent[-10:], TO_REDACT),
        },
        "pending_calls": runtime.calls.pending,
    }
