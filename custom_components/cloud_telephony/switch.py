"""Switches: each queue agent's pause, and the account's directory listing."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import CallQueue, QueueAgent
from .data import TelephonyConfigEntry
from .entity import TelephonyEntity
from .items import ItemEntity, async_add_item_entities
from .listing import DirectoryListingCoordinator
from .messaging import async_call_provider
from .queues import QueuesCoordinator

# The provider is asked one change at a time.
PARALLEL_UPDATES = 1

AGENT_PAUSED = SwitchEntityDescription(key="agent_paused", translation_key="agent_paused")
DIRECTORY_LISTING = SwitchEntityDescription(
    key="directory_listing", translation_key="directory_listing", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a pause switch per queue agent (as agents come and go) and the listing switch."""
    if (queues := entry.runtime_data.queues) is not None:
        async_add_item_entities(
            hass,
            entry,
            queues,
            async_add_entities,
            queues.agents,
            lambda key: [AgentPausedSwitch(queues, *key)],
        )
    if (listing := entry.runtime_data.listing) is not None:
        async_add_entities([DirectoryListingSwitch(entry, listing)])


class AgentPausedSwitch(ItemEntity[CallQueue], SwitchEntity):
    """On while the agent is paused: the queue does not ring them."""

    coordinator: QueuesCoordinator

    def __init__(self, coordinator: QueuesCoordinator, path: str, agent: str) -> None:
        """Name the switch after the agent, on the queue's device."""
        super().__init__(coordinator, path, AGENT_PAUSED, unique_suffix=f"_{agent}")
        self._agent = agent
        self._attr_translation_placeholders = {"agent": agent}

    @property
    def _member(self) -> QueueAgent | None:
        queue = self.item
        return next((agent for agent in queue.agents if agent.name == self._agent), None) if queue else None

    @property
    def available(self) -> bool:
        """Return whether the agent is still a member of the queue."""
        return super().available and self._member is not None

    @property
    def is_on(self) -> bool | None:
        """Return whether the agent is paused."""
        member = self._member
        return None if member is None else member.paused

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Pause the agent."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Let the agent take calls again."""
        await self._async_set(False)

    async def _async_set(self, paused: bool) -> None:
        entry = self.coordinator.config_entry
        request = self.coordinator.client.async_set_agent_paused(self.key, self._agent, paused)
        await _async_change(self.hass, entry, request, self.coordinator)


class DirectoryListingSwitch(TelephonyEntity, CoordinatorEntity[DirectoryListingCoordinator], SwitchEntity):
    """On while the account is listed in the provider's directory."""

    def __init__(self, entry: TelephonyConfigEntry, coordinator: DirectoryListingCoordinator) -> None:
        """Follow the listing's coordinator, on the account's device."""
        super().__init__(entry, DIRECTORY_LISTING, coordinator=coordinator)

    @property
    def is_on(self) -> bool | None:
        """Return whether the account is listed."""
        return self.coordinator.data

    async def async_turn_on(self, **kwargs: Any) -> None:
        """List the account."""
        request = self.coordinator.client.async_set_directory_listing(True)
        await _async_change(self.hass, self._entry, request, self.coordinator)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Take the account off the directory."""
        request = self.coordinator.client.async_set_directory_listing(False)
        await _async_change(self.hass, self._entry, request, self.coordinator)


async def _async_change(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    request: Awaitable[Any],
    coordinator: QueuesCoordinator | DirectoryListingCoordinator,
) -> None:
    """Ask the provider for the change (a failure: a translated error), then read the state again."""
    await async_call_provider(hass, entry, request)
    await coordinator.async_refresh()
