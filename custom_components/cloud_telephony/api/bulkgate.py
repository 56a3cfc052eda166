"""BulkGate SMS: transactional SMS and credit over the Simple API, and the DLR / reply webhook."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
import hashlib
from typing import Any, Final
from zoneinfo import ZoneInfo

import aiohttp

from .models import (
    AuthError,
    Balance,
    ConnectionProblem,
    Direction,
    EventType,
    InsufficientBalanceError,
    InvalidNumberError,
    PayloadError,
    ProviderConnectionError,
    ProviderError,
    RequestValidationError,
    SentMessage,
    SmsOptions,
    TelephonyEvent,
    WebhookRequest,
    refuse_turkish_sms_options,
)
from .numbers import normalize_number
from .payload import JsonValue, as_items, decode_body, int_or_none, json_answer, text_or_none
from .samples import clock_mover, documented_sample, new_hex
from .spec import BALANCE, SETTING_BASE_URL, SMS, Field, FieldKind, ProviderSpec, Sample
from .transport import Transport

PROVIDER: Final = "bulkgate"
API_URL: Final = "https://portal.bulkgate.com"
TRANSACTIONAL_PATH: Final = "/api/1.0/simple/transactional"
INFO_PATH: Final = "/api/1.0/simple/info"
REQUEST_TIMEOUT: Final = 20
# Loaded at import (in an executor), never in the event loop.
PRAGUE: Final = ZoneInfo("Europe/Prague")

SENDER_TYPES: Final = {
    "system": "gSystem",
    "short": "gShort",
    "text": "gText",
    "mobile": "gMobile",
    "push": "gPush",
    "own": "gOwn",
    "profile": "gProfile",
}
"""Sender types by the keys the integration offers (lowercase, as translation keys must be)."""
DEFAULT_SENDER_TYPE: Final = "system"
SENDER_TYPES_WITH_VALUE: Final = frozenset({"text", "mobile", "push", "own", "profile"})
"""Sender types that name the sender in `sender_id_value` (a text, a number, a profile id)."""
_SENDER_NAMES: Final = SENDER_TYPES | {name.casefold(): name for name in SENDER_TYPES.values()}
MAX_GSM_LENGTH: Final = 612
MAX_UNICODE_LENGTH: Final = 268

# GSM 03.38: the basic table costs one septet, the extension table two.
_GSM_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION: Final = frozenset("^{}\\[~]|€\f")

_STATUSES: Final = {1: "delivered", 2: "buffered", 3: "failed", 13: "read"}
_INCOMING: Final = 10

_AUTH_ERRORS: Final = frozenset({"unknown_identity", "authentication_failed", "banned"})
_NUMBER_ERRORS: Final = frozenset({"invalid_phone_number", "blacklisted_number", "no_recipients"})

EVENT_TYPES: Final = frozenset({EventType.SMS_STATUS, EventType.SMS_RECEIVED})


def bulkgate_sender_type(sender_type: str) -> str:
    """Return BulkGate's name of a sender type given by its key (`system`) or BulkGate's name.

    BulkGate's names (`gSystem`) are taken in any case; a type BulkGate adds later passes unchanged.
    """
    return _SENDER_NAMES.get(sender_type.casefold(), sender_type)


def sender_type_key(sender_type: str) -> str:
    """Return the key of a sender type given by either name; an unknown type passes unchanged."""
    name = bulkgate_sender_type(sender_type)
    return next((key for key, known in SENDER_TYPES.items() if known == name), sender_type)


def needs_sender_value(sender_type: str) -> bool:
    """Return whether the sender type names its sender in `sender_id_value`."""
    return sender_type_key(sender_type) in SENDER_TYPES_WITH_VALUE


def gsm_length(text: str) -> int | None:
    """Return the GSM 03.38 length of a text, or None when it needs Unicode."""
    length = 0
    for char in text:
        if char in _GSM_BASIC:
            length += 1
        elif char in _GSM_EXTENSION:
            length += 2
        else:
            return None
    return length


class BulkGateClient:
    """BulkGate Simple API v1.0 with an application id and token; the session is injected."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        application_id: str,
        application_token: str,
        *,
        sender_id: str = DEFAULT_SENDER_TYPE,
        sender_id_value: str | None = None,
        base_url: str | None = None,
    ) -> None:
        """Keep the credentials and the default sender; nothing is sent yet."""
        self._api = Transport(
            session, brand="BulkGate", api_url=API_URL, base_url=base_url, timeout=REQUEST_TIMEOUT
        )
        self._credentials = {"application_id": application_id, "application_token": application_token}
        self._sender_id = sender_id
        self._sender_id_value = sender_id_value

    async def async_validate(self) -> Balance:
        """Check the credentials with the credit call, which has no side effect."""
        return await self.async_get_balance()

    async def async_get_balance(self) -> Balance:
        """Return the remaining credit."""
        data = await self._post(INFO_PATH, {})
        credit = _float(data.get("credit"))
        if credit is None:
            raise ProviderError("the credit answer has no credit")
        return Balance(amount=credit, unit=text_or_none(data.get("currency")) or "credits")

    async def async_send_sms(self, to: str, text: str, options: SmsOptions | None = None) -> SentMessage:
        """Send one transactional SMS; Unicode is chosen automatically unless forced."""
        options = options or SmsOptions()
        refuse_turkish_sms_options(options)
        if not text:
            raise RequestValidationError("the message is empty", key="message_empty")
        gsm = gsm_length(text)
        use_unicode = gsm is None if options.unicode is None else options.unicode
        limit = MAX_UNICODE_LENGTH if use_unicode else MAX_GSM_LENGTH
        length = len(text) if use_unicode or gsm is None else gsm
        if length > limit:
            raise RequestValidationError(
                "the message is {length} characters long; at most {max} are allowed",
                key="message_too_long",
                placeholders={"length": length, "max": limit},
            )
        number = to.lstrip("+")
        if not number:
            raise RequestValidationError("no phone number", key="no_number")
        body: dict[str, Any] = {
            "number": number,
            "text": text,
            "unicode": use_unicode,
            "sender_id": bulkgate_sender_type(options.sender_id or self._sender_id),
            "duplicates_check": "on" if options.duplicates_check else "off",
        }
        if value := options.sender_id_value if options.sender_id else self._sender_id_value:
            body["sender_id_value"] = value
        if options.country:
            body["country"] = options.country.lower()
        if options.schedule is not None:
            body["schedule"] = options.schedule.isoformat()
        data = await self._post(TRANSACTIONAL_PATH, body)
        message_id = text_or_none(data.get("sms_id"))
        if message_id is None:
            raise ProviderError("the SMS was accepted, but no id came back")
        # How a delivery report names the message is not documented: every id the answer
        # gives (its parts', a `message_id`) is remembered with it.
        parts = data.get("part_id")
        aliases = [text_or_none(part) for part in parts] if isinstance(parts, list) else []
        aliases.append(text_or_none(data.get("message_id")))
        return SentMessage(
            to=to,
            message_id=message_id,
            status=text_or_none(data.get("status")) or "accepted",
            price=_float(data.get("price")),
            remaining_credit=_float(data.get("credit")),
            aliases=tuple(dict.fromkeys(alias for alias in aliases if alias and alias != message_id)),
        )

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, text = await self._api.request("POST", path, json={**self._credentials, **body})
        document = json_answer(text, status)
        if "error" in document or "type" in document or status >= 400:
            raise _error(document, status)
        data = document.get("data")
        if not isinstance(data, dict):
            raise ProviderError("the answer has no data")
        return data


def _error(document: dict[str, Any], status: int) -> Exception:
    """Map BulkGate's error document (`type`, `code`, `error`) to a typed error."""
    kind = text_or_none(document.get("type")) or text_or_none(document.get("error")) or "unknown"
    reason = text_or_none(document.get("error")) or kind
    if detail := text_or_none(document.get("detail")):
        reason = f"{reason} ({detail})"
    code = int_or_none(document.get("code")) or status
    if kind in _AUTH_ERRORS or code == 401:
        return AuthError(reason)
    if kind == "low_credit":
        return InsufficientBalanceError(reason, kind)
    if kind in _NUMBER_ERRORS:
        return InvalidNumberError(reason, kind)
    if code >= 500:
        return ProviderConnectionError(
            f"the server answered HTTP {code}", ConnectionProblem.SERVER_ERROR, code, reason
        )
    return ProviderError(reason, kind)


def _float(value: JsonValue) -> float | None:
    text = text_or_none(value)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_webhook(request: WebhookRequest) -> list[TelephonyEvent]:
    """Turn a BulkGate push (JSON array or object, or a legacy GET) into SMS events.

    Statuses BulkGate has not documented are skipped; an item without a status is refused.
    """
    if request.method == "GET" or (not request.body.strip() and "status" in request.query):
        items: list[dict[str, JsonValue]] = [dict(request.query)]
    else:
        items = as_items(decode_body(request.body, request.content_type))
    events: list[TelephonyEvent] = []
    for item in items:
        event = _parse_item(item, request)
        if event is not None:
            events.append(event)
    return events


def _parse_item(item: dict[str, JsonValue], request: WebhookRequest) -> TelephonyEvent | None:
    status = int_or_none(item.get("status"))
    if status is None:
        raise PayloadError("status is missing")
    sent_at, delivered_at = _dates(item.get("date"))
    if status == _INCOMING:
        return _incoming(item, request, sent_at)
    label = _STATUSES.get(status)
    if label is None:
        return None
    message_id = text_or_none(item.get("smsID"))
    to = normalize_number(text_or_none(item.get("to")), request.region)
    return TelephonyEvent(
        type=EventType.SMS_STATUS,
        provider=PROVIDER,
        dedupe_key=f"dlr:{message_id or ''}:{status}:{text_or_none(item.get('date')) or ''}:{to or ''}",
        call_id=message_id,
        callee=to,
        direction=Direction.OUTBOUND,
        status=label,
        occurred_at=delivered_at or sent_at,
        raw=item,
        extra={
            "price": _float(item.get("price")),
            "channel": text_or_none(item.get("channel")),
            "sent_at": sent_at.isoformat() if sent_at else None,
            "delivered_at": delivered_at.isoformat() if delivered_at else None,
        },
    )


def _incoming(
    item: dict[str, JsonValue], request: WebhookRequest, sent_at: datetime | None
) -> TelephonyEvent:
    sender = normalize_number(text_or_none(item.get("from")), request.region)
    text = item.get("message", item.get("text"))
    message = text if isinstance(text, str) else text_or_none(text)
    if sender is None and message is None:
        raise PayloadError("an incoming SMS needs a sender or a text")
    # Replies carry no id: a retry repeats sender, text and date. Without a date, the minute of
    # arrival stands in, so the same text sent again later is a new message.
    when = text_or_none(item.get("date")) or request.received_at.strftime("%Y%m%d%H%M")
    digest = hashlib.sha256((message or "").encode()).hexdigest()[:16]
    return TelephonyEvent(
        type=EventType.SMS_RECEIVED,
        provider=PROVIDER,
        dedupe_key=f"in:{sender or ''}:{digest}:{when}",
        call_id=text_or_none(item.get("smsID")),
        caller=sender,
        callee=normalize_number(text_or_none(item.get("to")), request.region),
        direction=Direction.INBOUND,
        message=message,
        occurred_at=sent_at,
        raw=item,
        extra={"channel": text_or_none(item.get("channel"))},
    )


def _dates(value: JsonValue) -> tuple[datetime | None, datetime | None]:
    """Parse `yyMMddHHmm;yyMMddHHmm` (send; delivery) in Prague time."""
    text = text_or_none(value)
    if text is None:
        return None, None
    sent, _, delivered = text.partition(";")
    return _prague_time(sent), _prague_time(delivered.split(";")[0])


@lru_cache(maxsize=1024)
def _prague_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%y%m%d%H%M").replace(tzinfo=PRAGUE)
    except ValueError:
        return None


# The items of the example in BulkGate's documentation of delivery reports and incoming SMS, as
# written there (tests/fixtures/bulkgate/seed_dlr_and_reply.json); each is a sample of its own. A
# try gets a new message id, and its times are moved to its moment (the reply has none: it arrives
# now).
_DOCUMENTED_DELIVERED: Final[dict[str, JsonValue]] = {
    "status": "1",
    "smsID": "3t2563af3ff285",
    "price": "0.71",
    "date": "1904111007;1904111011",
}
_DOCUMENTED_BUFFERED: Final[dict[str, JsonValue]] = {
    "status": "2",
    "smsID": "2t2563af3ff285",
    "price": "0.71",
    "date": "1904111007;1904111011",
}
_DOCUMENTED_REPLY: Final[dict[str, JsonValue]] = {
    "status": "10",
    "from": "420777777777",
    "text": "text odpovědi",
}
_MOVE_PRAGUE_TIME = clock_mover("%y%m%d%H%M", PRAGUE)


def _moved_dates(value: JsonValue, span: timedelta) -> JsonValue:
    """Move `yyMMddHHmm;yyMMddHHmm` (sent; delivered)."""
    return ";".join(str(_MOVE_PRAGUE_TIME(part, span)) for part in str(value).split(";"))


def _sample(name: str, item: dict[str, JsonValue]) -> Sample:
    return documented_sample(
        name, [item], parse_webhook, ids={"smsID": lambda _moment: new_hex(14)}, times={"date": _moved_dates}
    )


SAMPLES: Final = (
    _sample("sms_received", _DOCUMENTED_REPLY),
    _sample("sms_delivered", _DOCUMENTED_DELIVERED),
    _sample("sms_buffered", _DOCUMENTED_BUFFERED),
)


# The keys of the entry's data.
APPLICATION_ID: Final = "application_id"
APPLICATION_TOKEN: Final = "application_token"
SENDER_ID: Final = "sender_id"
SENDER_ID_VALUE: Final = "sender_id_value"


def _client(session: aiohttp.ClientSession, data: Mapping[str, Any]) -> BulkGateClient:
    return BulkGateClient(
        session,
        data[APPLICATION_ID],
        data[APPLICATION_TOKEN],
        sender_id=data.get(SENDER_ID) or DEFAULT_SENDER_TYPE,
        sender_id_value=data.get(SENDER_ID_VALUE) or None,
        base_url=data.get(SETTING_BASE_URL),
    )


def _form_errors(data: Mapping[str, Any]) -> dict[str, str]:
    """Ask for the sender when the sender type names one (a text, a number, a profile)."""
    sender_type = data.get(SENDER_ID)
    if sender_type and needs_sender_value(sender_type) and not data.get(SENDER_ID_VALUE):
        return {SENDER_ID_VALUE: "sender_value_required"}
    return {}


def _upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """Store the sender type under its key: older versions stored BulkGate's name (`gSystem`)."""
    upgraded = dict(data)
    if sender_type := data.get(SENDER_ID):
        upgraded[SENDER_ID] = sender_type_key(sender_type)
    return upgraded


SPEC: Final = ProviderSpec(
    id=PROVIDER,
    brand="BulkGate",
    model="SMS gateway",
    configuration_url="https://portal.bulkgate.com",
    fields=(
        Field(key=APPLICATION_ID, identity=True),
        Field(key=APPLICATION_TOKEN, kind=FieldKind.SECRET),
        Field(key=SENDER_ID, kind=FieldKind.CHOICE, choices=tuple(SENDER_TYPES), default=DEFAULT_SENDER_TYPE),
        Field(key=SENDER_ID_VALUE, required=False, private=True),
    ),
    title="BulkGate {application_id}",
    default_country="CZ",
    event_types=EVENT_TYPES,
    parse_webhook=parse_webhook,
    create_client=_client,
    capabilities=frozenset({BALANCE, SMS}),
    secret_key=APPLICATION_TOKEN,
    form_errors=_form_errors,
    # The legacy delivery mode calls once per message with GET.
    webhook_methods=("POST", "GET"),
    upgrade_data=_upgrade,
    samples=SAMPLES,
)
