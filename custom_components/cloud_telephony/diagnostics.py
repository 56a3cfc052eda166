"""Diagnostics: the entry, its webhook and recent events, with secrets and phone numbers removed."""

from __future__ import annotations

from collections import Counter
from typing import Any, Final

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant

from .const import (
    CONF_ACCOUNT_NAME,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
    CONF_RECIPIENTS,
)
from .data import TelephonyConfigEntry
from .public_url import async_entry_webhook_url

# With each provider's own secrets and identities (its spec says which): what the integration
# stores itself, and the phone numbers, names and texts of events (`raw` repeats them in the
# provider's words).
TO_REDACT: Final = frozenset(
    {
        CONF_ACCOUNT_NAME,
        CONF_BASIC_AUTH_PASSWORD,
        CONF_BASIC_AUTH_USERNAME,
        CONF_CLOUDHOOK_URL,
        CONF_CONTACTS,
        CONF_RECIPIENTS,
        CONF_WEBHOOK_ID,
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
)


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
    to_redact = TO_REDACT | runtime.provider.redacted_keys
    settings = runtime.settings(hass, entry)
    return {
        "entry": {
            # Titles name the account: a PBX, a subscriber or a display number.
            "title": REDACTED,
            "data": async_redact_data(dict(entry.data), to_redact),
            "options": async_redact_data(dict(entry.options), to_redact),
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
            "contacts": len(settings.contacts),
            # Counts only: the people's numbers and names stay out of a shared report.
            "recipients": len(settings.recipients),
        },
        "history": {
            "events": len(recent),
            "events_by_type": dict(Counter(event["type"] for event in recent)),
            "remembered_ids": history.seen_count,
            "recent": async_redact_data(recent[-10:], to_redact),
        },
        "pending_calls": runtime.calls.pending,
        "polling_call_results": runtime.calls.polling,
    }
