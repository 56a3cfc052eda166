"""Config flow: provider menu, credentials, webhook URL; reauth, reconfigure and options.

The steps that ask for an account's settings are built from its provider's declaration (the
fields of its `ProviderSpec`); no step here knows a provider.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from homeassistant.components import webhook
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
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
from homeassistant.helpers.translation import async_load_integrations

from .api import (
    INBOX,
    MEDIA,
    PHONES,
    PROVIDERS,
    QUEUES,
    VOICEMAIL,
    Field,
    FieldKind,
    ProviderSpec,
    TelephonyError,
)
from .compat import vol
from .const import (
    CONF_ACCOUNT_NAME,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_COUNTRY,
    CONF_MEDIA_FOLDER,
    CONF_PHONES_INTERVAL,
    CONF_POLL_INTERVAL,
    CONF_PROVIDER,
    CONF_QUEUES,
    CONF_QUEUES_INTERVAL,
    CONF_RETENTION_COUNT,
    CONF_RETENTION_DAYS,
    CONF_STRICT_SIGNATURE,
    CONF_VOICEMAIL_BOXES,
    CONF_VOICEMAIL_INTERVAL,
    DEFAULT_INBOX_INTERVAL,
    DEFAULT_PHONES_INTERVAL,
    DEFAULT_QUEUES_INTERVAL,
    DEFAULT_VOICEMAIL_INTERVAL,
    DOMAIN,
    LOGGER,
    SUBENTRY_CONTACT,
    SUBENTRY_RECIPIENT,
)
from .data import TelephonyConfigEntry, configured_paths
from .errors import error_key, reason_of
from .media import DEFAULT_RETENTION_COUNT, DEFAULT_RETENTION_DAYS, media_dir_of
from .public_url import (
    async_create_cloudhook,
    async_entry_webhook_url,
    async_public_url,
    async_public_webhook_url,
    async_webhook_url,
    cloud_subscribed,
)
from .subentry_flow import ContactSubentryFlow, RecipientSubentryFlow

PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
TEXT = TextSelector()
PATHS = TextSelector(TextSelectorConfig(multiple=True))


def _interval_selector(minimum: int) -> NumberSelector:
    config = NumberSelectorConfig(
        min=minimum, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
    )
    return NumberSelector(config)


BASIC_AUTH_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(CONF_BASIC_AUTH_USERNAME): TEXT,
    vol.Optional(CONF_BASIC_AUTH_PASSWORD): PASSWORD,
}

type StepHandler = Callable[[dict[str, Any] | None], Coroutine[Any, Any, ConfigFlowResult]]


def _selector(field: Field) -> Any:
    """Return the form selector of a declared field."""
    match field.kind:
        case FieldKind.SECRET:
            return PASSWORD
        case FieldKind.URL:
            return TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
        case FieldKind.NUMBER:
            config = NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
            if field.minimum is not None:
                config["min"] = field.minimum
            if field.maximum is not None:
                config["max"] = field.maximum
            return NumberSelector(config)
        case FieldKind.CHOICE:
            return SelectSelector(
                SelectSelectorConfig(
                    options=list(field.choices), translation_key=field.key, mode=SelectSelectorMode.DROPDOWN
                )
            )
    return TEXT


def _schema_fields(fields: tuple[Field, ...]) -> dict[vol.Marker, Any]:
    markers: dict[vol.Marker, Any] = {}
    for field in fields:
        marker = vol.Required if field.required else vol.Optional
        key = marker(field.key) if field.default is None else marker(field.key, default=field.default)
        markers[key] = _selector(field)
    return markers


def _entered(fields: tuple[Field, ...], user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Return the declared fields the user filled in: texts trimmed, numbers whole, empty ones left out."""
    values: dict[str, Any] = {}
    for field in fields:
        value = user_input.get(field.key)
        if isinstance(value, str):
            value = value.strip()
        elif field.kind is FieldKind.NUMBER and value is not None:
            value = int(value)
        if value not in (None, ""):
            values[field.key] = value
    return values


def _identity(provider: ProviderSpec, value: str) -> str:
    """Return the unique id of an account from its identity (or its own id at the provider)."""
    return f"{provider.id}_{value if provider.identity.case_sensitive else value.casefold()}"


def _basic_auth_errors(user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return a form error unless both basic-auth parts or neither are given."""
    has_user = bool(user_input.get(CONF_BASIC_AUTH_USERNAME))
    has_password = bool(user_input.get(CONF_BASIC_AUTH_PASSWORD))
    return {"base": "basic_auth_incomplete"} if has_user != has_password else {}


def _form_errors(provider: ProviderSpec, user_input: Mapping[str, Any]) -> dict[str, str]:
    """Return what is wrong with the form as a whole, before the provider is asked."""
    errors = _basic_auth_errors(user_input) if provider.webhook_basic_auth else {}
    if provider.form_errors is not None:
        errors = errors or provider.form_errors(user_input)
    return errors


class CloudTelephonyConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one provider account per entry."""

    VERSION = 1
    # 2: choice settings stored by their keys, not by a provider's own names for them.
    # 3: contacts and notify recipients are subentries, no longer lines in the options.
    MINOR_VERSION = 3

    def __init__(self) -> None:
        """Start with no error reason to show."""
        self._reason = ""
        self._new_entry: tuple[ProviderSpec, dict[str, Any], dict[str, Any]]

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Contacts for every account; notify recipients where the provider can text or call."""
        types: dict[str, type[ConfigSubentryFlow]] = {SUBENTRY_CONTACT: ContactSubentryFlow}
        if PROVIDERS[config_entry.data[CONF_PROVIDER]].notify_channels:
            types[SUBENTRY_RECIPIENT] = RecipientSubentryFlow
        return types

    def __getattr__(self, name: str) -> StepHandler:
        """Answer for the menu's choices: `async_step_<provider>` asks for that provider's settings.

        The menu names a step per provider; each is built from the provider's declaration, so a
        provider added to the api package needs no step here.
        """
        provider_id = name.removeprefix("async_step_")
        if provider_id != name and provider_id in PROVIDERS:
            return partial(self._async_step_account, PROVIDERS[provider_id])
        raise AttributeError(name)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: TelephonyConfigEntry) -> CloudTelephonyOptionsFlow:
        """Return the options flow."""
        return CloudTelephonyOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick a provider."""
        return self.async_show_menu(step_id="user", menu_options=list(PROVIDERS))

    async def _async_step_account(
        self, provider: ProviderSpec, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for an account's settings, check them with the provider, and add the account."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _entered(provider.fields, user_input)
            # Not raising while another flow has the same id: a failed attempt left open in
            # another browser tab must not block this one.
            await self.async_set_unique_id(
                _identity(provider, data[provider.identity.key]), raise_on_progress=False
            )
            self._abort_if_unique_id_configured()
            errors = _form_errors(provider, user_input)
            if not errors:
                validated, errors = await self._async_check_credentials(provider.id, data)
            if not errors:
                if (
                    validated is not None
                    and provider.account_id
                    and (account := provider.account_id(validated))
                ):
                    # The provider's own id of the account: the same account under another name is
                    # still one account.
                    await self.async_set_unique_id(_identity(provider, account), raise_on_progress=False)
                    self._abort_if_unique_id_configured()
                return await self._async_create_entry(provider, data, user_input)
        fields: dict[vol.Marker, Any] = _schema_fields(provider.fields)
        if provider.webhook_basic_auth:
            fields.update(BASIC_AUTH_FIELDS)
        country = self.hass.config.country or provider.default_country
        fields[vol.Required(CONF_COUNTRY, default=country)] = CountrySelector()
        return self.async_show_form(
            step_id=provider.id,
            data_schema=self.add_suggested_values_to_schema(vol.Schema(fields), user_input),
            errors=errors,
            description_placeholders={"reason": self._reason},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start reauthentication when the provider refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the secret the provider refused (API token, application token, …).

        Where another credential can stand in for it (a token for the password), either is
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
                _validated, errors = await self._async_check_credentials(provider.id, data)
            if not errors:
                return self._async_update_and_reload(entry, data, "reauth_successful")
        marker = vol.Required if len(secret_keys) == 1 else vol.Optional
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({marker(key): PASSWORD for key in secret_keys}),
            errors=errors,
            description_placeholders={"account": entry.title, "reason": self._reason},
        )

    def _async_update_and_reload(
        self, entry: TelephonyConfigEntry, data: dict[str, Any], reason: str
    ) -> ConfigFlowResult:
        """Store the new data and have the entry set up again with it.

        A loaded entry reloads by its update listener when its data changed (Home Assistant
        refuses `async_update_reload_and_abort` beside update listeners); unchanged data, or an
        entry that is not loaded (its setup failed), is reloaded from here.
        """
        changed = self.hass.config_entries.async_update_entry(entry, data=data)
        if not changed or entry.state is not ConfigEntryState.LOADED:
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        return self.async_abort(reason=reason)

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Change the credentials and settings; the account's identity stays; optional ones can be emptied."""
        entry = self._get_reconfigure_entry()
        provider = PROVIDERS[entry.data[CONF_PROVIDER]]
        changeable = provider.reconfigurable
        errors: dict[str, str] = {}
        if user_input is not None:
            keys = {field.key for field in changeable}
            data = {key: value for key, value in entry.data.items() if key not in keys}
            data.update(_entered(changeable, user_input))
            errors = _form_errors(provider, data)
            if not errors:
                _validated, errors = await self._async_check_credentials(provider.id, data)
            if not errors:
                return self._async_update_and_reload(entry, data, "reconfigure_successful")
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(_schema_fields(changeable)), user_input or entry.data
            ),
            errors=errors,
            description_placeholders={"account": entry.title, "reason": self._reason},
        )

    async def _async_check_credentials(
        self, provider_id: str, data: Mapping[str, Any]
    ) -> tuple[Any, dict[str, str]]:
        """Ask the provider whether the settings work; return its answer and the form errors."""
        try:
            client = PROVIDERS[provider_id].create_client(async_get_clientsession(self.hass), data)
            if client is None:
                return None, {}
            return await client.async_validate(), {}
        except TelephonyError as err:
            # The flow may run before the integration is set up: its translations are loaded here.
            await async_load_integrations(self.hass, {DOMAIN})
            self._reason = reason_of(self.hass, err)
            return None, {"base": error_key(err)}
        except Exception:  # noqa: BLE001 - shown as "unknown" instead of a broken form
            LOGGER.exception("Unexpected error while checking the %s credentials", provider_id)
            self._reason = ""
            return None, {"base": "unknown"}

    async def _async_create_entry(
        self, provider: ProviderSpec, settings: dict[str, Any], user_input: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry with a new webhook id; use a cloudhook when Home Assistant Cloud is on."""
        webhook_id = webhook.async_generate_id()
        title = provider.title.format(brand=provider.brand, **settings)
        data: dict[str, Any] = {
            CONF_PROVIDER: provider.id,
            CONF_ACCOUNT_NAME: title,
            CONF_WEBHOOK_ID: webhook_id,
            **settings,
        }
        if cloud_subscribed(self.hass):
            if (cloudhook := await async_create_cloudhook(self.hass, webhook_id)) is None:
                return self.async_abort(reason="cloud_not_connected")
            data[CONF_CLOUDHOOK_URL] = cloudhook
        options: dict[str, Any] = {CONF_COUNTRY: user_input[CONF_COUNTRY]}
        if provider.webhook_basic_auth:
            for key in (CONF_BASIC_AUTH_USERNAME, CONF_BASIC_AUTH_PASSWORD):
                options[key] = user_input.get(key, "")
        if provider.verify_webhook is not None:
            options[CONF_STRICT_SIGNATURE] = False
        self._new_entry = (provider, data, options)
        if (
            provider.takes_webhook
            and async_public_url(self.hass, webhook_id, data.get(CONF_CLOUDHOOK_URL)) is None
        ):
            # The provider could not deliver anything: said before the entry exists, not buried
            # in the closing message.
            return await self.async_step_local_url()
        return self._async_finish()

    async def async_step_local_url(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Say that the webhook URL works only inside the home network, and what to do about it."""
        if user_input is not None:
            return self._async_finish()
        provider, data, _ = self._new_entry
        return self.async_show_form(
            step_id="local_url",
            description_placeholders={
                "provider": provider.brand,
                "webhook_url": async_webhook_url(self.hass, data[CONF_WEBHOOK_ID]),
            },
        )

    @callback
    def _async_finish(self) -> ConfigFlowResult:
        provider, data, options = self._new_entry
        url = async_webhook_url(self.hass, data[CONF_WEBHOOK_ID], data.get(CONF_CLOUDHOOK_URL))
        return self.async_create_entry(
            title=data[CONF_ACCOUNT_NAME],
            data=data,
            options=options,
            description=provider.id,
            description_placeholders={"webhook_url": url},
        )


MEDIA_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(CONF_MEDIA_FOLDER): TEXT,
    vol.Optional(CONF_RETENTION_DAYS, default=DEFAULT_RETENTION_DAYS): NumberSelector(
        NumberSelectorConfig(min=1, max=3650, step=1, unit_of_measurement="d", mode=NumberSelectorMode.BOX)
    ),
    vol.Optional(CONF_RETENTION_COUNT, default=DEFAULT_RETENTION_COUNT): NumberSelector(
        NumberSelectorConfig(min=1, max=10000, step=1, mode=NumberSelectorMode.BOX)
    ),
}


def _pbx_fields(provider: ProviderSpec) -> dict[vol.Marker, Any]:
    """Return the options of a PBX's state: polling intervals, and the queues and boxes to show."""
    fields: dict[vol.Marker, Any] = {}
    if provider.can(PHONES):
        default = DEFAULT_PHONES_INTERVAL.total_seconds()
        fields[vol.Optional(CONF_PHONES_INTERVAL, default=default)] = _interval_selector(30)
    if provider.can(QUEUES):
        fields[vol.Optional(CONF_QUEUES, default=[])] = PATHS
        default = DEFAULT_QUEUES_INTERVAL.total_seconds()
        fields[vol.Optional(CONF_QUEUES_INTERVAL, default=default)] = _interval_selector(5)
    if provider.can(VOICEMAIL):
        fields[vol.Optional(CONF_VOICEMAIL_BOXES, default=[])] = PATHS
        default = DEFAULT_VOICEMAIL_INTERVAL.total_seconds()
        fields[vol.Optional(CONF_VOICEMAIL_INTERVAL, default=default)] = _interval_selector(30)
    return fields


class CloudTelephonyOptionsFlow(OptionsFlow):
    """Country for numbers, contacts for caller names, notify recipients, webhook basic auth."""

    def _media_folder_errors(self, user_input: dict[str, Any]) -> dict[str, str]:
        """Refuse a folder outside Home Assistant's media folders: its files could not be played."""
        folder = (user_input.get(CONF_MEDIA_FOLDER) or "").strip()
        if not folder:
            user_input.pop(CONF_MEDIA_FOLDER, None)
            return {}
        user_input[CONF_MEDIA_FOLDER] = folder
        if not Path(folder).is_absolute() or media_dir_of(self.hass, Path(folder)) is None:
            return {CONF_MEDIA_FOLDER: "media_folder_outside"}
        return {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options, with the webhook URL to paste into the provider's panel."""
        provider = PROVIDERS[self.config_entry.data[CONF_PROVIDER]]
        errors: dict[str, str] = {}
        placeholders = {
            "webhook_url": async_entry_webhook_url(self.hass, self.config_entry),
            "media_dirs": ", ".join(self.hass.config.media_dirs.values()) or self.hass.config.path("media"),
        }
        if user_input is not None:
            errors = _basic_auth_errors(user_input) | self._media_folder_errors(user_input)
            if not errors:
                for key in (CONF_QUEUES, CONF_VOICEMAIL_BOXES):
                    if key in user_input:
                        user_input[key] = configured_paths(provider, user_input[key])
                return self.async_create_entry(data=user_input)
        fields: dict[vol.Marker, Any] = {vol.Required(CONF_COUNTRY): CountrySelector()}
        if provider.webhook_basic_auth:
            fields.update(BASIC_AUTH_FIELDS)
        if provider.verify_webhook is not None:
            fields[vol.Optional(CONF_STRICT_SIGNATURE, default=False)] = BooleanSelector()
        if provider.can(INBOX):
            default = DEFAULT_INBOX_INTERVAL.total_seconds()
            fields[vol.Optional(CONF_POLL_INTERVAL, default=default)] = _interval_selector(15)
        fields.update(_pbx_fields(provider))
        if provider.can(MEDIA):
            fields.update(MEDIA_FIELDS)
        if provider.takes_webhook and async_public_webhook_url(self.hass, self.config_entry) is None:
            # Shown with the form, not only after saving: the provider cannot reach this URL.
            errors.setdefault("base", "webhook_local_only")
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(fields), user_input or self.config_entry.options
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
