"""The one webhook handler of every entry: authenticate, parse, de-duplicate, record, dispatch."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable
from functools import lru_cache
import hmac
from http import HTTPStatus
import json
from typing import Any

from aiohttp import hdrs
from aiohttp.web import Request, Response, json_response

from homeassistant.components import cloud, webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.util import dt as dt_util

from .api import EventType, PayloadError, ResultPollingClient, TelephonyEvent, WebhookRequest
from .api.payload import is_ascii_number
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_DEVICE_ID,
    CONF_CLOUDHOOK_URL,
    CONF_STRICT_SIGNATURE,
    DOMAIN,
    EVENT_PREFIX,
    LOGGER,
    MAX_BODY_BYTES,
)
from .data import EntrySettings, TelephonyConfigEntry, signal_event

READ_CHUNK = 64 * 1024
# Events of one post handled before the event loop gets a turn for other work (about 3 ms).
EVENTS_PER_TURN = 100


@callback
def async_webhook_url(hass: HomeAssistant, webhook_id: str, cloudhook_url: str | None = None) -> str:
    """Return the URL to give the provider: the cloudhook, else the best URL Home Assistant knows.

    Without any known URL the bare path is returned, for the user to prefix with their address.
    """
    if cloudhook_url:
        return cloudhook_url
    try:
        return webhook.async_generate_url(hass, webhook_id, prefer_external=True)
    except NoURLAvailableError:
        return webhook.async_generate_path(webhook_id)


@callback
def async_entry_webhook_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> str:
    """Return the webhook URL of a configured entry."""
    return async_webhook_url(hass, entry.data[CONF_WEBHOOK_ID], entry.data.get(CONF_CLOUDHOOK_URL))


@callback
def async_public_webhook_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> str | None:
    """Return the entry's webhook URL as the internet sees it (cloudhook or external URL), or None."""
    if cloudhook_url := entry.data.get(CONF_CLOUDHOOK_URL):
        return str(cloudhook_url)
    try:
        return webhook.async_generate_url(
            hass, entry.data[CONF_WEBHOOK_ID], allow_internal=False, prefer_external=True
        )
    except NoURLAvailableError:
        return None


async def async_get_callback_url(hass: HomeAssistant, entry: TelephonyConfigEntry) -> str | None:
    """Return a webhook URL the provider can reach from the internet, or None.

    Home Assistant Cloud turned on after the account was added gives the account a cloudhook now.
    Without any public URL, results are polled where the provider has a report; a repair issue
    says so, once, until a public URL exists.
    """
    url = async_public_webhook_url(hass, entry)
    if url is None and (url := await async_create_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])):
        hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_CLOUDHOOK_URL: url})
    issue_id = f"no_public_url_{entry.entry_id}"
    if url is None:
        polled = isinstance(entry.runtime_data.client, ResultPollingClient)
        ir.async_create_issue(
            hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="no_public_url" if polled else "no_public_url_no_report",
            translation_placeholders={"account": entry.title},
        )
    else:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
    return url


async def async_create_cloudhook(hass: HomeAssistant, webhook_id: str) -> str | None:
    """Return a Home Assistant Cloud webhook URL when Cloud is on and connected, else None."""
    if "cloud" not in hass.config.components or not cloud.async_active_subscription(hass):
        return None
    try:
        return await cloud.async_get_or_create_cloudhook(hass, webhook_id)
    except cloud.CloudNotAvailable:
        return None


@callback
def async_delete_public_url_issue(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the repair issue of an account that is removed."""
    ir.async_delete_issue(hass, DOMAIN, f"no_public_url_{entry_id}")


@callback
def async_register_webhook(hass: HomeAssistant, entry: TelephonyConfigEntry) -> Callable[[], None]:
    """Register the entry's webhook (POST only); return the function that unregisters it."""
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]

    async def handle(hass: HomeAssistant, webhook_id: str, request: Request) -> Response:
        return await async_handle_webhook(hass, entry, request)

    methods = list(entry.runtime_data.provider.webhook_methods)
    webhook.async_register(hass, DOMAIN, entry.title, webhook_id, handle, allowed_methods=methods)
    return lambda: async_unregister_webhook(hass, entry)


@callback
def async_unregister_webhook(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Stop answering the entry's webhook (doing it twice is harmless)."""
    webhook.async_unregister(hass, entry.data[CONF_WEBHOOK_ID])


async def async_handle_webhook(
    hass: HomeAssistant, entry: TelephonyConfigEntry, request: Request
) -> Response:
    """Answer one provider post; bad input gets a 4xx, accepted and repeated events a 200."""
    try:
        return await _async_handle(hass, entry, request)
    except Exception:  # noqa: BLE001
        # A bug, not bad input. Answering 500 (instead of the webhook component's 200) makes the
        # provider retry; events accepted before the failure are de-duplicated on that retry.
        LOGGER.exception("Unexpected error while handling a webhook post for %s", entry.title)
        return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")


async def _async_handle(hass: HomeAssistant, entry: TelephonyConfigEntry, request: Request) -> Response:
    runtime = entry.runtime_data
    settings = runtime.settings(hass, entry)
    if settings.basic_auth is not None and not _authorized(request, settings.basic_auth):
        LOGGER.warning("Refused a webhook post for %s: basic authentication failed", entry.title)
        return Response(
            status=HTTPStatus.UNAUTHORIZED,
            text="authentication required",
            headers={hdrs.WWW_AUTHENTICATE: 'Basic realm="Home Assistant"'},
        )
    body = await _read_capped(request)
    if body is None:
        return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {MAX_BODY_BYTES} bytes")
    payload = WebhookRequest(
        body=body,
        received_at=dt_util.utcnow(),
        content_type=request.headers.get(hdrs.CONTENT_TYPE),
        method=request.method,
        # Read-only views, not copies: most providers never look at them.
        query=request.query,
        headers=request.headers,
        region=settings.region,
    )
    if (verify := runtime.provider.verify_webhook) is not None and not verify(
        payload, entry.data, async_public_webhook_url(hass, entry)
    ):
        if entry.options.get(CONF_STRICT_SIGNATURE):
            LOGGER.warning("Refused a webhook post for %s: its signature does not match", entry.title)
            return _error(HTTPStatus.UNAUTHORIZED, "signature does not match")
        # Lenient by default: the provider documents its signature only loosely.
        LOGGER.debug("Accepted a webhook post for %s whose signature does not match", entry.title)
    try:
        events = runtime.provider.parse_webhook(payload)
    except PayloadError as err:
        LOGGER.debug("Refused a webhook post for %s: %s", entry.title, err)
        return _error(HTTPStatus.BAD_REQUEST, str(err))
    accepted = duplicates = 0
    for start in range(0, len(events), EVENTS_PER_TURN):
        if start:
            # A long batch gives other work its turn: the loop is never held for the whole post.
            await asyncio.sleep(0)
        counts = async_process_events(hass, entry, events[start : start + EVENTS_PER_TURN])
        accepted, duplicates = accepted + counts[0], duplicates + counts[1]
    return _counts_response(accepted, duplicates)


@callback
def async_process_events(
    hass: HomeAssistant, entry: TelephonyConfigEntry, events: list[TelephonyEvent]
) -> tuple[int, int]:
    """Accept the events not seen before (from the webhook or from polling); count both kinds."""
    runtime = entry.runtime_data
    settings = runtime.settings(hass, entry)
    accepted = duplicates = 0
    for event in events:
        if runtime.history.is_duplicate(event.dedupe_key):
            duplicates += 1
            continue
        _async_accept(hass, entry, settings, event)
        accepted += 1
    return accepted, duplicates


@callback
def _async_accept(
    hass: HomeAssistant, entry: TelephonyConfigEntry, settings: EntrySettings, event: TelephonyEvent
) -> None:
    """Record first, so that an acknowledged event is never lost; then tell the bus and entities."""
    runtime = entry.runtime_data
    received_at = dt_util.now()
    data: dict[str, Any] = {
        ATTR_CONFIG_ENTRY_ID: entry.entry_id,
        ATTR_DEVICE_ID: runtime.device_id,
        **event.as_event_data(received_at.tzinfo),
        "caller_name": settings.contacts.name_for(event.caller),
        "received_at": received_at.isoformat(),
    }
    history = runtime.history
    if event.type is EventType.SMS_RECEIVED:
        # Lets an automation tell a reply to its own message from a new conversation.
        data["in_reply_to"] = history.replied_message(event.caller, received_at=received_at)
    elif event.type is EventType.SMS_STATUS:
        sent = history.sent_message(event.call_id)
        data["sent_message"] = None if sent is None else sent["message"]
        if data["callee"] is None and sent is not None:
            data["callee"] = sent["to"]
    history.record(event.dedupe_key, data, received_at=received_at)
    if event.type is EventType.CALL_STATUS:
        runtime.calls.async_record(data)
    hass.bus.async_fire(f"{EVENT_PREFIX}{event.type}", data)
    async_dispatcher_send(hass, signal_event(entry.entry_id, event.type), data)


def _authorized(request: Request, expected: tuple[str, str]) -> bool:
    """Compare the Basic credentials in constant time (both parts, always)."""
    header = request.headers.get(hdrs.AUTHORIZATION, "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    username, _, password = decoded.partition(b":")
    user_ok = hmac.compare_digest(username, expected[0].encode())
    password_ok = hmac.compare_digest(password, expected[1].encode())
    return user_ok and password_ok


async def _read_capped(request: Request) -> bytes | None:
    """Read the body, or return None as soon as it exceeds the cap."""
    declared = request.headers.get(hdrs.CONTENT_LENGTH)
    if declared is not None and is_ascii_number(declared) and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@lru_cache(maxsize=64)
def _counts_body(accepted: int, duplicates: int) -> bytes:
    return json.dumps({"accepted": accepted, "duplicates": duplicates}).encode()


def _counts_response(accepted: int, duplicates: int) -> Response:
    """Answer with the counts; the few common bodies are encoded once."""
    return Response(body=_counts_body(accepted, duplicates), content_type="application/json")


def _error(status: HTTPStatus, reason: str) -> Response:
    return json_response({"error": reason}, status=status)
