"""Notify entities: one per recipient (a subentry) and channel chosen for them."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.components.notify import NotifyEntity, NotifyEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api import (
    SMS,
    SMS_CHANNEL,
    VOICE_CHANNEL,
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
from .compat import NotifyEntityFeature
from .data import Recipient, TelephonyConfigEntry, recipient_unique_id
from .entity import TelephonyEntity, recipient_device_info
from .messaging import async_place_calls, async_send_sms, translated_error

# Each message is one request to the provider; one at a time per entity keeps its rate sane.
PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a notify entity per recipient (a subentry) and channel chosen for them."""
    runtime = entry.runtime_data
    for recipient in runtime.settings(hass, entry).recipients:
        entities: list[NotifyEntity] = []
        if SMS_CHANNEL in recipient.channels and (sms := runtime.client_with(SMS)) is not None:
            entities.append(SmsNotifyEntity(entry, sms, recipient))
        if VOICE_CHANNEL in recipient.channels and (voice := runtime.client_with(VOICE_MESSAGE)) is not None:
            entities.append(VoiceNotifyEntity(entry, voice, recipient))
        # The subentry owns them: deleting the recipient deletes its entities.
        async_add_entities(entities, config_subentry_id=recipient.subentry_id)


class _RecipientNotifyEntity[ClientT: TelephonyClient](TelephonyEntity, NotifyEntity):
    """Notifies one recipient over one channel; the title, when given, comes first."""

    _attr_supported_features = NotifyEntityFeature.TITLE
    _channel: str

    def __init__(self, entry: TelephonyConfigEntry, client: ClientT, recipient: Recipient) -> None:
        """Bind the entity to one recipient and the client of its channel."""
        subentry_id, number, name = recipient.subentry_id, recipient.number, recipient.name
        description = NotifyEntityDescription(key=self._channel, translation_key=f"{self._channel}_recipient")
        super().__init__(entry, description)
        self._attr_unique_id = recipient_unique_id(entry.entry_id, self._channel, number)
        # A device per recipient, as the recipient's subentry owns it; the account's is shared.
        self._attr_device_info = recipient_device_info(entry, subentry_id, name)
        self._number = number
        self._client = client

    @staticmethod
    def _text(message: str, title: str | None) -> str:
        return f"{title}\n{message}" if title else message


class SmsNotifyEntity(_RecipientNotifyEntity[SmsClient]):
    """Texts the recipient."""

    _channel = SMS_CHANNEL

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


class VoiceNotifyEntity(_RecipientNotifyEntity[VoiceMessageClient]):
    """Calls the recipient and reads the message out."""

    _channel = VOICE_CHANNEL

    async def async_send_message(self, message: str, title: str | None = None) -> None:
        """Place the call; its outcome arrives later as a `call_status` event."""
        try:
            prompt = Prompt(text=self._text(message, title))
        except RequestValidationError as err:
            raise translated_error(self.hass, self._entry, err) from err
        voice = VoiceMessage(numbers=[self._number], prompts=[prompt])

        async def send(callback_url: str | None) -> PlacedCalls:
            return await self._client.async_send_voice_message(replace(voice, callback_url=callback_url))

        await async_place_calls(self.hass, self._entry, [self._number], send, wait_seconds=None)
