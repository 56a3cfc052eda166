"""Notify entities: one per recipient (from the options) and channel the provider offers."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.components.notify import NotifyEntity, NotifyEntityDescription
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    SMS,
    VOICE_MESSAGE,
    PlacedCalls,
    Prompt,
    RequestValidationError,
    SmsClient,
    SmsOptions,
    TelephonyClient,
    VoiceMessage,
    VoiceMessageClient,
)
from .api.numbers import normalize_number
from .api.payload import only_digits
from .compat import NotifyEntityFeature
from .data import TelephonyConfigEntry
from .entity import TelephonyEntity
from .messaging import async_place_calls, async_send_sms, translated_error

# Each message is one request to the provider; one at a time per entity keeps its rate sane.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a notify entity per recipient and channel the account can use."""
    runtime = entry.runtime_data
    settings = runtime.settings(hass, entry)
    entities: list[NotifyEntity] = []
    for number, name in settings.recipients.items():
        recipient = normalize_number(number, settings.region) or number
        if (sms := runtime.client_with(SMS)) is not None:
            entities.append(SmsNotifyEntity(entry, sms, recipient, name))
        if (voice := runtime.client_with(VOICE_MESSAGE)) is not None:
            entities.append(VoiceNotifyEntity(entry, voice, recipient, name))
    # A recipient taken out of the options takes its entities with it.
    wanted = {entity.unique_id for entity in entities}
    registry = er.async_get(hass)
    for registered in er.async_entries_for_config_entry(registry, entry.entry_id):
        if registered.domain == Platform.NOTIFY and registered.unique_id not in wanted:
            registry.async_remove(registered.entity_id)
    async_add_entities(entities)


class _RecipientNotifyEntity(TelephonyEntity, NotifyEntity):
    """Notifies one recipient over one channel; the title, when given, comes first."""

    _attr_supported_features = NotifyEntityFeature.TITLE
    _channel: str

    def __init__(self, entry: TelephonyConfigEntry, client: TelephonyClient, number: str, name: str) -> None:
        """Bind the entity to one recipient."""
        digits = only_digits(number) or number
        description = NotifyEntityDescription(
            key=f"{self._channel}_{digits}", translation_key=f"{self._channel}_recipient"
        )
        super().__init__(entry, description)
        self._attr_translation_placeholders = {"recipient": name}
        self._number = number

    @staticmethod
    def _text(message: str, title: str | None) -> str:
        return f"{title}\n{message}" if title else message


class SmsNotifyEntity(_RecipientNotifyEntity):
    """Texts the recipient."""

    _channel = "sms"

    def __init__(self, entry: TelephonyConfigEntry, client: SmsClient, number: str, name: str) -> None:
        """Keep the SMS client."""
        super().__init__(entry, client, number, name)
        self._client = client

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Send the message as an SMS."""
        settings = self._entry.runtime_data.settings(self.hass, self._entry)
        await async_send_sms(
            self.hass,
            self._entry,
            self._client,
            [self._number],
            self._text(message, title),
            SmsOptions(country=settings.region),
        )


class VoiceNotifyEntity(_RecipientNotifyEntity):
    """Calls the recipient and reads the message out."""

    _channel = "voice"

    def __init__(
        self, entry: TelephonyConfigEntry, client: VoiceMessageClient, number: str, name: str
    ) -> None:
        """Keep the voice client."""
        super().__init__(entry, client, number, name)
        self._client = client

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Place the call; its outcome arrives later as a `call_status` event."""
        try:
            prompt = Prompt(text=self._text(message, title))
        except RequestValidationError as err:
            raise translated_error(self._entry, err) from err
        voice = VoiceMessage(numbers=[self._number], prompts=[prompt])

        async def send(callback_url: str | None) -> PlacedCalls:
            return await self._client.async_send_voice_message(replace(voice, callback_url=callback_url))

        await async_place_calls(self.hass, self._entry, [self._number], send, wait_seconds=None)
