"""The webhook's HTTP side: registration, reading the body once, authentication, status codes.

Every account's webhook is registered with the integration, before its entry is set up, and
stays registered while the entry retries its setup or reloads. A post is answered 200 only once
its events are on disk; one that cannot be processed now gets 503 with Retry-After, so that the
provider retries.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from http import HTTPStatus
from typing import Final

from aiohttp import hdrs
from aiohttp.web import Request, Response, json_response

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .api import PROVIDERS, PayloadError, ProviderSpec, TelephonyEvent, WebhookRequest
from .api.payload import is_ascii_number
from .const import CONF_PROVIDER, CONF_STRICT_SIGNATURE, DOMAIN, LOGGER, MAX_BODY_BYTES
from .data import TelephonyConfigEntry
from .hub import DATA_HUB
from .pipeline import async_accept_events
from .public_url import async_public_webhook_url
from .store import StoreUnavailableError

READ_CHUNK: Final = 64 * 1024
# Larger bodies are parsed in an executor thread, so that no body holds the event loop long.
INLINE_PARSE_LIMIT: Final = 64 * 1024
# Seconds a provider is asked to wait before it retries a post that could not be processed.
RETRY_AFTER: Final = 30


@callback
def async_register_webhook(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Start answering the entry's webhook (doing it twice is harmless)."""
    hub = hass.data[DATA_HUB]
    if entry.entry_id in hub.webhooks:
        return
    entry_id = entry.entry_id
    webhook_id: str = entry.data[CONF_WEBHOOK_ID]

    async def handle(hass: HomeAssistant, webhook_id: str, request: Request) -> Response:
        return await async_handle_webhook(hass, entry_id, request)

    methods = PROVIDERS[entry.data[CONF_PROVIDER]].webhook_methods
    webhook.async_register(hass, DOMAIN, entry.title, webhook_id, handle, allowed_methods=methods)
    hub.webhooks[entry_id] = lambda: webhook.async_unregister(hass, webhook_id)


@callback
def async_unregister_webhook(hass: HomeAssistant, entry_id: str) -> None:
    """Stop answering an entry's webhook (it was removed or disabled)."""
    if (unregister := hass.data[DATA_HUB].webhooks.pop(entry_id, None)) is not None:
        unregister()


async def async_handle_webhook(hass: HomeAssistant, entry_id: str, request: Request) -> Response:
    """Answer one provider post: 200 once recorded, 4xx for bad input, 503 when it cannot be taken now."""
    try:
        return await _async_handle(hass, entry_id, request)
    except StoreUnavailableError as err:
        LOGGER.warning("A webhook post could not be recorded and will be retried by the provider: %s", err)
        return _unavailable("the history cannot be written now")
    except Exception:  # noqa: BLE001
        # A bug, not bad input. Answering 500 (instead of the webhook component's 200) makes the
        # provider retry; events recorded before the failure are de-duplicated on that retry.
        LOGGER.exception("Unexpected error while handling a webhook post")
        return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")


async def _async_handle(hass: HomeAssistant, entry_id: str, request: Request) -> Response:
    hub = hass.data[DATA_HUB]
    if (entry := _processable_entry(hass, entry_id)) is None:
        return _unavailable("the account is being removed")
    if not await hub.async_wait_ready():
        return _unavailable("the history is not open yet")
    settings = hub.settings(entry)
    if settings.basic_auth is not None and not _authorized(request, settings.basic_auth):
        LOGGER.warning("Refused a webhook post for %s: basic authentication failed", entry.title)
        return Response(
            status=HTTPStatus.UNAUTHORIZED,
            text="authentication required",
            headers={hdrs.WWW_AUTHENTICATE: 'Basic realm="Home Assistant"'},
        )
    body = await _read_capped(request)
    if body is None:
        LOGGER.debug("Refused a webhook post for %s: larger than %s bytes", entry.title, MAX_BODY_BYTES)
        return _error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {MAX_BODY_BYTES} bytes")
    # The story of each delivery, one line per stage; never a body, a number or a credential.
    LOGGER.debug(
        "Webhook post for %s received: %s bytes, %s%s",
        entry.title,
        len(body),
        request.headers.get(hdrs.CONTENT_TYPE) or "no content type",
        ", basic authentication passed" if settings.basic_auth is not None else "",
    )
    # Every await may outlive the entry (removed meanwhile): look again after each.
    if (entry := _processable_entry(hass, entry_id)) is None:
        return _unavailable("the account is being removed")
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
    provider = PROVIDERS[entry.data[CONF_PROVIDER]]
    problem, nonce = _signature_problem(hass, entry, provider, payload)
    if problem is not None:
        LOGGER.warning("Refused a webhook post for %s: %s", entry.title, problem)
        return _error(HTTPStatus.UNAUTHORIZED, problem)
    if provider.verify_webhook is not None:
        LOGGER.debug("Webhook post for %s: signature checked", entry.title)
    title = entry.title
    try:
        events: list[TelephonyEvent]
        if len(body) > INLINE_PARSE_LIMIT:
            # One large body at a time: each parsing thread holds the interpreter lock for
            # its switch interval whenever the loop wants it, so many at once starve the loop.
            async with hub.large_body_parsing:
                events = await hass.async_add_executor_job(provider.parse_webhook, payload)
        else:
            events = provider.parse_webhook(payload)
    except PayloadError as err:
        LOGGER.debug("Refused a webhook post for %s: %s", title, err)
        return _error(HTTPStatus.BAD_REQUEST, str(err))
    if (entry := _processable_entry(hass, entry_id)) is None:
        return _unavailable("the account is being removed")
    LOGGER.debug(
        "Webhook post for %s parsed: %s items (%s)",
        title,
        len(events),
        ", ".join(sorted({str(event.type) for event in events})) or "nothing to report",
    )
    accepted, duplicates = await async_accept_events(hass, entry, events)
    if nonce is not None:
        # Only a push that was taken uses its nonce up: a retry after a 503 is let in.
        hub.remember_nonce(entry_id, nonce)
    LOGGER.debug(
        "Webhook post for %s answered: %s accepted and fired, %s duplicates",
        entry.title,
        accepted,
        duplicates,
    )
    body, content_type = provider.webhook_reply(accepted, duplicates)
    return Response(body=body, content_type=content_type)


def _signature_problem(
    hass: HomeAssistant, entry: TelephonyConfigEntry, provider: ProviderSpec, payload: WebhookRequest
) -> tuple[str | None, str | None]:
    """Check the provider's signature on a push; return why it is refused, and its nonce.

    Lenient by default (the providers document their signatures only loosely); in strict mode a
    push must be signed, recent, and not seen before.
    """
    if (verify := provider.verify_webhook) is None:
        return None, None
    signature = verify(payload, entry.data, async_public_webhook_url(hass, entry))
    if not entry.options.get(CONF_STRICT_SIGNATURE):
        if not signature.valid:
            LOGGER.debug("Accepted a webhook post for %s: %s", entry.title, signature.reason)
        return None, None
    if not signature.valid:
        return signature.reason, None
    if signature.nonce is not None and hass.data[DATA_HUB].nonce_seen(entry.entry_id, signature.nonce):
        return "this signed push was received before (its nonce repeats)", None
    return None, signature.nonce


def _processable_entry(hass: HomeAssistant, entry_id: str) -> TelephonyConfigEntry | None:
    """Return the entry a post is for, unless it was removed, disabled or stored by a newer version."""
    entry: TelephonyConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.disabled_by is not None or entry.state is ConfigEntryState.MIGRATION_ERROR:
        return None
    return entry


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
    """Read the body, or return None as soon as it exceeds the cap.

    The stream is taken once: Home Assistant Cloud's MockRequest builds a new one (from the
    start of the body) every time `content` is read.
    """
    declared = request.headers.get(hdrs.CONTENT_LENGTH)
    if declared is not None and is_ascii_number(declared) and int(declared) > MAX_BODY_BYTES:
        return None
    stream = request.content
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(READ_CHUNK):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: HTTPStatus, reason: str) -> Response:
    return json_response({"error": reason}, status=status)


def _unavailable(reason: str) -> Response:
    response: Response = json_response({"error": reason}, status=HTTPStatus.SERVICE_UNAVAILABLE)
    response.headers[hdrs.RETRY_AFTER] = str(RETRY_AFTER)
    return response
