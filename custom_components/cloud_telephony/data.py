"""Runtime data of a config entry, and the settings read from its options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.dispatcher import SignalType

from .api import Capability, ProviderSpec, TelephonyClient
from .api.numbers import ContactBook, normalize_number
from .api.payload import only_digits
from .const import (
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CHANNELS,
    CONF_COUNTRY,
    CONF_NUMBER,
    DOMAIN,
    SUBENTRY_CONTACT,
    SUBENTRY_RECIPIENT,
)
from .history import EventHistory

if TYPE_CHECKING:
    from .calls import CallTracker
    from .coordinator import BalanceCoordinator
    from .deliveries import DeliveryPoller
    from .downloads import MediaDownloader
    from .hub import TelephonyHub
    from .inbox import InboxPoller
    from .listing import DirectoryListingCoordinator
    from .phones import PhonesCoordinator
    from .queues import QueuesCoordinator
    from .voicemail import VoicemailCoordinator

type TelephonyConfigEntry = ConfigEntry[TelephonyData]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A notify recipient (a subentry): who, and over which channels."""

    subentry_id: str
    number: str
    name: str
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntrySettings:
    """What the webhook needs from the options and subentries, read once per setup of the entry."""

    region: str | None
    contacts: ContactBook
    basic_auth: tuple[str, str] | None
    recipients: tuple[Recipient, ...]

    def normalize(self, number: str | None) -> str | None:
        """Return a number in E.164 where it parses in the account's country, else as written."""
        return normalize_number(number, self.region) or number

    @classmethod
    def from_entry(cls, entry: ConfigEntry[Any], default_region: str | None) -> EntrySettings:
        """Build the settings from the entry's options and its contact and recipient subentries."""
        options = entry.options
        username = options.get(CONF_BASIC_AUTH_USERNAME) or ""
        password = options.get(CONF_BASIC_AUTH_PASSWORD) or ""
        subentries = entry.subentries.values()
        return cls(
            region=options.get(CONF_COUNTRY) or default_region,
            contacts=ContactBook(
                (sub.data[CONF_NUMBER], sub.data[CONF_NAME])
                for sub in subentries
                if sub.subentry_type == SUBENTRY_CONTACT
            ),
            basic_auth=(username, password) if username or password else None,
            recipients=tuple(
                Recipient(
                    sub.subentry_id,
                    sub.data[CONF_NUMBER],
                    sub.data[CONF_NAME],
                    tuple(sub.data[CONF_CHANNELS]),
                )
                for sub in subentries
                if sub.subentry_type == SUBENTRY_RECIPIENT
            ),
        )


def recipient_unique_id(entry_id: str, channel: str, number: str) -> str:
    """Return the unique id of a recipient's notify entity for one channel."""
    return f"{entry_id}_{channel}_{only_digits(number) or number}"


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
    deliveries: DeliveryPoller | None = None
    phones: PhonesCoordinator | None = None
    queues: QueuesCoordinator | None = None
    voicemail: VoicemailCoordinator | None = None
    listing: DirectoryListingCoordinator | None = None
    media: MediaDownloader | None = None

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


def configured_paths(provider: ProviderSpec, value: Any) -> list[str]:
    """Return the paths the options name, each once, in the provider's spelling."""
    written = value if isinstance(value, list) else []
    return list(dict.fromkeys(provider.normalize_path(str(path)) for path in written if str(path).strip()))


def interval(options: Mapping[str, Any], key: str, default: timedelta) -> timedelta:
    """Return a polling interval the options set (seconds), else the default."""
    seconds = options.get(key)
    return timedelta(seconds=seconds) if isinstance(seconds, int | float) and seconds > 0 else default
