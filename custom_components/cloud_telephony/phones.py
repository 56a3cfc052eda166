"""A PBX's SIP phones: polled, a device each (under the account's), added and removed as the PBX does."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator, UpdateFailed

from .api import PhonesClient, SipPhone
from .compat import via_device
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .errors import provider_errors

# A phone that lost its registration is news within a minute.
PHONES_INTERVAL: Final = timedelta(minutes=1)


class PhonesCoordinator(DataUpdateCoordinator[dict[str, SipPhone]]):
    """Fetches the PBX's SIP accounts with their registration, by account id."""

    config_entry: TelephonyConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: TelephonyConfigEntry, client: PhonesClient, brand: str
    ) -> None:
        """Poll every minute."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} phones",
            update_interval=PHONES_INTERVAL,
        )
        self.client = client
        self.brand = brand

    async def _async_update_data(self) -> dict[str, SipPhone]:
        with provider_errors(self.brand, UpdateFailed, "phones_failed"):
            phones = await self.client.async_get_phones()
        return {phone.account_id: phone for phone in phones}


def phone_device_id(entry: TelephonyConfigEntry, account_id: str) -> tuple[str, str]:
    """Return the device identifier of a phone of the account."""
    return (DOMAIN, f"{entry.entry_id}_sip_{account_id}")


@callback
def async_remove_stale_phones(
    hass: HomeAssistant, entry: TelephonyConfigEntry, coordinator: PhonesCoordinator
) -> None:
    """Remove the devices of phones the PBX no longer has (after a successful poll only)."""
    if not coordinator.last_update_success or coordinator.data is None:
        return
    current = {phone_device_id(entry, account_id) for account_id in coordinator.data}
    registry = dr.async_get(hass)
    prefix = f"{entry.entry_id}_sip_"
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if any(domain == DOMAIN and name.startswith(prefix) for domain, name in device.identifiers) and not (
            device.identifiers & current
        ):
            registry.async_remove_device(device.id)


class PhoneEntity(CoordinatorEntity[PhonesCoordinator]):
    """An entity of one SIP phone, on the phone's own device."""

    _attr_has_entity_name = True

    def __init__(
        self,
        entry: TelephonyConfigEntry,
        coordinator: PhonesCoordinator,
        account_id: str,
        description: EntityDescription,
    ) -> None:
        """Attach the entity to the phone's device, under the account's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._account_id = account_id
        self._attr_unique_id = f"{entry.entry_id}_sip_{account_id}_{description.key}"
        phone = coordinator.data[account_id]
        device = DeviceInfo(
            identifiers={phone_device_id(entry, account_id)},
            manufacturer=entry.runtime_data.provider.brand,
            model=phone.user_agent or "SIP",
            translation_key="sip_phone",
            translation_placeholders={"name": phone.extension or account_id},
        )
        device.update(via_device(entry.runtime_data.device_id, (DOMAIN, entry.entry_id)))
        self._attr_device_info = device

    @property
    def phone(self) -> SipPhone | None:
        """Return the phone as the last poll saw it (None once the PBX no longer has it)."""
        return (self.coordinator.data or {}).get(self._account_id)

    @property
    def available(self) -> bool:
        """Return whether the phone exists and the last poll worked."""
        return super().available and self.phone is not None


def async_add_phone_entities(
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    build: Callable[[PhonesCoordinator, str], Iterable[PhoneEntity]],
) -> None:
    """Add a platform's entities for each phone, now and whenever the PBX gets a new one."""
    coordinator = entry.runtime_data.phones
    if coordinator is None:
        return
    known: set[str] = set()

    @callback
    def add_new() -> None:
        present = set(coordinator.data or {})
        # A phone removed from the PBX lost its device and entities; should it come back, anew.
        known.intersection_update(present)
        new = [account_id for account_id in present if account_id not in known]
        known.update(new)
        if new:
            async_add_entities(entity for account_id in new for entity in build(coordinator, account_id))

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
