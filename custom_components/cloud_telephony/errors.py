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
    fill_placeholders,
)
from .bidi import is_right_to_left, isolated
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
    if isinstance(err, InvalidNumberError) and err.key is not None:
        # Refused by the client before sending: the provider never saw it.
        return "invalid_request"
    return next(key for kind, key in ERROR_KEYS if isinstance(err, kind))


@callback
def reason_of(hass: HomeAssistant, err: TelephonyError) -> str:
    """Say why a request failed in the server's language, where the words are the integration's own.

    A connection problem, and a reason a client gave for refusing a request before sending it
    (a keyed error), are said in the words of the translations: the server's language, else
    English, else the error's English text. What the provider answered is its own text (often in
    its own language) and is said as it was.
    """
    if isinstance(err, ProviderConnectionError):
        key = f"component.{DOMAIN}.exceptions.connection_{err.problem}.message"
        if (template := _cached_message(hass, key)) is not None:
            said = template.replace("{status}", str(err.status))
            return said if err.detail is None else f"{said}: {err.detail}"
    elif err.key is not None:
        key = f"component.{DOMAIN}.exceptions.request_{err.key}.message"
        if (template := _cached_message(hass, key)) is not None:
            placeholders = err.placeholders
            if is_right_to_left(hass.config.language):
                placeholders = {name: isolated(value) for name, value in placeholders.items()}
            return fill_placeholders(template, placeholders)
    return str(err)


@callback
def _cached_message(hass: HomeAssistant, key: str) -> str | None:
    """Return a translated exception message in the server's language, else in English, if loaded."""
    for language in (hass.config.language, "en"):
        if template := async_get_cached_translations(hass, language, "exceptions", DOMAIN).get(key):
            return template
    return None


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
