"""A button per account that sends its provider's first sample: an automation tried without a call."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import TelephonyConfigEntry
from .entity import TelephonyEntity
from .tryout import async_send_test_event

# One press at a time: each records an event.
PARALLEL_UPDATES = 1

SEND_TEST_EVENT = ButtonEntityDescription(
    key="send_test_event", translation_key="send_test_event", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the button where the provider has samples."""
    if entry.runtime_data.provider.samples:
        async_add_entities([SendTestEventButton(entry, SEND_TEST_EVENT)])


class SendTestEventButton(TelephonyEntity, ButtonEntity):
    """Sends the provider's first sample as a test event (`test: true`), as of now."""

    async def async_press(self) -> None:
        """Send the sample through the pipeline, as the provider would."""
        await async_send_test_event(self.hass, self._entry)
