"""Runtime data of a config entry, and the settings read from its options."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import SignalType

from .api import Capability, ProviderSpec, TelephonyClient
from .api.numbers import ContactBook, parse_contacts
from .const import (
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CONTACTS,
    CONF_COUNTRY,
    CONF_RECIPIENTS,
    DOMAIN,
)
from .history import EventHistory

if TYPE_CHECKING:
    from .calls import CallTracker
    from .coordinator import BalanceCoordinator
    from .hub import TelephonyHub
    from .inbox import InboxPoller

type TelephonyConfigEntry = ConfigEntry[TelephonyData]


@dataclass(frozen=True, slots=True)
class EntrySettings:
    """What the webhook needs from the options, parsed once per change of the options."""

    region: str | None
    contacts: ContactBook
    basic_auth: tuple[str, str] | None
    recipients: dict[str, str]
    """Notify recipients: number (as written) to name."""

    @classmethod
    def from_options(cls, options: MappingProxyType[str, Any], default_region: str | None) -> EntrySettings:
        """Build the settings; options were validated by the flow, so a bad line is only skipped."""
        contacts = _parsed(options.get(CONF_CONTACTS, ""))
        username = options.get(CONF_BASIC_AUTH_USERNAME) or ""
        password = options.get(CONF_BASIC_AUTH_PASSWORD) or ""
        return cls(
            region=options.get(CONF_COUNTRY) or default_region,
            contacts=ContactBook(contacts),
            basic_auth=(username, password) if username or password else None,
            recipients=_parsed(options.get(CONF_RECIPIENTS, "")),
        )


def _parsed(text: str) -> dict[str, str]:
    """Parse `number = name` lines; the flow validated them, so a bad list is only dropped."""
    try:
        return parse_contacts(text)
    except ValueError:
        return {}


@dataclass(slots=True)
class TelephonyData:
    """Everything a loaded entry holds while it runs (the webhook side lives in the hub)."""

    hub: TelephonyHub
    provider: ProviderSpec
    client: TelephonyClient | None
    history: EventHistory
    device_id: str
    calls: CallTracker
    balance: BalanceCoordinator | None = None
    inbox: InboxPoller | None = None

    def client_with[ClientT: TelephonyClient](self, capability: Capability[ClientT]) -> ClientT | None:
        """Return the client, typed for the capability, when the provider declares it."""
        return client_with(self.provider, self.client, capability)

    def settings(self, hass: HomeAssistant, entry: TelephonyConfigEntry) -> EntrySettings:
        """Return the options as settings; options are read at use time, so no reload is needed."""
        return self.hub.settings(entry)


def client_with[ClientT: TelephonyClient](
    provider: ProviderSpec, client: TelephonyClient | None, capability: Capability[ClientT]
) -> ClientT | None:
    """Return the client, typed for the capability, when the provider declares it (else None)."""
    if client is None or not provider.can(capability):
        return None
    # The declaration is the provider's promise; a test checks each client class against it.
    return cast("ClientT", client)


@lru_cache(maxsize=256)
def signal_event(entry_id: str, event_type: str) -> SignalType[dict[str, Any]]:
    """Return the dispatcher signal that carries an entry's accepted events of one type.

    One signal per type, so that an event reaches only the entities that show it.
    """
    return SignalType(f"{DOMAIN}_{entry_id}_{event_type}")
