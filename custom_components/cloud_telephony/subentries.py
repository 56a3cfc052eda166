"""Contacts and notify recipients move from the options into subentries (minor version 3).

Entries before it kept them as `number = name` lines in their options.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_NAME
from homeassistant.core import HomeAssistant, callback

from .api import PROVIDERS
from .api.numbers import normalize_number, parse_contacts
from .const import (
    CONF_CHANNELS,
    CONF_CONTACTS,
    CONF_COUNTRY,
    CONF_NUMBER,
    CONF_PROVIDER,
    CONF_RECIPIENTS,
    LOGGER,
    SUBENTRY_CONTACT,
    SUBENTRY_RECIPIENT,
)
from .data import TelephonyConfigEntry


@callback
def async_move_people_to_subentries(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Turn the options' contact and recipient lines into subentries, then drop those options.

    A recipient may use every channel the provider offers, as before; a line that does not
    parse, or a number written twice, is left out (the options flow refused such lines).
    """
    region = entry.options.get(CONF_COUNTRY) or hass.config.country
    channels = list(PROVIDERS[entry.data[CONF_PROVIDER]].notify_channels)
    taken = {subentry.unique_id for subentry in entry.subentries.values()}
    people: list[tuple[str, str, dict[str, Any]]] = [(SUBENTRY_CONTACT, CONF_CONTACTS, {})]
    if channels:
        people.append((SUBENTRY_RECIPIENT, CONF_RECIPIENTS, {CONF_CHANNELS: channels}))
    for subentry_type, option, extra in people:
        try:
            lines = parse_contacts(entry.options.get(option) or "")
        except ValueError:
            LOGGER.warning("The %s of %s could not be read and were not kept", option, entry.title)
            lines = {}
        for written, name in lines.items():
            number = normalize_number(written, region) or written
            unique_id = f"{subentry_type}_{number}"
            if unique_id in taken:
                continue
            taken.add(unique_id)
            hass.config_entries.async_add_subentry(
                entry,
                ConfigSubentry(
                    data=MappingProxyType({CONF_NUMBER: number, CONF_NAME: name, **extra}),
                    subentry_type=subentry_type,
                    title=name,
                    unique_id=unique_id,
                ),
            )
    options = {
        key: value for key, value in entry.options.items() if key not in (CONF_CONTACTS, CONF_RECIPIENTS)
    }
    hass.config_entries.async_update_entry(entry, options=options, minor_version=3)
