"""The account's entry in the provider's public directory of numbers, where it has the service."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import DirectoryListingClient
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .errors import provider_errors


class DirectoryListingCoordinator(DataUpdateCoordinator[bool]):
    """Reads whether the account is listed."""

    config_entry: TelephonyConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: DirectoryListingClient,
        interval: timedelta,
    ) -> None:
        """Poll with the phones: a change made in the provider's panel shows within the interval."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title} listing", update_interval=interval
        )
        self.client = client

    async def _async_update_data(self) -> bool:
        brand = self.config_entry.runtime_data.provider.brand
        with provider_errors(self.hass, brand, UpdateFailed, "listing_failed"):
            return await self.client.async_get_directory_listing()
