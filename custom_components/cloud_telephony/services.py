"""Domain actions; every one names the account with `config_entry_id`."""

from __future__ import annotations

from typing import Final

import voluptuous as vol

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .api import SmsOptions
from .const import ATTR_CONFIG_ENTRY_ID, DOMAIN
from .data import TelephonyConfigEntry
from .messaging import async_send_sms, sms_client

SERVICE_SEND_SMS: Final = "send_sms"

ATTR_TO: Final = "to"
ATTR_MESSAGE: Final = "message"
ATTR_SENDER_ID: Final = "sender_id"
ATTR_SENDER_ID_VALUE: Final = "sender_id_value"
ATTR_UNICODE: Final = "unicode"
ATTR_SCHEDULE: Final = "schedule"
ATTR_DUPLICATES_CHECK: Final = "duplicates_check"

# More recipients than this belong in a provider's bulk campaign tool, not an automation.
MAX_RECIPIENTS: Final = 100

SEND_SMS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_TO): vol.All(
            cv.ensure_list_csv, [cv.string], vol.Length(min=1, max=MAX_RECIPIENTS)
        ),
        vol.Required(ATTR_MESSAGE): cv.string,
        vol.Optional(ATTR_SENDER_ID): cv.string,
        vol.Optional(ATTR_SENDER_ID_VALUE): cv.string,
        vol.Optional(ATTR_UNICODE): cv.boolean,
        vol.Optional(ATTR_SCHEDULE): cv.datetime,
        vol.Optional(ATTR_DUPLICATES_CHECK, default=False): cv.boolean,
    }
)


def loaded_entry(hass: HomeAssistant, call: ServiceCall) -> TelephonyConfigEntry:
    """Return the entry an action names, or refuse the action with a translated reason."""
    entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
    entry: TelephonyConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"account": entry.title},
        )
    return entry


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the domain actions."""

    async def send_sms(call: ServiceCall) -> ServiceResponse:
        entry = loaded_entry(hass, call)
        client = sms_client(entry, SERVICE_SEND_SMS)
        settings = entry.runtime_data.settings(hass, entry)
        options = SmsOptions(
            country=settings.region,
            sender_id=call.data.get(ATTR_SENDER_ID),
            sender_id_value=call.data.get(ATTR_SENDER_ID_VALUE),
            unicode=call.data.get(ATTR_UNICODE),
            schedule=call.data.get(ATTR_SCHEDULE),
            duplicates_check=call.data[ATTR_DUPLICATES_CHECK],
        )
        return await async_send_sms(hass, entry, client, call.data[ATTR_TO], call.data[ATTR_MESSAGE], options)

    hass.services.async_register(
        DOMAIN,
        SERVICE_SEND_SMS,
        send_sms,
        schema=SEND_SMS_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
