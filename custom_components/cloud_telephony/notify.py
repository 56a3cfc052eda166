"""Notify entities: one per recipient (from the options) and channel the provider offers."""

from __future__ import annotations

from homeassistant.components.notify import NotifyEntity, NotifyEntityDescription, NotifyEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import SmsClient, SmsOptions
from .api.numbers import normalize_number
from .data import TelephonyConfigEntry
from .entity import TelephonyEntity
from .messaging import async_send_sms

# Each message is one request to the provider; one at a time per entity keeps its rate sane.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an SMS notify entity per recipient when the account can send SMS."""
    runtime = entry.runtime_data
    client = runtime.client
    if "sms" not in runtime.provider.notify_channels or not isinstance(client, SmsClient):
        return
    settings = runtime.settings(hass, entry)
    async_add_entities(
        SmsNotifyEntity(entry, client, normalize_number(number, settings.region) or number, name)
        for number, name in settings.recipients.items()
    )


class SmsNotifyEntity(TelephonyEntity, NotifyEntity):
    """Texts one recipient: `notify.send_message` with a message (and an optional title)."""

    _attr_supported_features = NotifyEntityFeature.TITLE

    def __init__(self, entry: TelephonyConfigEntry, client: SmsClient, number: str, name: str) -> None:
        """Bind the entity to one recipient."""
        digits = "".join(char for char in number if char.isdigit()) or number
        super().__init__(entry, NotifyEntityDescription(key=f"sms_{digits}", translation_key="sms_recipient"))
        self._attr_translation_placeholders = {"recipient": name}
        self._client = client
        self._number = number

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message (the title first, on its own line) as an SMS."""
        text = f"{title}\n{message}" if title else message
        settings = self._entry.runtime_data.settings(self.hass, self._entry)
        await async_send_sms(
            self.hass, self._entry, self._client, [self._number], text, SmsOptions(country=settings.region)
        )
