"""Subentry flows: the account's contacts (caller names) and notify recipients, one per person.

Each is a subentry of the account's entry, added, changed and deleted in the entry's page; a
recipient's notify entities belong to its subentry and go with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import PROVIDERS
from .api.numbers import normalize_number
from .api.payload import only_digits
from .compat import vol
from .const import (
    CONF_CHANNELS,
    CONF_COUNTRY,
    CONF_NUMBER,
    CONF_PROVIDER,
    SUBENTRY_CONTACT,
    SUBENTRY_RECIPIENT,
)
from .data import TelephonyConfigEntry, recipient_unique_id

PHONE = TextSelector(TextSelectorConfig(type=TextSelectorType.TEL))
NAME = TextSelector()


class _PersonSubentryFlow(ConfigSubentryFlow):
    """A person with a phone number: added, or changed (reconfigure) in place."""

    subentry_type: str

    def _entry(self) -> TelephonyConfigEntry:
        entry: TelephonyConfigEntry = self._get_entry()
        return entry

    def _fields(self) -> dict[vol.Marker, Any]:
        return {vol.Required(CONF_NUMBER): PHONE, vol.Required(CONF_NAME): NAME}

    def _checked(self, user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
        """Return the person's data with the number in international form, or fill `errors`."""
        entry = self._entry()
        region = entry.options.get(CONF_COUNTRY) or self.hass.config.country
        written = user_input[CONF_NUMBER].strip()
        # International form where the number can be read so; a short one (an extension) as written.
        number = normalize_number(written, region) or written
        name = user_input[CONF_NAME].strip()
        if len(only_digits(written)) < 2 or any(char.isalpha() for char in written):
            errors[CONF_NUMBER] = "invalid_number"
        if not name:
            errors[CONF_NAME] = "name_required"
        return {**user_input, CONF_NUMBER: number, CONF_NAME: name}

    def _unique_id(self, number: str) -> str:
        # Unique among all the entry's subentries: a number can be a contact and a recipient.
        return f"{self.subentry_type}_{number}"

    def _taken(self, number: str, but: str | None = None) -> bool:
        unique_id = self._unique_id(number)
        return any(
            subentry.unique_id == unique_id and subentry.subentry_id != but
            for subentry in self._entry().subentries.values()
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Ask for the number and the name."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._checked(user_input, errors)
            if not errors:
                if self._taken(data[CONF_NUMBER]):
                    return self.async_abort(reason="already_configured")
                return self.async_create_entry(
                    title=data[CONF_NAME], data=data, unique_id=self._unique_id(data[CONF_NUMBER])
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(self._fields()), user_input),
            errors=errors,
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Change the number, the name (or a recipient's channels)."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = self._checked(user_input, errors)
            if not errors:
                if self._taken(data[CONF_NUMBER], but=subentry.subentry_id):
                    return self.async_abort(reason="already_configured")
                self._forget_entities(subentry.data, data)
                return self.async_update_and_abort(
                    self._entry(),
                    subentry,
                    title=data[CONF_NAME],
                    data=data,
                    unique_id=self._unique_id(data[CONF_NUMBER]),
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(self._fields()), user_input or dict(subentry.data)
            ),
            errors=errors,
        )

    def _forget_entities(self, before: Mapping[str, Any], after: dict[str, Any]) -> None:
        """Remove what the change leaves without a purpose (nothing, for a contact)."""


class ContactSubentryFlow(_PersonSubentryFlow):
    """A contact: calls and messages from this number carry the name."""

    subentry_type = SUBENTRY_CONTACT


class RecipientSubentryFlow(_PersonSubentryFlow):
    """A notify recipient: one notify entity per channel (SMS, a call reading the message out)."""

    subentry_type = SUBENTRY_RECIPIENT

    def _channels(self) -> list[str]:
        return list(PROVIDERS[self._entry().data[CONF_PROVIDER]].notify_channels)

    def _fields(self) -> dict[vol.Marker, Any]:
        channels = self._channels()
        return {
            **super()._fields(),
            vol.Required(CONF_CHANNELS, default=channels): SelectSelector(
                SelectSelectorConfig(
                    options=channels,
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                    translation_key=CONF_CHANNELS,
                )
            ),
        }

    def _checked(self, user_input: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
        data = super()._checked(user_input, errors)
        offered = self._channels()
        data[CONF_CHANNELS] = [channel for channel in offered if channel in data.get(CONF_CHANNELS, ())]
        if not data[CONF_CHANNELS]:
            errors[CONF_CHANNELS] = "channel_required"
        return data

    def _forget_entities(self, before: Mapping[str, Any], after: dict[str, Any]) -> None:
        """Remove the notify entities of the channels (or the number) given up."""
        entry = self._entry()
        kept = {
            recipient_unique_id(entry.entry_id, channel, after[CONF_NUMBER])
            for channel in after[CONF_CHANNELS]
        }
        registry = er.async_get(self.hass)
        for channel in before.get(CONF_CHANNELS, ()):
            unique_id = recipient_unique_id(entry.entry_id, channel, before[CONF_NUMBER])
            if unique_id not in kept and (
                entity_id := registry.async_get_entity_id("notify", entry.domain, unique_id)
            ):
                registry.async_remove(entity_id)
