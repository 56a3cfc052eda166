"""Provider-neutral data model: the events every parser produces and the errors every client raises."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum
import re
from types import MappingProxyType
from typing import Any, Final


class EventType(StrEnum):
    """What happened; the suffix of the `cloud_telephony_<type>` bus event."""

    CALL_STARTED = "call_started"
    MISSED_CALL = "missed_call"
    CALL_ENDED = "call_ended"
    INCOMING_FAX = "incoming_fax"
    SMS_RECEIVED = "sms_received"
    SMS_STATUS = "sms_status"
    CALL_STATUS = "call_status"
    CALL_RECORD = "call_record"
    VOICEMAIL_RECEIVED = "voicemail_received"
    MEDIA_SAVED = "media_saved"


class Direction(StrEnum):
    """Which way a call or message went, seen from the account."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallStatus(StrEnum):
    """Progress or result of a call placed by the integration."""

    DIALING = "dialing"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    NOT_ANSWERED = "not_answered"
    BUSY = "busy"
    UNREACHABLE = "unreachable"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INVALID_NUMBER = "invalid_number"
    EXPIRED = "expired"
    INSUFFICIENT_BALANCE = "insufficient_balance"


@dataclass(frozen=True, slots=True, kw_only=True)
class TelephonyEvent:
    """One thing a provider told us about, in the public contract's terms."""

    type: EventType
    provider: str
    dedupe_key: str
    """The provider's identity of this item: a retried delivery carries the same key."""
    call_id: str | None = None
    caller: str | None = None
    callee: str | None = None
    direction: Direction | None = None
    status: str | None = None
    key_pressed: str | None = None
    duration: int | None = None
    message: str | None = None
    occurred_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Provider-specific keys beyond the contract (destination, hangup_cause, …)."""
    test: bool = False
    """Made up to try automations with (a provider's documented sample), not sent by the provider."""

    def as_event_data(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """Return the contract's data keys (JSON-serialisable), extras after them; times in `tz`."""
        return {
            "provider": self.provider,
            "type": str(self.type),
            "call_id": self.call_id,
            "caller": self.caller,
            "callee": self.callee,
            "direction": None if self.direction is None else str(self.direction),
            "status": self.status,
            "key_pressed": self.key_pressed,
            "duration": self.duration,
            "message": self.message,
            "occurred_at": None if self.occurred_at is None else self.occurred_at.astimezone(tz).isoformat(),
            "raw": self.raw,
            "test": self.test,
            **self.extra,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    """What is left on the account."""

    amount: float
    unit: str
    """The provider's unit: a currency code, `credits`, `units`, …"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SmsOptions:
    """How to send an SMS; each provider uses what it supports and ignores the rest."""

    country: str | None = None
    """ISO country for numbers written without a country code."""
    sender_id: str | None = None
    sender_id_value: str | None = None
    unicode: bool | None = None
    """None: decide from the text."""
    schedule: datetime | None = None
    duplicates_check: bool = False
    iys_filter: IysFilter | None = None
    """Where the provider checks the Turkish commercial-message register (İYS) before sending."""
    otp: bool = False
    """A one-time code: sent by the provider's fast route for codes, where it has one."""


def refuse_turkish_sms_options(options: SmsOptions | None) -> None:
    """Refuse what only a Turkish provider's SMS do: the İYS check and a route for one-time codes."""
    if options is not None and options.iys_filter is not None:
        raise RequestValidationError(
            "there is no İYS check (Turkey's commercial-message register)", key="no_iys_check"
        )
    if options is not None and options.otp:
        raise RequestValidationError("there is no separate route for one-time codes", key="no_otp_route")


@dataclass(frozen=True, slots=True)
class PlacedCalls:
    """The provider took a call job; numbers it refused are listed with its reason."""

    job_id: str
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class SentMessage:
    """The provider accepted a message for one recipient."""

    to: str
    message_id: str
    status: str
    price: float | None = None
    remaining_credit: float | None = None
    aliases: tuple[str, ...] = ()
    """Other ids the provider may report the message under (the parts of a long text, say)."""


@dataclass(frozen=True, slots=True)
class Prompt:
    """Something to play: text read out (TTS) or an uploaded audio file."""

    text: str | None = None
    audio_id: str | None = None

    def __post_init__(self) -> None:
        """Exactly one of text and audio id."""
        if (self.text is None) == (self.audio_id is None):
            raise RequestValidationError(
                "each prompt needs either a text or an audio id", key="prompt_text_or_audio"
            )
        if self.text is not None and not self.text.strip():
            raise RequestValidationError("a prompt text is empty", key="prompt_text_empty")


class IysFilter(StrEnum):
    """Whose consent a commercial message is checked against in the İYS register."""

    INDIVIDUAL = "individual"
    MERCHANT = "merchant"


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceMessage:
    """A voice message to one or more numbers; several prompts make a dynamic message."""

    numbers: Sequence[str]
    prompts: Sequence[Prompt]
    keys: dict[str, Prompt | None] = field(default_factory=dict)
    """Digit (0-9) to what is played when that key is pressed (None: nothing); a key menu waits
    for a press."""
    template_id: str | None = None
    """A template approved at the provider that the texts fill as its variables (Huawei)."""
    ring_time: int = 30
    start: datetime | None = None
    end: datetime | None = None
    iys_filter: IysFilter | None = None
    """Where the provider checks the Turkish commercial-message register (İYS) before calling."""
    relation_id: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceCode:
    """A numeric code to read out in a call to one number."""

    to: str
    code: str
    language: str | None = None
    """None: the provider's own (Turkish for Netgsm, Hebrew for Yemot, the account's for Huawei)."""
    repeat: int | None = None
    pre_tone: str | None = None
    """The provider's uploaded audio played before the code, where it has such files."""
    post_tone: str | None = None
    callback_url: str | None = None


@dataclass(frozen=True, slots=True)
class Campaign:
    """Calls a provider started at once: its id, how many numbers it dials, the numbers it refused."""

    campaign_id: str | None
    calls: int | None
    errors: dict[str, str] = field(default_factory=dict)
    verify_code: str | None = None
    """With a random caller id: the digits the person sees, to be typed in as a code."""
    caller_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SipPhone:
    """A SIP account of a PBX (a desk phone, a softphone) and whether it is registered now."""

    account_id: str
    """The SIP user name: stable for as long as the account exists."""
    account_number: int | None = None
    extension: str | None = None
    transport: str | None = None
    """How the phone may connect: `udp`, or `wss` (a browser's WebRTC)."""
    registered: bool | None = None
    """None: the PBX did not say."""
    user_agent: str | None = None
    contact: str | None = None
    """Where calls to the phone go (the registration's URI)."""
    registration_expires: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCaller:
    """A caller waiting in a call queue."""

    call_id: str | None
    """The PBX's id of the call: what kicking the caller out names."""
    number: str | None
    """As the PBX gave it (its national form)."""
    wait: int | None = None
    """Seconds waited so far."""
    position: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueAgent:
    """A member (agent) of a call queue."""

    name: str
    """As the PBX names it, and as pausing it takes it."""
    paused: bool | None = None
    status: str | None = None
    calls_taken: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueue:
    """A call queue now: who waits, who answers."""

    path: str
    callers: tuple[QueueCaller, ...] = ()
    """In queue order."""
    agents: tuple[QueueAgent, ...] = ()
    completed: int | None = None
    abandoned: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    """A message callers left in a folder of the PBX (a voicemail box)."""

    name: str
    """The file's name in its folder."""
    path: str
    """The file's path, as downloading it takes it."""
    identity: str
    """Stable for as long as the file exists, and new for a new message."""
    received_at: datetime | None = None
    caller: str | None = None
    """The number that left it, as the PBX gave it."""
    duration: int | None = None
    """Seconds."""
    size: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """The provider's description of the file, as parsed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFolder:
    """A voicemail box: how many messages it holds, and its newest."""

    path: str
    messages: int | None = None
    newest: StoredMessage | None = None


class MediaKind(StrEnum):
    """What a stored file is; also its folder in the media library."""

    FAX = "faxes"
    RECORDING = "recordings"
    VOICEMAIL = "voicemail"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file an event announces, as the provider's own API fetches it (never a URL from a body)."""

    kind: MediaKind
    item_id: str
    """What the client's download takes: a fax id, a recording's call id, a file path."""
    caller: str | None = None
    occurred_at: datetime | None = None
    """What the event says of the file, where the provider lists files by them."""


@dataclass(frozen=True, slots=True)
class Download:
    """A file fetched from the provider's API."""

    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class AudioFile:
    """An uploaded audio file."""

    audio_id: str
    sender: str | None
    uploaded_at: datetime | None
    duration: int | None
    url: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookRequest:
    """One provider request to the webhook, as the parsers see it."""

    body: bytes
    received_at: datetime
    content_type: str | None = None
    method: str = "POST"
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    region: str | None = None
    """Default country for numbers written without a country code."""


@dataclass(frozen=True, slots=True)
class PushSignature:
    """What a provider's signature on a webhook push says."""

    valid: bool
    reason: str = ""
    """Why it is not valid, for the log and the 401 answer."""
    nonce: str | None = None
    """A value the provider makes unique per push: a second push with it is a replay."""


class TelephonyError(Exception):
    """Base class of every error the API package raises.

    A reason for refusing a request before it is sent is keyed: `key` names its translation,
    `exceptions.request_<key>` with the `placeholders` filled in, so that the Home Assistant side
    can say it in the user's language; `str(err)` is the English text. What a provider answered,
    and what an answer lacked (no id came back), are not keyed: said as they are.
    """

    key: str | None = None
    placeholders: Mapping[str, str] = MappingProxyType({})


_PLACEHOLDER: Final = re.compile(r"{(\w+)}")

type Placeholders = Mapping[str, str | int]
"""The values of a keyed reason's `{name}` placeholders; numbers are said as digits."""


def fill_placeholders(template: str, placeholders: Mapping[str, str]) -> str:
    """Return the template with each `{name}` replaced by its value, in one pass; other text stays."""
    return _PLACEHOLDER.sub(lambda match: placeholders.get(match[1], match[0]), template)


def _as_text(placeholders: Placeholders | None) -> Mapping[str, str]:
    return MappingProxyType({name: str(value) for name, value in (placeholders or {}).items()})


class AuthError(TelephonyError):
    """The provider refused the credentials."""


class ConnectionProblem(StrEnum):
    """What kept a request from the provider, so that it can be said in the user's language."""

    TIMEOUT = "timeout"
    DNS = "dns"
    CERTIFICATE = "certificate"
    TLS = "tls"
    REFUSED = "refused"
    CLOSED = "closed"
    UNREACHABLE = "unreachable"
    SERVER_ERROR = "server_error"
    OTHER = "other"


class ProviderConnectionError(TelephonyError):
    """The provider could not be reached, timed out, or answered with a server error."""

    def __init__(
        self,
        message: str,
        problem: ConnectionProblem = ConnectionProblem.OTHER,
        status: int | None = None,
        detail: str | None = None,
    ) -> None:
        """Keep what went wrong, the HTTP status of a server error and what the provider said of it."""
        super().__init__(message if detail is None else f"{message}: {detail}")
        self.problem = problem
        self.status = status
        self.detail = detail


def server_error(status: int) -> ProviderConnectionError:
    """Return the error for an HTTP 5xx answer: the provider's side failed, a retry may succeed."""
    return ProviderConnectionError(
        f"the server answered HTTP {status}", ConnectionProblem.SERVER_ERROR, status
    )


class ProviderError(TelephonyError):
    """The provider answered, but refused the request; the message is the provider's reason."""

    def __init__(self, message: str, code: str | None = None) -> None:
        """Keep the provider's reason and, when it gives one, its error code."""
        super().__init__(message)
        self.code = code


class InsufficientBalanceError(ProviderError):
    """The account has too little credit for the request."""


class RateLimitedError(ProviderError):
    """The provider asks to slow down."""


class FeatureUnavailableError(ProviderError):
    """The account (or its API user) may not use this part of the provider's API."""


class ProviderFailedError(ProviderError):
    """The provider failed on its side (an exception it reports), which a retry may not meet again."""


class NothingToFetchError(ProviderError):
    """The file an event may have had does not exist (a call that was not recorded): no error."""


class InvalidNumberError(ProviderError):
    """The provider refused a phone number, or a client did before asking it.

    A client's own refusal is keyed like a `RequestValidationError`: `message` is the English
    template of the reason, `{name}` standing for each of the `placeholders`.
    """

    def __init__(
        self,
        message: str,
        code: str | None = None,
        *,
        key: str | None = None,
        placeholders: Placeholders | None = None,
    ) -> None:
        """Keep the reason, the provider's error code, and the translation key of a reason of our own."""
        self.key, self.placeholders = key, _as_text(placeholders)
        super().__init__(fill_placeholders(message, self.placeholders), code)


class RequestValidationError(TelephonyError, ValueError):
    """The request was refused before sending: the input breaks a documented limit.

    `message` is the English reason with `{name}` for each of the `placeholders`; `key` names its
    translation, `exceptions.request_<key>`, which takes the same placeholders. Identical reasons
    share a key. `str(err)` is the English reason with the placeholders filled in.
    """

    key: str

    def __init__(self, message: str, *, key: str, placeholders: Placeholders | None = None) -> None:
        """Keep the reason's translation key and placeholders; the English text is the message."""
        self.key, self.placeholders = key, _as_text(placeholders)
        super().__init__(fill_placeholders(message, self.placeholders))


class PayloadError(TelephonyError, ValueError):
    """A webhook body that cannot be understood; the message says why, briefly."""
