"""Binary sensors: whether each of the PBX's SIP phones is registered."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity, BinarySensorEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import BinarySensorDeviceClass
from .data import TelephonyConfigEntry
from .phones import PhoneEntity, async_add_phone_entities

# Polled by the phones coordinator.
PARALLEL_UPDATES = 0

REGISTERED = BinarySensorEntityDescription(
    key="registered", translation_key="registered", device_class=BinarySensorDeviceClass.CONNECTIVITY
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a registration sensor for each SIP phone, also for phones the PBX gets later."""
    async_add_phone_entities(
        hass,
        entry,
        async_add_entities,
        lambda coordinator, account_id: [RegisteredSensor(coordinator, account_id, REGISTERED)],
    )


class RegisteredSensor(PhoneEntity, BinarySensorEntity):
    """On while the phone is registered at the PBX (it can take calls)."""

    @property
    def is_on(self) -> bool | None:
        """Return whether the PBX has a registration of the phone."""
        return None if self.phone is None else self.phone.registered
