"""Diagnostics: the entry, its webhook and recent events, with secrets and phone numbers removed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCOUNT_NAME,
    CONF_API_TOKEN,
    CONF_APP_KEY,
    CONF_APP_SECRET,
    CONF_APPLICATION_ID,
    CONF_APPLICATION_TOKEN,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
    CONF_DISPLAY_NUMBER,
    CONF_PASSWORD,
    CONF_RECIPIENTS,
    CONF_SENDER_ID_VALUE,
    CONF_SYSTEM_NUMBER,
    CONF_TOKEN,
    CONF_USERCODE,
)
from .data import TelephonyConfigEntry
from .public_url import async_entry_webhook_url

TO_REDACT = {
    CONF_ACCOUNT_NAME,
    CONF_API_TOKEN,
    CONF_APP_KEY,
    CONF_APP_SECRET,
    CONF_APPLICATION_ID,
    CONF_APPLICATION_TOKEN,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
    CONF_DISPLAY_NUMBER,
    CONF_PASSWORD,
    CONF_RECIPIENTS,
    CONF_SENDER_ID_VALUE,
    CONF_SYSTEM_NUMBER,
    CONF_TOKEN,
    CONF_USERCODE,
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
    "callee_name",
    "in_reply_to",
    "sent_message",
    "to",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: TelephonyConfigEntry
) -> dict[str, Any]:
    """Return what helps to debug an account without exposing it."""
    runtime = entry.runtime_data
    history = runtime.history
    # Anyone who knows the full URL can post events, so only its shape is shown; a cloudhook
    # URL does not contain the webhook id, so it is hidden whole.
    url = (
        REDACTED
        if entry.data.get(CONF_CLOUDHOOK_URL)
        else async_entry_webhook_url(hass, entry).replace(entry.data[CONF_WEBHOOK_ID], REDACTED)
    )
    recent = history.recent
    return {
        "entry": {
            # Titles name the account: a PBX, a subscriber or a display number.
            "title": REDACTED,
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "webhook": {
            "url": url,
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
        "polling_call_results": runtime.calls.polling,
    }
