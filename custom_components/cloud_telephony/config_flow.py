"""Config flow: provider menu, credentials, webhook URL; reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    CountrySelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .api import PROVIDERS, TelephonyError
from .api.bulkgate import DEFAULT_SENDER_TYPE, SENDER_TYPES, needs_sender_value
from .api.huawei import CHINESE, DEFAULT_BASE_URL
from .api.numbers import normalize_number, parse_contacts
from .api.yemot import DEFAULT_SERVER
from .compat import OptionsFlowBase, vol
from .const import (
    CONF_ACCOUNT_NAME,
    CONF_API_TOKEN,
    CONF_APP_KEY,
    CONF_APP_SECRET,
    CONF_APPLICATION_ID,
    CONF_APPLICATION_TOKEN,
    CONF_BASE_URL,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_CONTACTS,
    CONF_COUNTRY,
    CONF_DISPLAY_NUMBER,
    CONF_LANGUAGE_TYPE,
    CONF_PASSWORD,
    CONF_POLL_INTERVAL,
    CONF_POST_TONE,
    CONF_PRE_TONE,
    CONF_PROVIDER,
    CONF_RECIPIENTS,
    CONF_SENDER_ID,
    CONF_SENDER_ID_VALUE,
    CONF_SERVER,
    CONF_STRICT_SIGNATURE,
    CONF_SYSTEM_NUMBER,
    CONF_TOKEN,
    CONF_USERCODE,
    DOMAIN,
    LOGGER,
)
from .data import TelephonyConfigEntry
from .errors import error_key
from .public_url import (
    async_create_cloudhook,
    async_entry_webhook_url,
    async_webhook_url,
    cloud_subscribed,
)

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
TEXT = TextSelector()
MULTILINE = TextSelector(TextSelectorConfig(multiline=True))
SENDER_ID = SelectSelector(
    SelectSelectorConfig(
        options=list(SENDER_TYPES), translation_key="sender_id", mode=SelectSelectorMode.DROPDOWN
    )
)
POLL_INTERVAL = NumberSelector(
    NumberSelectorConfig(min=15, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX)
)
LANGUAGE_TYPE = NumberSelector(NumberSelectorConfig(min=1, max=99, mode=NumberSelectorMode.BOX))

BASIC_AUTH_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(CONF_BASIC_AUTH_USERNAME): TEXT,
    vol.Optional(CONF_BASIC_AUTH_PASSWORD): PASSWORD,
}
BULKGATE_SENDER_FIELDS: dict[vol.Marker, Any] = {
    vol.Required(CONF_SENDER_ID, default=DEFAULT_SENDER_TYPE): SENDER_ID,
    vol.Optional(CONF_SENDER_ID_VALUE): TEXT,
}
# What reconfigure may change, per provider; identities (account name, application id) stay.
RECONFIGURE_FIELDS: Final[dict[str, dict[vol.Marker, Any]]] = {
    "bulutfon": {vol.Optional(CONF_API_TOKEN): PASSWORD},
    "bulkgate": {vol.Required(CONF_APPLICATION_TOKEN): PASSWORD, **BULKGATE_SENDER_FIELDS},
    "netgsm": {vol.Required(CONF_PASSWORD): PASSWORD},
    "yemot": {
        vol.Optional(CONF_PASSWORD): PASSWORD,
        vol.Optional(CONF_TOKEN): PASSWORD,
        vol.Required(CONF_SERVER, default=DEFAULT_SERVER): TEXT,
    },
    "huawei": {
        vol.Required(CONF_APP_SECRET): PASSWORD,
        vol.Required(CONF_BASE_URL): TEXT,
        vol.Required(CONF_DISPLAY_NUMBER): TEXT,
        vol.Required(CONF_PRE_TONE): TEXT,
        vol.Optional(CONF_POST_TONE): TEXT,
        vol.Required(CONF_LANGUAGE_TYPE, default=CHINESE): LANGUAGE_TYPE,
    },
}


def _basic_auth_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return a form error unless both basic-auth parts or neither are given."""
    has_user = bool(user_input.get(CONF_BASIC_AUTH_USERNAME))
    has_password = bool(user_input.get(CONF_BASIC_AUTH_PASSWORD))
    return {"base": "basic_auth_incomplete"} if has_user != has_password else {}


def _sender_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return a form error when the chosen BulkGate sender type needs a value and has none."""
    sender_type = user_input.get(CONF_SENDER_ID)
    if sender_type and needs_sender_value(sender_type) and not user_input.get(CONF_SENDER_ID_VALUE):
        return {CONF_SENDER_ID_VALUE: "sender_value_required"}
    return {}


class CloudTelephonyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one provider account per entry."""

    VERSION = 1
    # 2: BulkGate sender types stored by their keys (`system`, not `gSystem`).
    MINOR_VERSION = 2

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
            errors = _basic_auth_errors(user_input) or await self._async_check_credentials(
                "bulutfon", user_input
            )
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
        return self._show_step("bulutfon", fields, user_input, errors)

    async def async_step_bulkgate(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a BulkGate API application (id and token) and the default sender."""
        errors: dict[str, str] = {}
        if user_input is not None:
            application_id = user_input[CONF_APPLICATION_ID].strip()
            await self.async_set_unique_id(f"bulkgate_{application_id}")
            self._abort_if_unique_id_configured()
            credentials = {**user_input, CONF_APPLICATION_ID: application_id}
            errors = _sender_errors(user_input) or await self._async_check_credentials(
                "bulkgate", credentials
            )
            if not errors:
                return await self._async_create_entry(
                    "bulkgate",
                    f"BulkGate {application_id}",
                    credentials={
                        key: credentials.get(key)
                        for key in (
                            CONF_APPLICATION_ID,
                            CONF_APPLICATION_TOKEN,
                            CONF_SENDER_ID,
                            CONF_SENDER_ID_VALUE,
                        )
                    },
                    options={CONF_COUNTRY: user_input[CONF_COUNTRY], CONF_CONTACTS: "", CONF_RECIPIENTS: ""},
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_APPLICATION_ID): TEXT,
            vol.Required(CONF_APPLICATION_TOKEN): PASSWORD,
            **BULKGATE_SENDER_FIELDS,
            vol.Required(CONF_COUNTRY, default=self.hass.config.country or "CZ"): CountrySelector(),
        }
        return self._show_step("bulkgate", fields, user_input, errors)

    async def async_step_netgsm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a Netgsm usercode and API password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            usercode = user_input[CONF_USERCODE].strip()
            await self.async_set_unique_id(f"netgsm_{usercode}")
            self._abort_if_unique_id_configured()
            credentials = {CONF_USERCODE: usercode, CONF_PASSWORD: user_input[CONF_PASSWORD]}
            errors = await self._async_check_credentials("netgsm", credentials)
            if not errors:
                return await self._async_create_entry(
                    "netgsm",
                    f"Netgsm {usercode}",
                    credentials=credentials,
                    options={CONF_COUNTRY: user_input[CONF_COUNTRY], CONF_CONTACTS: "", CONF_RECIPIENTS: ""},
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_USERCODE): TEXT,
            vol.Required(CONF_PASSWORD): PASSWORD,
            vol.Required(CONF_COUNTRY, default=self.hass.config.country or "TR"): CountrySelector(),
        }
        return self._show_step("netgsm", fields, user_input, errors)

    async def async_step_huawei(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a Huawei Cloud Voice Call application: key, secret, access address, call settings."""
        errors: dict[str, str] = {}
        if user_input is not None:
            app_key = user_input[CONF_APP_KEY].strip()
            await self.async_set_unique_id(f"huawei_{app_key}")
            self._abort_if_unique_id_configured()
            credentials = {
                key: value
                for key, value in {**user_input, CONF_APP_KEY: app_key}.items()
                if key != CONF_COUNTRY
            }
            credentials[CONF_LANGUAGE_TYPE] = int(credentials.get(CONF_LANGUAGE_TYPE, CHINESE))
            errors = await self._async_check_credentials("huawei", credentials)
            if not errors:
                return await self._async_create_entry(
                    "huawei",
                    f"Huawei Cloud {credentials[CONF_DISPLAY_NUMBER]}",
                    credentials=credentials,
                    options={
                        CONF_COUNTRY: user_input[CONF_COUNTRY],
                        CONF_CONTACTS: "",
                        CONF_STRICT_SIGNATURE: False,
                    },
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_APP_KEY): TEXT,
            vol.Required(CONF_APP_SECRET): PASSWORD,
            vol.Required(CONF_BASE_URL, default=DEFAULT_BASE_URL): TEXT,
            vol.Required(CONF_DISPLAY_NUMBER): TEXT,
            vol.Required(CONF_PRE_TONE): TEXT,
            vol.Optional(CONF_POST_TONE): TEXT,
            vol.Required(CONF_LANGUAGE_TYPE, default=CHINESE): LANGUAGE_TYPE,
            vol.Required(CONF_COUNTRY, default=self.hass.config.country or "CN"): CountrySelector(),
        }
        return self._show_step("huawei", fields, user_input, errors)

    async def async_step_yemot(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for a Yemot system: its number, and its password or a token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            system_number = user_input[CONF_SYSTEM_NUMBER].strip()
            await self.async_set_unique_id(f"yemot_{system_number}")
            self._abort_if_unique_id_configured()
            credentials = {
                CONF_SYSTEM_NUMBER: system_number,
                CONF_PASSWORD: user_input.get(CONF_PASSWORD),
                CONF_TOKEN: user_input.get(CONF_TOKEN),
                CONF_SERVER: user_input.get(CONF_SERVER) or DEFAULT_SERVER,
            }
            if not credentials[CONF_PASSWORD] and not credentials[CONF_TOKEN]:
                errors = {"base": "credentials_missing"}
            else:
                errors = await self._async_check_credentials("yemot", credentials)
            if not errors:
                return await self._async_create_entry(
                    "yemot",
                    f"Yemot {system_number}",
                    credentials=credentials,
                    options={CONF_COUNTRY: user_input[CONF_COUNTRY], CONF_CONTACTS: "", CONF_RECIPIENTS: ""},
                )
        fields: dict[vol.Marker, Any] = {
            vol.Required(CONF_SYSTEM_NUMBER): TEXT,
            vol.Optional(CONF_PASSWORD): PASSWORD,
            vol.Optional(CONF_TOKEN): PASSWORD,
            vol.Required(CONF_SERVER, default=DEFAULT_SERVER): TEXT,
            vol.Required(CONF_COUNTRY, default=self.hass.config.country or "IL"): CountrySelector(),
        }
        return self._show_step("yemot", fields, user_input, errors)

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication when the provider refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the secret the provider refused (API token, application token, …).

        Where another credential can stand in for it (a Yemot token for the password), either is
        taken; the one left empty is dropped, so that the new credential is the one used.
        """
        entry = self._get_reauth_entry()
        provider = PROVIDERS[entry.data[CONF_PROVIDER]]
        secret_keys = (provider.secret_key, *provider.other_secret_keys)
        errors: dict[str, str] = {}
        if user_input is not None:
            given = {key: user_input[key] for key in secret_keys if user_input.get(key)}
            data = {key: value for key, value in entry.data.items() if key not in secret_keys} | given
            if not given:
                errors = {"base": "credentials_missing"}
            else:
                errors = await self._async_check_credentials(entry.data[CONF_PROVIDER], data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        marker = vol.Required if len(secret_keys) == 1 else vol.Optional
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({marker(key): PASSWORD for key in secret_keys}),
            errors=errors,
            description_placeholders={"account": entry.title, "reason": self._reason},
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change the credentials and sender settings; an optional API token can be removed."""
        entry = self._get_reconfigure_entry()
        fields = RECONFIGURE_FIELDS[entry.data[CONF_PROVIDER]]
        errors: dict[str, str] = {}
        if user_input is not None:
            changeable = {str(marker) for marker in fields}
            data = {key: value for key, value in entry.data.items() if key not in changeable}
            data.update({key: value for key, value in user_input.items() if value})
            if CONF_LANGUAGE_TYPE in data:
                data[CONF_LANGUAGE_TYPE] = int(data[CONF_LANGUAGE_TYPE])
            errors = _sender_errors(data) or await self._async_check_credentials(
                entry.data[CONF_PROVIDER], data
            )
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), user_input or entry.data),
            errors=errors,
            description_placeholders={"account": entry.title, "reason": self._reason},
        )

    def _show_step(
        self,
        step_id: str,
        fields: dict[vol.Marker, Any],
        user_input: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> ConfigFlowResult:
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), user_input),
            errors=errors,
            description_placeholders={"reason": self._reason},
        )

    async def _async_check_credentials(
        self, provider_id: str, credentials: Mapping[str, Any]
    ) -> dict[str, str]:
        """Ask the provider whether the credentials work; return form errors (empty when they do)."""
        try:
            client = PROVIDERS[provider_id].create_client(async_get_clientsession(self.hass), credentials)
            if client is None:
                return {}
            await client.async_validate()
        except TelephonyError as err:
            self._reason = str(err)
            return {"base": error_key(err)}
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
        if cloud_subscribed(self.hass):
            if (cloudhook := await async_create_cloudhook(self.hass, webhook_id)) is None:
                return self.async_abort(reason="cloud_not_connected")
            data[CONF_CLOUDHOOK_URL] = cloudhook
        url = async_webhook_url(self.hass, webhook_id, data.get(CONF_CLOUDHOOK_URL))
        return self.async_create_entry(
            title=title,
            data=data,
            options=options,
            description=provider_id,
            description_placeholders={"webhook_url": url},
        )


def _repeated_recipient(text: str, region: str | None) -> str | None:
    """Return a recipient written twice (`+90 532…` and `0532…` are one number), else None."""
    seen: set[str] = set()
    for number in parse_contacts(text):
        normalized = normalize_number(number, region) or number
        if normalized in seen:
            return number
        seen.add(normalized)
    return None


class CloudTelephonyOptionsFlow(OptionsFlowBase):
    """Country for numbers, contacts for caller names, notify recipients, webhook basic auth."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, with the webhook URL to paste into the provider's panel."""
        provider = PROVIDERS[self.config_entry.data[CONF_PROVIDER]]
        errors: dict[str, str] = {}
        placeholders = {
            "webhook_url": async_entry_webhook_url(self.hass, self.config_entry),
            "line": "",
            "number": "",
        }
        if user_input is not None:
            errors = _basic_auth_errors(user_input)
            for key in (CONF_CONTACTS, CONF_RECIPIENTS):
                try:
                    parse_contacts(user_input.get(key, ""))
                except ValueError as err:
                    errors[key] = f"invalid_{key}"
                    placeholders["line"] = str(err.args[0])
            if not errors and (
                repeated := _repeated_recipient(user_input.get(CONF_RECIPIENTS, ""), user_input[CONF_COUNTRY])
            ):
                errors[CONF_RECIPIENTS] = "repeated_recipient"
                placeholders["number"] = repeated
            if not errors:
                return self.async_create_entry(data=user_input)
        fields: dict[vol.Marker, Any] = {vol.Required(CONF_COUNTRY): CountrySelector()}
        if provider.webhook_basic_auth:
            fields.update(BASIC_AUTH_FIELDS)
        fields[vol.Optional(CONF_CONTACTS)] = MULTILINE
        if provider.notify_channels:
            fields[vol.Optional(CONF_RECIPIENTS)] = MULTILINE
        if provider.verify_webhook is not None:
            fields[vol.Optional(CONF_STRICT_SIGNATURE, default=False)] = BooleanSelector()
        if provider.polled_inbox:
            fields[vol.Optional(CONF_POLL_INTERVAL, default=60)] = POLL_INTERVAL
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
