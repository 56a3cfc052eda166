"""One table from provider error to translation key, for forms and actions alike."""

from __future__ import annotations

import pytest

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.cloud_telephony.api import (
    AuthError,
    InsufficientBalanceError,
    InvalidNumberError,
    ProviderConnectionError,
    ProviderError,
    RateLimitedError,
    RequestValidationError,
    TelephonyError,
)
from custom_components.cloud_telephony.errors import ERROR_KEYS, error_key, translated
from tests.test_translations import ENGLISH


@pytest.mark.parametrize(
    ("error", "key", "raised_as"),
    [
        (RequestValidationError("too long"), "invalid_request", ServiceValidationError),
        (InvalidNumberError("no such number", "45"), "invalid_number", ServiceValidationError),
        (AuthError("refused"), "invalid_auth", HomeAssistantError),
        (InsufficientBalanceError("no credit", "low_credit"), "insufficient_balance", HomeAssistantError),
        (ProviderConnectionError("did not answer in time"), "cannot_connect", HomeAssistantError),
        (RateLimitedError("slow down", "429"), "provider_error", HomeAssistantError),
        (ProviderError("odd", "7"), "provider_error", HomeAssistantError),
    ],
)
def test_each_error_has_its_key_and_kind(
    error: TelephonyError, key: str, raised_as: type[HomeAssistantError]
) -> None:
    assert error_key(error) == key
    raised = translated("Netgsm", error)
    assert type(raised) is raised_as
    assert raised.translation_key == key
    assert raised.translation_placeholders == {"provider": "Netgsm", "reason": str(error)}


@pytest.mark.parametrize("key", [key for _kind, key in ERROR_KEYS])
def test_every_key_reads_in_a_form_and_in_an_action(key: str) -> None:
    assert f"config.error.{key}" in ENGLISH
    assert f"exceptions.{key}.message" in ENGLISH
