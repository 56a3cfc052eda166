"""Provider errors in Home Assistant's terms: one table for setup, polling, actions and the config flow."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_get_cached_translations

from .api import (
    AuthError,
    InsufficientBalanceError,
    InvalidNumberError,
    ProviderConnectionError,
    RequestValidationError,
    TelephonyError,
)
from .const import DOMAIN

# Most specific first. Each key names a config flow form error and a translated exception alike;
# the first two are about what the user asked for, so an action raises them as validation errors.
ERROR_KEYS: Final[tuple[tuple[type[TelephonyError], str], ...]] = (
    (RequestValidationError, "invalid_request"),
    (InvalidNumberError, "invalid_number"),
    (AuthError, "invalid_auth"),
    (InsufficientBalanceError, "insufficient_balance"),
    (ProviderConnectionError, "cannot_connect"),
    (TelephonyError, "provider_error"),
)
_USER_ERRORS: Final = (RequestValidationError, InvalidNumberError)


def error_key(err: TelephonyError) -> str:
    """Return the translation key of a provider error."""
    return next(key for kind, key in ERROR_KEYS if isinstance(err, kind))


@callback
def reason_of(hass: HomeAssistant, err: TelephonyError) -> str:
    """Say why a request failed: a connection problem in the server's language, else the reason given.

    What the provider answered is its own text (often in its own language); what kept the request
    from it is said here, in the words of the translations.
    """
    if not isinstance(err, ProviderConnectionError):
        return str(err)
    key = f"component.{DOMAIN}.exceptions.connection_{err.problem}.message"
    for language in (hass.config.language, "en"):
        if template := async_get_cached_translations(hass, language, "exceptions", DOMAIN).get(key):
            said = template.replace("{status}", str(err.status))
            return said if err.detail is None else f"{said}: {err.detail}"
    return str(err)


@callback
def translated(hass: HomeAssistant, brand: str, err: TelephonyError) -> HomeAssistantError:
    """Return the translated exception an action raises for a provider error."""
    kind = ServiceValidationError if isinstance(err, _USER_ERRORS) else HomeAssistantError
    return kind(
        translation_domain=DOMAIN,
        translation_key=error_key(err),
        translation_placeholders={"provider": brand, "reason": reason_of(hass, err)},
    )


@contextmanager
def provider_errors(
    hass: HomeAssistant, brand: str, failure: type[HomeAssistantError], translation_key: str
) -> Iterator[None]:
    """Raise a refusal as ConfigEntryAuthFailed (reauthentication), other provider errors as `failure`.

    `translation_key` says what failed (reading the balance, the inbox, …); the reason follows.
    """
    try:
        yield
    except AuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_auth",
            translation_placeholders={"provider": brand, "reason": str(err)},
        ) from err
    except TelephonyError as err:
        raise failure(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={"provider": brand, "reason": reason_of(hass, err)},
        ) from err
