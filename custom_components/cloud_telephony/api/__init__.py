"""Provider clients and webhook parsers for Cloud Telephony; free of Home Assistant imports.

Everything provider specific lives in this package, one module per provider, each declared by
its `SPEC`: the Home Assistant side sees only `TelephonyEvent`s, the specs in `PROVIDERS`, and
the capabilities a spec declares, with the client protocols they stand for.
"""

from __future__ import annotations

from typing import Final

from . import bulkgate, bulutfon, huawei, netgsm, yemot
from .models import (
    AudioFile,
    AuthError,
    Balance,
    CallStatus,
    Campaign,
    Direction,
    EventType,
    InsufficientBalanceError,
    InvalidNumberError,
    IysFilter,
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
from .spec import (
    AUDIO_LIBRARY,
    BALANCE,
    CAMPAIGN,
    INBOX,
    RESULT_POLLING,
    RING,
    SMS,
    VOICE_CANCEL,
    VOICE_CODE,
    VOICE_MESSAGE,
    AudioLibraryClient,
    BalanceClient,
    CampaignClient,
    Capability,
    Field,
    FieldKind,
    InboxClient,
    ProviderSpec,
    ResultPollingClient,
    RingClient,
    SmsClient,
    TelephonyClient,
    VoiceCancelClient,
    VoiceCodeClient,
    VoiceMessageClient,
)

__all__ = [
    "AUDIO_LIBRARY",
    "BALANCE",
    "CAMPAIGN",
    "INBOX",
    "PROVIDERS",
    "RESULT_POLLING",
    "RING",
    "SMS",
    "VOICE_CANCEL",
    "VOICE_CODE",
    "VOICE_MESSAGE",
    "AudioFile",
    "AudioLibraryClient",
    "AuthError",
    "Balance",
    "BalanceClient",
    "CallStatus",
    "Campaign",
    "CampaignClient",
    "Capability",
    "Direction",
    "EventType",
    "Field",
    "FieldKind",
    "InboxClient",
    "InsufficientBalanceError",
    "InvalidNumberError",
    "IysFilter",
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

# In the order the config flow offers them.
PROVIDERS: Final[dict[str, ProviderSpec]] = {
    spec.id: spec for spec in (bulutfon.SPEC, bulkgate.SPEC, netgsm.SPEC, huawei.SPEC, yemot.SPEC)
}
