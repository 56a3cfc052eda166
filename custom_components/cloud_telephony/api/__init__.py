"""Provider clients and webhook parsers for Cloud Telephony; free of Home Assistant imports.

Everything provider specific lives in this package: the Home Assistant side sees only
`TelephonyEvent`s, the `ProviderSpec` registry below and the clients' small interfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

import aiohttp

from . import bulutfon
from .models import (
    AuthError,
    CallStatus,
    Direction,
    EventType,
    PayloadError,
    ProviderConnectionError,
    ProviderError,
    TelephonyError,
    TelephonyEvent,
    WebhookRequest,
)

__all__ = [
    "PROVIDERS",
    "AuthError",
    "CallStatus",
    "Direction",
    "EventType",
    "PayloadError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderSpec",
    "TelephonyClient",
    "TelephonyError",
    "TelephonyEvent",
    "WebhookRequest",
]

CREDENTIAL_API_TOKEN: Final = "api_token"


class TelephonyClient(Protocol):
    """What the Home Assistant side needs of every provider client."""

    async def async_validate(self) -> Any:
        """Check the credentials with a call that has no side effect; raise AuthError if refused."""


type WebhookParser = Callable[[WebhookRequest], list[TelephonyEvent]]
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


def _bulutfon_client(
    session: aiohttp.ClientSession, credentials: Mapping[str, Any]
) -> bulutfon.BulutfonClient | None:
    token = credentials.get(CREDENTIAL_API_TOKEN)
    return bulutfon.BulutfonClient(session, token) if token else None


PROVIDERS: Final[Mapping[str, ProviderSpec]] = {
    bulutfon.PROVIDER: ProviderSpec(
        id=bulutfon.PROVIDER,
        brand="Bulutfon",
        model="Cloud PBX",
        event_types=bulutfon.EVENT_TYPES,
        parse_webhook=bulutfon.parse_webhook,
        create_client=_bulutfon_client,
        configuration_url="https://oim.bulutfon.com",
    ),
}
