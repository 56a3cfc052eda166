"""Provider clients and webhook parsers for Cloud Telephony; free of Home Assistant imports.

Everything provider specific lives in this package: the Home Assistant side sees only
`TelephonyEvent`s, the `ProviderSpec` registry below and the client protocols, which say what a
client can do (an SMS client, a client with a balance, …).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Protocol, runtime_checkable

import aiohttp

from . import bulkgate, bulutfon, huawei, netgsm, yemot
from .models import (
    AudioFile,
    AuthError,
    Balance,
    CallStatus,
    Direction,
    EventType,
    InsufficientBalanceError,
    InvalidNumberError,
    PayloadError,
    PlacedCalls,
    Prompt,
    ProviderConnectionError,
    ProviderError,
    PushSignature,
    RateLimitedError,
    RequestValidationError,
    SentMessage,
    SmsOptions,
    TelephonyError,
    TelephonyEvent,
    VoiceMessage,
    WebhookRequest,
)
from .yemot import Campaign

__all__ = [
    "PROVIDERS",
    "AudioFile",
    "AudioLibraryClient",
    "AuthError",
    "Balance",
    "BalanceClient",
    "CallStatus",
    "Campaign",
    "CampaignClient",
    "Direction",
    "EventType",
    "InboxClient",
    "InsufficientBalanceError",
    "InvalidNumberError",
    "PayloadError",
    "PlacedCalls",
    "Prompt",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderSpec",
    "PushSignature",
    "RateLimitedError",
    "RequestValidationError",
    "ResultPollingClient",
    "RingClient",
    "SentMessage",
    "SmsClient",
    "SmsOptions",
    "TelephonyClient",
    "TelephonyError",
    "TelephonyEvent",
    "VoiceCancelClient",
    "VoiceCodeClient",
    "VoiceMessage",
    "VoiceMessageClient",
    "WebhookRequest",
]

# Credential keys, shared with the Home Assistant side's entry data.
CREDENTIAL_API_TOKEN: Final = "api_token"
CREDENTIAL_APPLICATION_ID: Final = "application_id"
CREDENTIAL_APPLICATION_TOKEN: Final = "application_token"
SETTING_SENDER_ID: Final = "sender_id"
SETTING_SENDER_ID_VALUE: Final = "sender_id_value"
CREDENTIAL_APP_KEY: Final = "app_key"
CREDENTIAL_APP_SECRET: Final = "app_secret"
SETTING_BASE_URL: Final = "base_url"
"""Every provider: the API's address, for private servers and proxies (Huawei: the app's address)."""
SETTING_DISPLAY_NUMBER: Final = "display_number"
SETTING_PRE_TONE: Final = "pre_tone"
SETTING_POST_TONE: Final = "post_tone"
SETTING_LANGUAGE_TYPE: Final = "language_type"
CREDENTIAL_SYSTEM_NUMBER: Final = "system_number"
CREDENTIAL_TOKEN: Final = "token"
SETTING_SERVER: Final = "server"
CREDENTIAL_USERCODE: Final = "usercode"
CREDENTIAL_PASSWORD: Final = "password"


@runtime_checkable
class TelephonyClient(Protocol):
    """What the Home Assistant side needs of every provider client."""

    async def async_validate(self) -> Any:
        """Check the credentials with a call that has no side effect; raise AuthError if refused."""


@runtime_checkable
class BalanceClient(TelephonyClient, Protocol):
    """A client that can tell the account's remaining credit."""

    async def async_get_balance(self) -> Balance:
        """Return what is left on the account."""


@runtime_checkable
class SmsClient(TelephonyClient, Protocol):
    """A client that can send SMS."""

    async def async_send_sms(self, to: str, text: str, options: SmsOptions | None = None) -> SentMessage:
        """Send one SMS to one number (E.164)."""


@runtime_checkable
class VoiceMessageClient(TelephonyClient, Protocol):
    """A client that can call numbers and play a message (text read out, or audio)."""

    async def async_send_voice_message(self, message: VoiceMessage) -> PlacedCalls:
        """Start the calls; return the provider's job id and the numbers it refused."""


@runtime_checkable
class VoiceCodeClient(TelephonyClient, Protocol):
    """A client that can read a verification code out in a call."""

    async def async_send_voice_code(
        self,
        to: str,
        code: str,
        *,
        language: str = "en",
        callback_url: str | None = None,
        repeat: int | None = None,
        pre_tone: str | None = None,
        post_tone: str | None = None,
    ) -> PlacedCalls:
        """Call the number and read the code (`repeat` times); return the provider's call or job id.

        Tones are the provider's uploaded audio files played before and after the code, where it
        has them.
        """


@runtime_checkable
class VoiceCancelClient(TelephonyClient, Protocol):
    """A client that can cancel a scheduled voice message."""

    async def async_cancel_voice_message(self, job_id: str) -> None:
        """Cancel a job that has not started."""


@runtime_checkable
class ResultPollingClient(TelephonyClient, Protocol):
    """A client that can be asked for call outcomes (a report), when no webhook brings them."""

    async def async_poll_results(
        self, job_ids: Sequence[str], region: str | None = None
    ) -> list[TelephonyEvent]:
        """Return the outcomes known so far, as `call_status` events."""


@runtime_checkable
class AudioLibraryClient(TelephonyClient, Protocol):
    """A client that keeps uploaded audio files for voice messages."""

    async def async_upload_audio(self, filename: str, content: bytes) -> str:
        """Upload a file; return its audio id."""

    async def async_list_audio(self, start: datetime, end: datetime) -> list[AudioFile]:
        """Return the files uploaded in a time range."""


@runtime_checkable
class RingClient(TelephonyClient, Protocol):
    """A client that can ring phones briefly, as a free alert (tzintuk)."""

    async def async_ring(
        self, numbers: Sequence[str], *, caller_id: str | None = None, seconds: int | None = None
    ) -> Campaign:
        """Ring the numbers; `caller_id="RAND"` rings from a random number that serves as a code."""


@runtime_checkable
class CampaignClient(TelephonyClient, Protocol):
    """A client that can call many numbers and put whoever answers through to an IVR extension."""

    async def async_start_campaign(
        self,
        numbers: Sequence[str],
        ivr_path: str,
        *,
        caller_id: str | None = None,
        seconds: int | None = None,
    ) -> Campaign:
        """Start the campaign."""


@runtime_checkable
class InboxClient(TelephonyClient, Protocol):
    """A client whose incoming SMS are read from an inbox (polled), not pushed."""

    async def async_fetch_incoming_sms(self, region: str | None = None) -> list[TelephonyEvent]:
        """Return the newest incoming SMS, oldest first."""


type WebhookParser = Callable[[WebhookRequest], list[TelephonyEvent]]
type WebhookVerifier = Callable[[WebhookRequest, Mapping[str, Any], str | None], PushSignature]
type ClientFactory = Callable[[aiohttp.ClientSession, Mapping[str, Any]], TelephonyClient | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSpec:
    """A provider as the Home Assistant side sees it."""

    id: str
    brand: str
    model: str
    event_types: frozenset[EventType]
    """What its webhook (or inbox) can produce; entities are created only for these."""
    parse_webhook: WebhookParser
    create_client: ClientFactory
    """Build the API client from the entry's credentials; None when the account has no API access."""
    configuration_url: str
    secret_key: str
    """The credential asked for again when the provider refuses it (reauthentication)."""
    other_secret_keys: tuple[str, ...] = ()
    """Credentials that can stand in for the secret (one of them is enough)."""
    webhook_methods: tuple[str, ...] = ("POST",)
    webhook_basic_auth: bool = False
    """The provider can send HTTP basic auth with its webhook requests."""
    notify_channels: tuple[str, ...] = ()
    """How recipients can be notified (`sms`, `voice`); each recipient gets a notify entity per channel."""
    callback_per_request: bool = False
    """The webhook URL is sent with each request (no URL to paste into the provider's panel)."""
    polled_inbox: bool = False
    """Incoming SMS are read from an inbox at an interval the options set."""
    verify_webhook: WebhookVerifier | None = None
    """Checks the provider's own signature on a push, given the credentials and the webhook URL."""
    upgrade_data: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    """Rewrites what an older version stored (entries of minor version 1) in today's terms."""


def _bulutfon_client(
    session: aiohttp.ClientSession, credentials: Mapping[str, Any]
) -> bulutfon.BulutfonClient | None:
    token = credentials.get(CREDENTIAL_API_TOKEN)
    if not token:
        return None
    return bulutfon.BulutfonClient(session, token, base_url=credentials.get(SETTING_BASE_URL))


def _bulkgate_client(
    session: aiohttp.ClientSession, credentials: Mapping[str, Any]
) -> bulkgate.BulkGateClient:
    return bulkgate.BulkGateClient(
        session,
        credentials[CREDENTIAL_APPLICATION_ID],
        credentials[CREDENTIAL_APPLICATION_TOKEN],
        sender_id=credentials.get(SETTING_SENDER_ID) or bulkgate.DEFAULT_SENDER_TYPE,
        sender_id_value=credentials.get(SETTING_SENDER_ID_VALUE) or None,
        base_url=credentials.get(SETTING_BASE_URL),
    )


def _bulkgate_upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """Store the sender type under its key: older versions stored BulkGate's name (`gSystem`)."""
    upgraded = dict(data)
    if sender_type := data.get(SETTING_SENDER_ID):
        upgraded[SETTING_SENDER_ID] = bulkgate.sender_type_key(sender_type)
    return upgraded


def _netgsm_client(session: aiohttp.ClientSession, credentials: Mapping[str, Any]) -> netgsm.NetgsmClient:
    return netgsm.NetgsmClient(
        session,
        credentials[CREDENTIAL_USERCODE],
        credentials[CREDENTIAL_PASSWORD],
        base_url=credentials.get(SETTING_BASE_URL),
    )


def _huawei_client(session: aiohttp.ClientSession, credentials: Mapping[str, Any]) -> huawei.HuaweiClient:
    return huawei.HuaweiClient(
        session,
        credentials[CREDENTIAL_APP_KEY],
        credentials[CREDENTIAL_APP_SECRET],
        display_number=credentials[SETTING_DISPLAY_NUMBER],
        pre_tone=credentials[SETTING_PRE_TONE],
        post_tone=credentials.get(SETTING_POST_TONE) or None,
        language_type=int(credentials.get(SETTING_LANGUAGE_TYPE) or huawei.CHINESE),
        base_url=credentials.get(SETTING_BASE_URL) or huawei.DEFAULT_BASE_URL,
    )


def _yemot_client(session: aiohttp.ClientSession, credentials: Mapping[str, Any]) -> yemot.YemotClient:
    return yemot.YemotClient(
        session,
        credentials[CREDENTIAL_SYSTEM_NUMBER],
        password=credentials.get(CREDENTIAL_PASSWORD) or None,
        token=credentials.get(CREDENTIAL_TOKEN) or None,
        server=credentials.get(SETTING_SERVER) or yemot.DEFAULT_SERVER,
        base_url=credentials.get(SETTING_BASE_URL),
    )


PROVIDERS: Final[Mapping[str, ProviderSpec]] = {
    bulutfon.PROVIDER: ProviderSpec(
        id=bulutfon.PROVIDER,
        brand="Bulutfon",
        model="Cloud PBX",
        event_types=bulutfon.EVENT_TYPES,
        parse_webhook=bulutfon.parse_webhook,
        create_client=_bulutfon_client,
        configuration_url="https://oim.bulutfon.com",
        secret_key=CREDENTIAL_API_TOKEN,
        webhook_basic_auth=True,
    ),
    bulkgate.PROVIDER: ProviderSpec(
        id=bulkgate.PROVIDER,
        brand="BulkGate",
        model="SMS gateway",
        event_types=bulkgate.EVENT_TYPES,
        parse_webhook=bulkgate.parse_webhook,
        create_client=_bulkgate_client,
        configuration_url="https://portal.bulkgate.com",
        secret_key=CREDENTIAL_APPLICATION_TOKEN,
        # The legacy delivery mode calls once per message with GET.
        webhook_methods=("POST", "GET"),
        notify_channels=("sms",),
        upgrade_data=_bulkgate_upgrade,
    ),
    netgsm.PROVIDER: ProviderSpec(
        id=netgsm.PROVIDER,
        brand="Netgsm",
        model="Voice messages",
        event_types=netgsm.EVENT_TYPES,
        parse_webhook=netgsm.parse_webhook,
        create_client=_netgsm_client,
        configuration_url="https://portal.netgsm.com.tr",
        secret_key=CREDENTIAL_PASSWORD,
        notify_channels=("voice",),
        callback_per_request=True,
    ),
    huawei.PROVIDER: ProviderSpec(
        id=huawei.PROVIDER,
        brand="Huawei Cloud",
        model="Voice Call",
        event_types=huawei.EVENT_TYPES,
        parse_webhook=huawei.parse_webhook,
        create_client=_huawei_client,
        configuration_url="https://console.huaweicloud.com",
        secret_key=CREDENTIAL_APP_SECRET,
        callback_per_request=True,
        verify_webhook=huawei.verify_push,
    ),
    yemot.PROVIDER: ProviderSpec(
        id=yemot.PROVIDER,
        brand="Yemot HaMashiach",
        model="IVR system",
        event_types=yemot.EVENT_TYPES,
        parse_webhook=yemot.parse_webhook,
        create_client=_yemot_client,
        configuration_url="https://www.call2all.co.il",
        secret_key=CREDENTIAL_PASSWORD,
        other_secret_keys=(CREDENTIAL_TOKEN,),
        notify_channels=("voice", "sms"),
        polled_inbox=True,
    ),
}
