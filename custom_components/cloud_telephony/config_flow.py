"""Config flow: provider menu, credentials, webhook URL; reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol

from homeassistant.components import cloud, webhook
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    CountrySelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import PROVIDERS, AuthError, ProviderConnectionError, TelephonyError
from .api.numbers import parse_contacts
from .const import (
    CONF_ACCOUNT_NAME,
    CONF_API_TOKEN,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
    CONF_COUNTRY,
    CONF_PROVIDER,
    DOMAIN,
    LOGGER,
)
from .data import TelephonyConfigEntry
from .webhook import async_entry_webhook_url, async_webhook_url

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
TEXT = TextSelector()
MULTILINE = TextSelector(TextSelectorConfig(multiline=True))

BASIC_AUTH_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(CONF_BASIC_AUTH_USERNAME): TEXT,
    vol.Optional(CONF_BASIC_AUTH_PASSWORD): PASSWORD,
}


def _basic_auth_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return a form error unless both basic-auth parts or neither are given."""
    has_user = bool(user_input.get(CONF_BASIC_AUTH_USERNAME))
    has_password = bool(user_input.get(CONF_BASIC_AUTH_PASSWORD))
    return {"base": "basic_auth_incomplete"} if has_user != has_password else {}


class CloudTelephonyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one provider account per entry."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no error reason to show."""
        self._reason = ""

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: TelephonyConfigEntry) -> CloudTelephonyOptionsFlow:
        """Return the options flow."""
        return CloudTelephonyOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick a provider."""
        return self.async_show_menu(step_id="user", menu_options=list(PROVIDERS))

    async def async_step_bulutfon(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a Bulutfon account: a name, an optional API token, the webhook's basic auth."""
        errors: dict[str, str] = {}
        if user_input is not None:
            name = user_input[CONF_ACCOUNT_NAME].strip()
            await self.async_set_unique_id(f"bulutfon_{name.casefold()}")
            self._abort_if_unique_id_configured()
            errors = _basic_auth_errors(user_input)
            if not errors:
                errors = await self._async_check_credentials("bulutfon", user_input)
            if not errors:
                return await self._async_create_entry(
                    "bulutfon",
                    name,
                    credentials={CONF_API_TOKEN: user_input.get(CONF_API_TOKEN)},
                    options={
                        CONF_COUNTRY: user_input[CONF_COUNTRY],
                        CONF_BASIC_AUTH_USERNAME: user_input.get(CONF_BASIC_AUTH_USERNAME, ""),
                        CONF_BASIC_AUTH_PASSWORD: user_input.get(CONF_BASIC_AUTH_PASSWORD, ""),
                        CONF_CONTACTS: "",
                    },
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_ACCOUNT_NAME): TEXT,
            vol.Optional(CONF_API_TOKEN): PASSWORD,
            **BASIC_AUTH_FIELDS,
            vol.Required(CONF_COUNTRY, default=self.hass.config.country or "TR"): CountrySelector(),
        }
        return self.async_show_form(
            step_id="bulutfon",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), user_input),
            errors=errors,
            description_placeholders={"reason": self._reason},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication when the provider refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a new API token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check_credentials(entry.data[CONF_PROVIDER], user_input)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_TOKEN: user_input[CONF_API_TOKEN]}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_API_TOKEN): PASSWORD}),
            errors=errors,
            description_placeholders={"account": entry.title, "reason": self._reason},
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change the API token, or remove it to use the webhook alone."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = await self._async_check_credentials(entry.data[CONF_PROVIDER], user_input)
            if not errors:
                data = {key: value for key, value in entry.data.items() if key != CONF_API_TOKEN}
                if token := user_input.get(CONF_API_TOKEN):
                    data[CONF_API_TOKEN] = token
                return self.async_update_reload_and_abort(entry, data=data)
        schema = vol.Schema({vol.Optional(CONF_API_TOKEN): PASSWORD})
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or entry.data),
            errors=errors,
            description_placeholders={"account": entry.title, "reason": self._reason},
        )

    async def _async_check_credentials(
        self, provider_id: str, user_input: Mapping[str, Any]
    ) -> dict[str, str]:
        """Ask the provider whether the credentials work; return form errors (empty when they do)."""
        client = PROVIDERS[provider_id].create_client(async_get_clientsession(self.hass), user_input)
        if client is None:
            return {}
        try:
            await client.async_validate()
        except AuthError as err:
            self._reason = str(err)
            return {"base": "invalid_auth"}
        except ProviderConnectionError as err:
            self._reason = str(err)
            return {"base": "cannot_connect"}
        except TelephonyError as err:
            self._reason = str(err)
            return {"base": "provider_error"}
        except Exception:  # noqa: BLE001 - shown as "unknown" instead of a broken form
            LOGGER.exception("Unexpected error while checking the %s credentials", provider_id)
            self._reason = ""
            return {"base": "unknown"}
        return {}

    async def _async_create_entry(
        self,
        provider_id: str,
        title: str,
        *,
        credentials: Mapping[str, Any],
        options: dict[str, Any],
    ) -> ConfigFlowResult:
        """Create the entry with a new webhook id; use a cloudhook when Home Assistant Cloud is on."""
        webhook_id = webhook.async_generate_id()
        data: dict[str, Any] = {
            CONF_PROVIDER: provider_id,
            CONF_ACCOUNT_NAME: title,
            CONF_WEBHOOK_ID: webhook_id,
            **{key: value for key, value in credentials.items() if value},
        }
        if "cloud" in self.hass.config.components and cloud.async_active_subscription(self.hass):
            try:
                data[CONF_CLOUDHOOK_URL] = await cloud.async_get_or_create_cloudhook(self.hass, webhook_id)
            except cloud.CloudNotConnected:
                return self.async_abort(reason="cloud_not_connected")
        url = async_webhook_url(self.hass, webhook_id, data.get(CONF_CLOUDHOOK_URL))
        return self.async_create_entry(
            title=title,
            data=data,
            options=options,
            description=provider_id,
            description_placeholders={"webhook_url": url},
        )


class CloudTelephonyOptionsFlow(OptionsFlow):
    """Country for numbers, the webhook's basic auth, and contacts for caller names."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, with the webhook URL to paste into the provider's panel."""
        errors: dict[str, str] = {}
        placeholders = {
            "webhook_url": async_entry_webhook_url(self.hass, self.config_entry),
            "line": "",
        }
        if user_input is not None:
            errors = _basic_auth_errors(user_input)
            try:
                parse_contacts(user_input.get(CONF_CONTACTS, ""))
            except ValueError as err:
                errors[CONF_CONTACTS] = "invalid_contacts"
                placeholders["line"] = str(err.args[0])
            if not errors:
                return self.async_create_entry(data=user_input)
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_COUNTRY): CountrySelector(),
            **BASIC_AUTH_FIELDS,
            vol.Optional(CONF_CONTACTS): MULTILINE,
        }
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
