"""Polled data: the account balance, which the balance sensor shows."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import Balance, BalanceClient
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .errors import provider_errors

# Balances change with use, which the integration sees itself after each send; an hourly
# check catches top-ups and spending elsewhere.
BALANCE_INTERVAL = timedelta(hours=1)


class BalanceCoordinator(DataUpdateCoordinator[Balance]):
    """Fetches the remaining credit; also the setup-time credential check of such providers."""

    config_entry: TelephonyConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: TelephonyConfigEntry, client: BalanceClient, brand: str
    ) -> None:
        """Poll the client hourly."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} balance",
            update_interval=BALANCE_INTERVAL,
        )
        self.client = client
        self.brand = brand

    async def _async_update_data(self) -> Balance:
        with provider_errors(self.hass, self.brand, UpdateFailed, "balance_failed"):
            return await self.client.async_get_balance()

    @callback
    def async_set_remaining(self, amount: float) -> None:
        """Take the remaining credit a send reported, instead of waiting for the next poll."""
        if self.data is not None:
            self.async_set_updated_data(Balance(amount=amount, unit=self.data.unit))
