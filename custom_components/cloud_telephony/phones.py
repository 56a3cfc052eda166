"""A PBX's SIP phones: polled, a device each (under the account's), added and removed as the PBX does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import PhonesClient, SipPhone
from .data import TelephonyConfigEntry
from .errors import provider_errors
from .items import ItemEntity, ItemsCoordinator, async_add_item_entities


class PhonesCoordinator(ItemsCoordinator[SipPhone]):
    """Fetches the PBX's SIP accounts with their registration, by account id."""

    kind = "sip"

    def __init__(
        self, hass: HomeAssistant, entry: TelephonyConfigEntry, client: PhonesClient, interval: timedelta
    ) -> None:
        """Poll at the interval the options set."""
        super().__init__(hass, entry, interval)
        self.client = client

    async def _async_update_data(self) -> dict[str, SipPhone]:
        with provider_errors(
            self.hass, self.config_entry.runtime_data.provider.brand, UpdateFailed, "phones_failed"
        ):
            phones = await self.client.async_get_phones()
        return {phone.account_id: phone for phone in phones}

    def kept_keys(self) -> set[str]:
        """Keep the devices of the phones the PBX has."""
        return set(self.data or {})

    def device_details(self, key: str) -> DeviceInfo:
        """Name the phone after its extension; its model is the phone's user agent."""
        phone = (self.data or {}).get(key)
        return DeviceInfo(
            manufacturer=None,
            model=(phone.user_agent if phone else None) or "SIP",
            translation_key="sip_phone",
            translation_placeholders={"name": (phone.extension if phone else None) or key},
        )


class PhoneEntity(ItemEntity[SipPhone]):
    """An entity of one SIP phone, on the phone's own device."""

    @property
    def phone(self) -> SipPhone | None:
        """Return the phone as the last poll saw it (None once the PBX no longer has it)."""
        return self.item


def async_add_phone_entities(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[PhonesCoordinator, str], Iterable[Entity]],
) -> None:
    """Add a platform's entities for each phone, now and whenever the PBX gets a new one."""
    if (coordinator := entry.runtime_data.phones) is not None:
        async_add_item_entities(
            hass,
            entry,
            coordinator,
            async_add_entities,
            lambda: coordinator.data or {},
            lambda account_id: build(coordinator, account_id),
        )
