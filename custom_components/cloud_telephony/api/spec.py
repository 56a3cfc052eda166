"""How a provider declares itself: its settings, identity, capabilities, webhook and client.

Each provider module ends with one `SPEC`; the Home Assistant side builds the config flow, the
redaction of diagnostics, the entities and the actions' checks from it, and knows nothing else
about any provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
import json
from typing import Any, Final, Protocol

import aiohttp

from .models import (
    AudioFile,
    Balance,
    CallQueue,
    Campaign,
    Download,
    EventType,
    MediaRef,
    MessageFolder,
    PlacedCalls,
    PushSignature,
    SentMessage,
    SipPhone,
    SmsOptions,
    TelephonyEvent,
    VoiceCode,
    VoiceMessage,
    WebhookRequest,
)

SETTING_BASE_URL: Final = "base_url"
"""Every provider: the API's address, for private servers and proxies (Huawei: the app's address)."""


class TelephonyClient(Protocol):
    """What the Home Assistant side needs of every provider client."""

    async def async_validate(self) -> Any:
        """Check the credentials with a call that has no side effect; raise AuthError if refused."""


class BalanceClient(TelephonyClient, Protocol):
    """A client that can tell the account's remaining credit."""

    async def async_get_balance(self) -> Balance:
        """Return what is left on the account."""


class SmsClient(TelephonyClient, Protocol):
    """A client that can send SMS."""

    async def async_send_sms(self, to: str, text: str, options: SmsOptions | None = None) -> SentMessage:
        """Send one SMS to one number (E.164)."""


class VoiceMessageClient(TelephonyClient, Protocol):
    """A client that can call numbers and play a message (text read out, or audio)."""

    async def async_send_voice_message(self, message: VoiceMessage) -> PlacedCalls:
        """Start the calls; return the provider's job id and the numbers it refused."""


class VoiceCodeClient(TelephonyClient, Protocol):
    """A client that can read a verification code out in a call."""

    async def async_send_voice_code(self, request: VoiceCode) -> PlacedCalls:
        """Call the number and read the code (`repeat` times); return the provider's call or job id."""


class VoiceCancelClient(TelephonyClient, Protocol):
    """A client that can cancel a scheduled voice message."""

    async def async_cancel_voice_message(self, job_id: str) -> None:
        """Cancel a job that has not started."""


class ResultPollingClient(TelephonyClient, Protocol):
    """A client that can be asked for call outcomes (a report), when no webhook brings them."""

    async def async_poll_results(
        self, job_ids: Sequence[str], region: str | None = None
    ) -> list[TelephonyEvent]:
        """Return the outcomes known so far, as `call_status` events."""


class AudioLibraryClient(TelephonyClient, Protocol):
    """A client that keeps uploaded audio files for voice messages."""

    async def async_upload_audio(self, filename: str, content: bytes) -> str:
        """Upload a file; return its audio id."""

    async def async_list_audio(self, start: datetime, end: datetime) -> list[AudioFile]:
        """Return the files uploaded in a time range."""


class RingClient(TelephonyClient, Protocol):
    """A client that can ring phones briefly, as a free alert."""

    async def async_ring(
        self,
        numbers: Sequence[str],
        *,
        caller_id: str | None = None,
        random_caller_id: bool = False,
        seconds: int | None = None,
    ) -> Campaign:
        """Ring the numbers; a random caller id serves as a code the person sees."""


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


class InboxClient(TelephonyClient, Protocol):
    """A client whose incoming SMS are read from an inbox (polled), not pushed."""

    async def async_fetch_incoming_sms(self, region: str | None = None) -> list[TelephonyEvent]:
        """Return the newest incoming SMS, oldest first."""


class DeliveryPollingClient(TelephonyClient, Protocol):
    """A client that is asked how sent SMS fared (a report), when no webhook brings it."""

    async def async_poll_deliveries(
        self, message_ids: Sequence[str], region: str | None = None
    ) -> list[TelephonyEvent]:
        """Return the final delivery outcomes known so far, as `sms_status` events."""


class PhonesClient(TelephonyClient, Protocol):
    """A client that lists the PBX's SIP phones and whether each is registered."""

    async def async_get_phones(self) -> list[SipPhone]:
        """Return every SIP account; raise FeatureUnavailableError where the PBX has no SIP."""


class QueuesClient(TelephonyClient, Protocol):
    """A client that shows a PBX's call queues live and manages them."""

    async def async_get_queue(self, path: str) -> CallQueue:
        """Return who waits in the queue and its agents; raise ProviderError for a path that is not one."""

    async def async_kick_queue_callers(
        self, path: str, call_ids: Sequence[str], target: str | None = None
    ) -> dict[str, str]:
        """Take waiting calls out of the queue (to a folder, if given); return each call's outcome."""

    async def async_set_agent_paused(self, path: str, agent: str, paused: bool) -> None:
        """Pause an agent of the queue, or let them take calls again."""


class VoicemailClient(TelephonyClient, Protocol):
    """A client that reads a PBX's folders where callers leave messages, and fetches the recordings."""

    async def async_get_message_folder(self, path: str) -> MessageFolder:
        """Return how many messages the folder holds and the newest one."""

    async def async_download_message(self, path: str) -> Download:
        """Return a message's recording (its `StoredMessage.path`)."""


class MediaClient(TelephonyClient, Protocol):
    """A client that fetches the files its events announce (faxes, recordings, voicemail)."""

    def media_of(self, event: Mapping[str, Any]) -> MediaRef | None:
        """Return the file an accepted event's data announces, or None."""

    async def async_download_media(self, ref: MediaRef) -> Download:
        """Fetch the file from the provider's API (its content type and size checked)."""


class CallBackClient(TelephonyClient, Protocol):
    """A client that rings one of the PBX's extensions and connects it to a number."""

    async def async_call_back(self, extension: str, number: str, caller_id: str | None = None) -> str:
        """Start the call; return the provider's message."""


class DirectoryListingClient(TelephonyClient, Protocol):
    """A client whose account can be listed in the provider's public directory of numbers."""

    async def async_get_directory_listing(self) -> bool:
        """Return whether the account is listed; raise FeatureUnavailableError without the service."""

    async def async_set_directory_listing(self, listed: bool) -> None:
        """List the account, or take it off the directory."""


class Capability[ClientT: TelephonyClient]:
    """Something a provider's client can do, with the protocol the client then follows.

    Declared in the provider's spec: the Home Assistant side asks the declaration what an account
    can do, and gets the client typed by the protocol.
    """

    __slots__ = ("name", "protocol")

    def __init__(self, name: str, protocol: type[ClientT]) -> None:
        """Name the capability (as actions and diagnostics show it)."""
        self.name = name
        self.protocol = protocol

    def __repr__(self) -> str:
        """Show the name."""
        return f"Capability({self.name})"


BALANCE: Final = Capability("balance", BalanceClient)
SMS: Final = Capability("sms", SmsClient)
VOICE_MESSAGE: Final = Capability("voice_message", VoiceMessageClient)
VOICE_CODE: Final = Capability("voice_code", VoiceCodeClient)
VOICE_CANCEL: Final = Capability("voice_cancel", VoiceCancelClient)
RESULT_POLLING: Final = Capability("result_polling", ResultPollingClient)
AUDIO_LIBRARY: Final = Capability("audio_library", AudioLibraryClient)
RING: Final = Capability("ring", RingClient)
CAMPAIGN: Final = Capability("campaign", CampaignClient)
INBOX: Final = Capability("inbox", InboxClient)
"""Incoming SMS are read from an inbox at an interval the options set, not pushed."""
DELIVERY_POLLING: Final = Capability("delivery_polling", DeliveryPollingClient)
"""The outcomes of sent SMS are asked for at the inbox's interval, not pushed."""
PHONES: Final = Capability("phones", PhonesClient)
"""The PBX's SIP phones, polled: one device each, with its registration."""
QUEUES: Final = Capability("queues", QueuesClient)
"""Call queues the user names, polled: callers waiting, agents paused, callers kicked out."""
VOICEMAIL: Final = Capability("voicemail", VoicemailClient)
"""Folders the user names, polled: messages counted, a new one an event."""
MEDIA: Final = Capability("media", MediaClient)
"""Files its events announce are fetched in the background, stored and offered as media."""
CALL_BACK: Final = Capability("call_back", CallBackClient)
"""An extension of the PBX is rung and connected to a number (a missed call's "call back")."""
DIRECTORY_LISTING: Final = Capability("directory_listing", DirectoryListingClient)
"""A switch for the account's entry in the provider's directory, where the account has the service."""


class FieldKind(StrEnum):
    """How a setting is entered."""

    TEXT = "text"
    SECRET = "secret"
    URL = "url"
    NUMBER = "number"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One setting of an account, asked when it is added and stored in its entry's data.

    Its label and description are the translations of the provider's step, under its key.
    """

    key: str
    kind: FieldKind = FieldKind.TEXT
    required: bool = True
    default: str | int | None = None
    choices: tuple[str, ...] = ()
    """For CHOICE: the stored values; their labels are translated under the field's key."""
    minimum: int | None = None
    maximum: int | None = None
    identity: bool = False
    """It names the account: the entry's unique id comes from it, and it cannot be reconfigured."""
    case_sensitive: bool = True
    """For the identity: whether two values that differ in case name two accounts."""
    private: bool = False
    """Left out of diagnostics; secrets and the identity always are."""

    @property
    def redacted(self) -> bool:
        """Whether diagnostics hide it."""
        return self.private or self.identity or self.kind is FieldKind.SECRET


type WebhookParser = Callable[[WebhookRequest], list[TelephonyEvent]]
type WebhookVerifier = Callable[[WebhookRequest, Mapping[str, Any], str | None], PushSignature]
type ClientFactory = Callable[[aiohttp.ClientSession, Mapping[str, Any]], TelephonyClient | None]
type WebhookReply = Callable[[int, int], tuple[bytes, str]]
"""From (accepted, duplicates) to the body and content type the provider is answered with."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Sample:
    """One of the provider's documented examples, rebuilt for a moment: to try automations with.

    The example stays as the provider documents it, with fresh ids (every try is a new event, never
    a duplicate of an earlier one) and its times moved so that its event happens at the moment
    given. Its name is a translation key: an option of the action that sends it.
    """

    name: str
    request: Callable[[datetime], WebhookRequest]
    """The example as the provider delivers it, for this moment."""
    parse: WebhookParser
    """What reads it: the webhook's parser, or for data that is polled, the parser of the poll's answer."""

    def events(self, moment: datetime, region: str | None) -> list[TelephonyEvent]:
        """Return the example's events at this moment, numbers read in the account's country."""
        return self.parse(replace(self.request(moment), region=region))


@lru_cache(maxsize=64)
def counts_reply(accepted: int, duplicates: int) -> tuple[bytes, str]:
    """Answer with the counts as JSON (the contract's reply); the few common bodies are built once."""
    return json.dumps({"accepted": accepted, "duplicates": duplicates}).encode(), "application/json"


# How a notify recipient can be reached: a text, or a call that reads the message out.
SMS_CHANNEL: Final = "sms"
VOICE_CHANNEL: Final = "voice"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderSpec:
    """A provider as the Home Assistant side sees it."""

    id: str
    brand: str
    model: str
    configuration_url: str
    fields: tuple[Field, ...]
    """What is asked when an account is added, in this order."""
    title: str
    """The entry's title: a format string over the fields' keys and `brand`."""
    default_country: str
    """Where numbers are read when Home Assistant has no country set."""
    event_types: frozenset[EventType]
    """What its webhook (or inbox) can produce; entities are created only for these."""
    parse_webhook: WebhookParser
    create_client: ClientFactory
    """Build the API client from the entry's data; None when the account has no API access."""
    capabilities: frozenset[Capability[Any]] = frozenset()
    secret_key: str
    """The credential asked for again when the provider refuses it (reauthentication)."""
    other_secret_keys: tuple[str, ...] = ()
    """Credentials that can stand in for the secret (one of them is enough)."""
    form_errors: Callable[[Mapping[str, Any]], dict[str, str]] | None = None
    """Checks of the settings together, before the provider is asked: field (or `base`) to error key."""
    account_id: Callable[[Any], str | None] | None = None
    """The account's own id in what `async_validate` returned; it then makes the unique id."""
    webhook_methods: tuple[str, ...] = ("POST",)
    webhook_basic_auth: bool = False
    """The provider can send HTTP basic auth with its webhook requests."""
    webhook_reply: WebhookReply = counts_reply
    result_poll_interval: timedelta = timedelta(seconds=30)
    """With RESULT_POLLING: how often pending calls' outcomes are asked for (within its limits)."""
    callback_per_request: bool = False
    """The webhook URL is sent with each request (no URL to paste into the provider's panel)."""
    takes_webhook: bool = True
    """The provider posts to the webhook (False: everything it reports is polled)."""
    verify_webhook: WebhookVerifier | None = None
    """Checks the provider's own signature on a push, given the entry's data and the webhook URL."""
    upgrade_data: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    """Rewrites what an older version stored (entries of minor version 1) in today's terms."""
    normalize_path: Callable[[str], str] = str.strip
    """With QUEUES or VOICEMAIL: one spelling of a queue's or folder's path, as the options keep it."""
    samples: tuple[Sample, ...] = ()
    """Documented examples of what it sends, the one most worth trying first."""

    @property
    def notify_channels(self) -> tuple[str, ...]:
        """How recipients can be notified: each recipient gets a notify entity per channel."""
        channels = {SMS_CHANNEL: SMS, VOICE_CHANNEL: VOICE_MESSAGE}
        return tuple(name for name, capability in channels.items() if capability in self.capabilities)

    @property
    def identity(self) -> Field:
        """The field that names the account."""
        return next(field for field in self.fields if field.identity)

    @property
    def reconfigurable(self) -> tuple[Field, ...]:
        """What reconfiguration may change: everything but the identity."""
        return tuple(field for field in self.fields if not field.identity)

    @property
    def redacted_keys(self) -> frozenset[str]:
        """The keys of the entry's data that diagnostics hide."""
        return frozenset(field.key for field in self.fields if field.redacted)

    def sample(self, name: str | None = None) -> Sample | None:
        """Return the sample of this name (None: the first), or None when the provider has no such sample."""
        if name is None:
            return self.samples[0] if self.samples else None
        return next((sample for sample in self.samples if sample.name == name), None)

    def can(self, capability: Capability[Any]) -> bool:
        """Return whether the provider's client has this capability."""
        return capability in self.capabilities
