"""Sensors computed from the entry's event history, so they are right again after a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.generated.currencies import ACTIVE_CURRENCIES
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import CallQueue, CallStatus, EventType, MessageFolder, SipPhone
from .coordinator import BalanceCoordinator
from .data import EntrySettings, TelephonyConfigEntry
from .entity import TelephonyEntity, TelephonyEventListener
from .history import EventHistory
from .items import ItemEntity, ItemsCoordinator
from .phones import async_add_phone_entities
from .queues import waiting_callers
from .recent_calls import CALL_EVENT_TYPES, CallRow

# Push only: nothing is polled.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class TelephonySensorEntityDescription(SensorEntityDescription):
    """A sensor fed by events of one type."""

    event_type: EventType
    """Created only where the provider produces this type; updated when one arrives."""
    value_fn: Callable[[EventHistory, date], StateType]
    attributes_fn: Callable[[EventHistory], Mapping[str, Any] | None] = lambda _: None
    daily: bool = False
    """The value depends on the day: refresh at local midnight."""


def _last_event_sensor(
    key: str,
    event_type: EventType,
    value_key: str,
    *attribute_keys: str,
    device_class: SensorDeviceClass | None = None,
    options: list[str] | None = None,
) -> TelephonySensorEntityDescription:
    """Describe a sensor of the newest event of a type: one of its keys, some others as attributes."""

    def value(history: EventHistory, _today: date) -> StateType:
        last = history.last(event_type)
        return None if last is None else last.get(value_key)

    def attributes(history: EventHistory) -> Mapping[str, Any] | None:
        last = history.last(event_type)
        if last is None:
            return None
        return {"time": last.get("occurred_at") or last.get("received_at")} | {
            name: last.get(name) for name in attribute_keys
        }

    return TelephonySensorEntityDescription(
        key=key,
        translation_key=key,
        event_type=event_type,
        value_fn=value,
        attributes_fn=attributes,
        device_class=device_class,
        options=options,
    )


SENSOR_DESCRIPTIONS: tuple[TelephonySensorEntityDescription, ...] = (
    _last_event_sensor(
        "last_missed_call", EventType.MISSED_CALL, "caller", "callee", "caller_name", "call_id"
    ),
    TelephonySensorEntityDescription(
        key="missed_calls_today",
        translation_key="missed_calls_today",
        event_type=EventType.MISSED_CALL,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=lambda history, today: history.count_on(EventType.MISSED_CALL, today),
        daily=True,
    ),
    _last_event_sensor(
        "last_call_status",
        EventType.CALL_STATUS,
        "status",
        "callee",
        "key_pressed",
        "key_result",
        "duration",
        "call_id",
        device_class=SensorDeviceClass.ENUM,
        options=[str(status) for status in CallStatus],
    ),
    _last_event_sensor(
        "last_sms", EventType.SMS_RECEIVED, "caller", "message", "caller_name", "callee", "in_reply_to"
    ),
    _last_event_sensor("last_fax", EventType.INCOMING_FAX, "caller", "callee", "caller_name", "call_id"),
)


@dataclass(frozen=True, kw_only=True)
class ItemSensorEntityDescription[ItemT](SensorEntityDescription):
    """A value of a polled part of the account (a SIP phone, a queue, a voicemail box)."""

    value_fn: Callable[[ItemT], StateType | datetime]
    attributes_fn: Callable[[ItemT, EntrySettings], Mapping[str, Any]] | None = None


def _phone_detail(
    key: str,
    value_fn: Callable[[SipPhone], StateType | datetime],
    *,
    device_class: SensorDeviceClass | None = None,
    options: list[str] | None = None,
) -> ItemSensorEntityDescription[SipPhone]:
    """Describe a diagnostic sensor of a detail of each SIP phone."""
    return ItemSensorEntityDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=value_fn,
        device_class=device_class,
        options=options,
    )


PHONE_DESCRIPTIONS: tuple[ItemSensorEntityDescription[SipPhone], ...] = (
    _phone_detail("extension", lambda phone: phone.extension),
    _phone_detail(
        "transport",
        lambda phone: phone.transport,
        device_class=SensorDeviceClass.ENUM,
        options=["udp", "wss"],
    ),
    _phone_detail("user_agent", lambda phone: phone.user_agent),
    _phone_detail(
        "registration_expires",
        lambda phone: phone.registration_expires,
        device_class=SensorDeviceClass.TIMESTAMP,
    ),
)

QUEUE_WAITING = ItemSensorEntityDescription[CallQueue](
    key="callers_waiting",
    translation_key="callers_waiting",
    state_class=SensorStateClass.MEASUREMENT,
    value_fn=lambda queue: len(queue.callers),
    attributes_fn=lambda queue, settings: {
        "longest_wait": max((caller.wait or 0 for caller in queue.callers), default=None),
        "callers": waiting_callers(queue, settings),
        "agents": len(queue.agents),
        "completed": queue.completed,
        "abandoned": queue.abandoned,
    },
)


def _newest_message(folder: MessageFolder, settings: EntrySettings) -> Mapping[str, Any]:
    message = folder.newest
    if message is None:
        return {}
    caller = settings.normalize(message.caller)
    return {
        "caller": caller,
        "caller_name": settings.contacts.name_for(caller),
        "duration": message.duration,
        "file_name": message.name,
    }


VOICEMAIL_DESCRIPTIONS: tuple[ItemSensorEntityDescription[MessageFolder], ...] = (
    ItemSensorEntityDescription(
        key="messages",
        translation_key="messages",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda folder: folder.messages,
    ),
    ItemSensorEntityDescription(
        key="newest_message",
        translation_key="newest_message",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda folder: folder.newest.received_at if folder.newest else None,
        attributes_fn=_newest_message,
    ),
)

# A count with a unit: the logbook leaves such sensors out, so a call is not told there again
# (its event says it); without a state class, no statistics are kept of it.
RECENT_CALLS_DESCRIPTION = SensorEntityDescription(key="recent_calls", translation_key="recent_calls")

BALANCE_DESCRIPTION = SensorEntityDescription(
    key="balance",
    translation_key="balance",
    state_class=SensorStateClass.MEASUREMENT,
    suggested_display_precision=2,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this provider can feed."""
    produced = entry.runtime_data.provider.event_types
    sensors: list[SensorEntity] = [
        TelephonySensor(entry, description)
        for description in SENSOR_DESCRIPTIONS
        if description.event_type in produced
    ]
    if call_events := CALL_EVENT_TYPES & produced:
        sensors.append(RecentCallsSensor(entry, call_events))
    if (balance := entry.runtime_data.balance) is not None:
        sensors.append(BalanceSensor(entry, balance))
    async_add_entities(sensors)
    async_add_phone_entities(
        hass,
        entry,
        async_add_entities,
        lambda coordinator, account_id: [
            ItemSensor(coordinator, account_id, description) for description in PHONE_DESCRIPTIONS
        ],
    )
    if (queues := entry.runtime_data.queues) is not None:
        async_add_entities(ItemSensor(queues, path, QUEUE_WAITING) for path in queues.paths)
    if (voicemail := entry.runtime_data.voicemail) is not None:
        async_add_entities(
            ItemSensor(voicemail, path, description)
            for path in voicemail.paths
            for description in VOICEMAIL_DESCRIPTIONS
        )


class TelephonySensor(TelephonyEventListener, SensorEntity):
    """A value derived from the persisted history, refreshed by events (and at midnight)."""

    entity_description: TelephonySensorEntityDescription

    def __init__(self, entry: TelephonyConfigEntry, description: TelephonySensorEntityDescription) -> None:
        """Follow the one event type behind the value."""
        super().__init__(entry, description, (description.event_type,))

    async def async_added_to_hass(self) -> None:
        """Also refresh at local midnight when the value is per day."""
        await super().async_added_to_hass()
        if self.entity_description.daily:
            self.async_on_remove(
                async_track_time_change(self.hass, self._async_new_day, hour=0, minute=0, second=0)
            )

    @property
    def native_value(self) -> StateType:
        """Return the value computed from the history."""
        return self.entity_description.value_fn(self._entry.runtime_data.history, dt_util.now().date())

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return details of the newest event behind the value."""
        return self.entity_description.attributes_fn(self._entry.runtime_data.history)

    @callback
    def _async_handle_event(self, data: dict[str, Any]) -> None:
        self.async_write_ha_state()

    @callback
    def _async_new_day(self, _now: datetime) -> None:
        self.async_write_ha_state()


class RecentCallsSensor(TelephonyEventListener, SensorEntity):
    """How many calls are listed; the last calls, one row each, as the `calls` attribute."""

    # Rewritten with every event of a call: kept out of the recorder's database.
    _unrecorded_attributes = frozenset({"calls"})

    def __init__(self, entry: TelephonyConfigEntry, event_types: Iterable[str]) -> None:
        """Follow every event of a call this provider produces."""
        super().__init__(entry, RECENT_CALLS_DESCRIPTION, sorted(event_types))

    @property
    def native_value(self) -> int:
        """Return how many calls are listed."""
        return len(self._entry.runtime_data.history.recent_calls)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any]:
        """Return the calls, newest first; names from the contacts as they are now."""
        contacts = self._entry.runtime_data.settings(self.hass, self._entry).contacts
        return {
            "calls": [
                _call_attributes(row, contacts.name_for(row.caller), contacts.name_for(row.callee))
                for row in self._entry.runtime_data.history.recent_calls
            ]
        }

    @callback
    def _async_handle_event(self, data: dict[str, Any]) -> None:
        self.async_write_ha_state()


def _call_attributes(row: CallRow, caller_name: str | None, callee_name: str | None) -> dict[str, Any]:
    return {
        "time": dt_util.as_local(row.started).isoformat(),
        "direction": row.direction,
        "caller": row.caller,
        "caller_name": caller_name or row.caller_name,
        "callee": row.callee,
        "callee_name": callee_name or row.callee_name,
        "duration": row.duration,
        "status": None if row.status is None else str(row.status),
        "call_id": row.call_id,
        "test": row.test,
    }


class BalanceSensor(TelephonyEntity, CoordinatorEntity[BalanceCoordinator], SensorEntity):
    """The account's remaining credit, polled hourly and updated after each send."""

    def __init__(self, entry: TelephonyConfigEntry, coordinator: BalanceCoordinator) -> None:
        """Follow the balance coordinator; a balance in a currency is money, credits and units are not."""
        super().__init__(entry, BALANCE_DESCRIPTION, coordinator=coordinator)
        if coordinator.data.unit in ACTIVE_CURRENCIES:
            self._attr_device_class = SensorDeviceClass.MONETARY
            # Money is never a measurement in Home Assistant; a balance that rises and falls is a total.
            self._attr_state_class = SensorStateClass.TOTAL

    @property
    def native_value(self) -> float:
        """Return the remaining credit."""
        return self.coordinator.data.amount

    @property
    def native_unit_of_measurement(self) -> str:
        """Return the provider's unit (credits, a currency, units)."""
        return self.coordinator.data.unit


class ItemSensor[ItemT](ItemEntity[ItemT], SensorEntity):
    """A value of a polled part of the account, as the last poll saw it."""

    # Who waits changes with every poll of a queue: kept out of the recorder's history.
    _unrecorded_attributes = frozenset({"callers", "longest_wait"})

    entity_description: ItemSensorEntityDescription[ItemT]

    def __init__(
        self, coordinator: ItemsCoordinator[ItemT], key: str, description: ItemSensorEntityDescription[ItemT]
    ) -> None:
        """Describe the value of the part with this key."""
        super().__init__(coordinator, key, description)

    @property
    def native_value(self) -> StateType | datetime:
        """Return the value."""
        item = self.item
        return None if item is None else self.entity_description.value_fn(item)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Return details of the part (numbers matched to the account's contacts)."""
        item = self.item
        attributes_fn = self.entity_description.attributes_fn
        if item is None or attributes_fn is None:
            return None
        entry = self.coordinator.config_entry
        return attributes_fn(item, entry.runtime_data.settings(self.hass, entry))
