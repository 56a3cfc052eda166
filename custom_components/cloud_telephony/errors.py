"""Provider errors in Home Assistant's terms, for setup and polling."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError

from .api import AuthError, TelephonyError
from .const import DOMAIN


@contextmanager
def provider_errors(brand: str, failure: type[HomeAssistantError], translation_key: str) -> Iterator[None]:
    """Raise a refusal as ConfigEntryAuthFailed (reauthentication), other provider errors as `failure`."""
    try:
        yield
    except AuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"provider": brand, "reason": str(err)},
        ) from err
    except TelephonyError as err:
        raise failure(
            translation_domain=DOMAIN,
            translation_key=translation_key,
            translation_placeholders={"provider": brand, "reason": str(err)},
        ) from err
