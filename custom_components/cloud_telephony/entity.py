"""Base entities: one service device per entry; most entities are fed by the entry's events."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.translation import async_get_cached_translations

from .api import ProviderSpec
from .const import DOMAIN
from .data import TelephonyConfigEntry, signal_event


@callback
def translated_model(hass: HomeAssistant, key: str, default: str) -> str:
    """Return a device model in the server's language (Home Assistant translates device names only)."""
    strings = async_get_cached_translations(hass, hass.config.language, "common", DOMAIN)
    return strings.get(f"component.{DOMAIN}.common.model_{key}", default)


def device_info(hass: HomeAssistant, entry: ConfigEntry[Any], provider: ProviderSpec) -> DeviceInfo:
    """Describe the entry's service device (also used to create it before the platforms load)."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.entry_id)},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=provider.brand,
        model=translated_model(hass, provider.id, provider.model),
        name=entry.title,
        configuration_url=provider.configuration_url,
    )


def recipient_device_info(entry: TelephonyConfigEntry, subentry_id: str, name: str) -> DeviceInfo:
    """Describe a notify recipient's device (its subentry owns it)."""
    provider = entry.runtime_data.provider
    return DeviceInfo(
        identifiers={(DOMAIN, f"{entry.entry_id}_{subentry_id}")},
        entry_type=DeviceEntryType.SERVICE,
        manufacturer=provider.brand,
        name=name,
    )


class TelephonyEntity(Entity):
    """An entity of one account, on the account's device."""

    _attr_has_entity_name = True

    def __init__(self, entry: TelephonyConfigEntry, description: EntityDescription, **kwargs: Any) -> None:
        """Attach the entity to the entry's device; `kwargs` go to the next base (a coordinator's)."""
        super().__init__(**kwargs)
        self.entity_description = description
        self._entry = entry
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = device_info(entry.runtime_data.hub.hass, entry, entry.runtime_data.provider)


class TelephonyEventListener(TelephonyEntity):
    """An entity that reacts to the account's accepted events of some types."""

    _attr_should_poll = False

    def __init__(
        self,
        entry: TelephonyConfigEntry,
        description: EntityDescription,
        event_types: Iterable[str],
        **kwargs: Any,
    ) -> None:
        """React to the entry's events of these types; `kwargs` go to the next base (the platform's)."""
        super().__init__(entry, description, **kwargs)
        self._listened_event_types = tuple(event_types)

    async def async_added_to_hass(self) -> None:
        """Listen to the entry's events of our types while the entity exists."""
        await super().async_added_to_hass()
        for event_type in self._listened_event_types:
            self.async_on_remove(
                async_dispatcher_connect(
                    self.hass, signal_event(self._entry.entry_id, event_type), self._async_handle_event
                )
            )

    @abstractmethod
    @callback
    def _async_handle_event(self, data: dict[str, Any]) -> None:
        """React to one accepted event of our types."""
