"""Parts of an account that are polled and get a device each: SIP phones, call queues, voicemail boxes.

One coordinator per kind of part: its data maps each part's key to what the last poll saw. The
parts' devices hang under the account's device, their entities come and go with the parts.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Awaitable, Callable, Hashable, Iterable
from datetime import timedelta
from typing import Any, ClassVar, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, DataUpdateCoordinator, UpdateFailed

from .api import InsufficientBalanceError, ProviderError, ProviderFailedError, RateLimitedError
from .compat import via_device
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .entity import translated_model
from .errors import provider_errors


class ItemsCoordinator[ItemT](DataUpdateCoordinator[dict[str, ItemT]]):
    """Polls one kind of part of the account; its data: each part's key to the part."""

    config_entry: TelephonyConfigEntry
    kind: ClassVar[str]
    """In the parts' device identifiers and unique ids (`<entry_id>_<kind>_<key>`)."""

    def __init__(self, hass: HomeAssistant, entry: TelephonyConfigEntry, interval: timedelta) -> None:
        """Poll at the interval (the options')."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} {self.kind}",
            update_interval=interval,
        )

    @abstractmethod
    def device_details(self, key: str) -> DeviceInfo:
        """Return the part's device name (translated) and model."""

    @abstractmethod
    def kept_keys(self) -> set[str]:
        """Return the parts whose devices stay: those that exist or are configured."""

    def device_identifier(self, key: str) -> tuple[str, str]:
        """Return the identifier of a part's device."""
        return (DOMAIN, f"{self.config_entry.entry_id}_{self.kind}_{key}")

    @callback
    def async_remove_stale_devices(self) -> None:
        """Remove the devices of parts that are gone (after a successful poll only)."""
        if self.last_update_success and self.data is not None:
            async_remove_devices_except(self.hass, self.config_entry, self.kind, self.kept_keys())


@callback
def async_remove_devices_except(
    hass: HomeAssistant, entry: TelephonyConfigEntry, kind: str, kept: Iterable[str]
) -> None:
    """Remove the entry's devices of a kind of part, but those of the kept keys."""
    prefix = f"{entry.entry_id}_{kind}_"
    kept_names = {prefix + key for key in kept}
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        names = {name for domain, name in device.identifiers if domain == DOMAIN}
        if any(name.startswith(prefix) for name in names) and not names & kept_names:
            registry.async_remove_device(device.id)


# Answers that say the provider failed or is not serving now, not that it refuses the path: the
# poll fails and is tried again, nothing is marked refused.
_TRANSIENT_ERRORS: Final = (ProviderFailedError, RateLimitedError, InsufficientBalanceError)


class PathsCoordinator[ItemT](ItemsCoordinator[ItemT]):
    """Polls parts the user names by path (queues, folders), each on its own.

    A path the provider refuses (not a queue, no rights) is left out of the data, so that its
    entities are unavailable, and a repair says why; the other paths go on working. A connection
    failure fails the whole poll.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        interval: timedelta,
        paths: Iterable[str],
        read: Callable[[str], Awaitable[ItemT]],
    ) -> None:
        """Read each path with `read`."""
        super().__init__(hass, entry, interval)
        self.paths = tuple(paths)
        self._read = read
        self.refused: dict[str, str] = {}

    def kept_keys(self) -> set[str]:
        """Keep the devices of every configured path, also of one refused for now."""
        return set(self.paths)

    def device_details(self, key: str) -> DeviceInfo:
        """Name the device after its path."""
        return DeviceInfo(
            translation_key=self.kind,
            translation_placeholders={"path": key or "/"},
            model=translated_model(self.hass, self.kind, self.kind),
        )

    async def _async_update_data(self) -> dict[str, ItemT]:
        brand = self.config_entry.runtime_data.provider.brand
        found: dict[str, ItemT] = {}
        # A refused credential or a connection failure fails the poll; a refusal of a path, the path.
        with provider_errors(self.hass, brand, UpdateFailed, f"{self.kind}_failed"):
            for path in self.paths:
                try:
                    found[path] = await self._read(path)
                except ProviderError as err:
                    if isinstance(err, _TRANSIENT_ERRORS):
                        raise
                    self._async_refused(path, str(err))
                    # What it was stays known, so that its entities (a queue's agents) are kept,
                    # unavailable, until the path is taken out of the options.
                    if (known := (self.data or {}).get(path)) is not None:
                        found[path] = known
                else:
                    self._async_works(path)
        return found

    def _issue_id(self, path: str) -> str:
        return f"{self.config_entry.entry_id}_{self.kind}_{path}"

    @callback
    def _async_refused(self, path: str, reason: str) -> None:
        if self.refused.get(path) != reason:
            LOGGER.warning("%s refused to show %s %s: %s", self.config_entry.title, self.kind, path, reason)
        self.refused[path] = reason
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(path),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=f"{self.kind}_refused",
            translation_placeholders={
                "account": self.config_entry.title,
                "path": path or "/",
                "reason": reason,
            },
        )

    @callback
    def _async_works(self, path: str) -> None:
        if self.refused.pop(path, None) is not None:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(path))

    @callback
    def async_delete_issues(self) -> None:
        """Delete the repairs of every path (the entry is unloaded, its paths may change)."""
        for path in self.paths:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(path))


class ItemEntity[ItemT](CoordinatorEntity[ItemsCoordinator[ItemT]]):
    """An entity of one part, on the part's own device under the account's."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: ItemsCoordinator[ItemT],
        key: str,
        description: EntityDescription,
        unique_suffix: str = "",
    ) -> None:
        """Attach the entity to the part's device (`unique_suffix`: one of several alike, an agent)."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self.entity_description = description
        self.key = key
        self._attr_unique_id = f"{entry.entry_id}_{coordinator.kind}_{key}_{description.key}{unique_suffix}"
        device = coordinator.device_details(key)
        device["identifiers"] = {coordinator.device_identifier(key)}
        # A phone has its own maker (its user agent says the model); a queue or box is the provider's.
        device.setdefault("manufacturer", entry.runtime_data.provider.brand)
        device.update(via_device(entry.runtime_data.device_id, (DOMAIN, entry.entry_id)))
        self._attr_device_info = device

    @property
    def item(self) -> ItemT | None:
        """Return the part as the last poll saw it (None: gone, or refused)."""
        return (self.coordinator.data or {}).get(self.key)

    @property
    def available(self) -> bool:
        """Return whether the part exists, the last poll worked and the provider showed the part."""
        refused = getattr(self.coordinator, "refused", {})
        return super().available and self.item is not None and self.key not in refused


def async_add_item_entities[KeyT: Hashable](
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    coordinator: DataUpdateCoordinator[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
    keys: Callable[[], Iterable[KeyT]],
    build: Callable[[KeyT], Iterable[Entity]],
) -> None:
    """Add a platform's entities for each key, now and after each poll; remove those of keys gone."""
    created: dict[KeyT, list[Entity]] = {}

    @callback
    def update() -> None:
        if not coordinator.last_update_success:
            return
        present = set(keys())
        registry = er.async_get(hass)
        for key in [key for key in created if key not in present]:
            for entity in created.pop(key):
                if entity.entity_id and registry.async_get(entity.entity_id) is not None:
                    registry.async_remove(entity.entity_id)
        new = {key: list(build(key)) for key in present if key not in created}
        created.update(new)
        if entities := [entity for group in new.values() for entity in group]:
            async_add_entities(entities)

    update()
    entry.async_on_unload(coordinator.async_add_listener(update))
