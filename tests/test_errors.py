"""One table from provider error to translation key, for forms and actions alike."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import patch

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.translation import async_load_integrations

from custom_components.cloud_telephony.api import (
    AuthError,
    ConnectionProblem,
    InsufficientBalanceError,
    InvalidNumberError,
    ProviderConnectionError,
    ProviderError,
    RateLimitedError,
    RequestValidationError,
    TelephonyError,
)
from custom_components.cloud_telephony.api.models import server_error
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.errors import ERROR_KEYS, error_key, reason_of, translated
from tests.test_translations import ENGLISH


@pytest.mark.parametrize(
    ("error", "key", "raised_as"),
    [
        (
            RequestValidationError("the message is empty", key="message_empty"),
            "invalid_request",
            ServiceValidationError,
        ),
        (InvalidNumberError("no such number", "45"), "invalid_number", ServiceValidationError),
        (AuthError("refused"), "invalid_auth", HomeAssistantError),
        (InsufficientBalanceError("no credit", "low_credit"), "insufficient_balance", HomeAssistantError),
        (
            ProviderConnectionError("no answer in time", ConnectionProblem.TIMEOUT),
            "cannot_connect",
            HomeAssistantError,
        ),
        (RateLimitedError("slow down", "429"), "provider_error", HomeAssistantError),
        (ProviderError("odd", "7"), "provider_error", HomeAssistantError),
    ],
)
async def test_each_error_has_its_key_and_kind(
    hass: HomeAssistant, error: TelephonyError, key: str, raised_as: type[HomeAssistantError]
) -> None:
    await async_load_integrations(hass, {DOMAIN})
    assert error_key(error) == key
    raised = translated(hass, "Netgsm", error)
    assert type(raised) is raised_as
    assert raised.translation_key == key
    # What the provider answered is passed on; a connection problem is said in translated words.
    reason = "it did not answer in time" if key == "cannot_connect" else str(error)
    assert raised.translation_placeholders == {"provider": "Netgsm", "reason": reason}


@pytest.mark.parametrize("key", [key for _kind, key in ERROR_KEYS])
def test_every_key_reads_in_a_form_and_in_an_action(key: str) -> None:
    assert f"config.error.{key}" in ENGLISH
    assert f"exceptions.{key}.message" in ENGLISH


TRANSLATIONS = Path(__file__).parents[1] / "custom_components" / DOMAIN / "translations"


@pytest.mark.parametrize("language", ["en", "tr", "cs", "he", "zh-Hans"])
async def test_connection_problems_are_said_in_the_server_language(
    hass: HomeAssistant, language: str
) -> None:
    """No class name, no second provider name, and the words of the server's language."""
    hass.config.language = language
    await async_load_integrations(hass, {DOMAIN})
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))["exceptions"]
    for problem in ConnectionProblem:
        said = reason_of(hass, ProviderConnectionError("English words for the log", problem, 503))
        expected = strings[f"connection_{problem}"]["message"].replace("{status}", "503")
        assert said == expected
        assert "Error" not in said
    # The provider's own words about its failure follow the translated ones.
    detailed = ProviderConnectionError(
        "the server answered HTTP 500", ConnectionProblem.SERVER_ERROR, 500, "Unknown"
    )
    assert reason_of(hass, detailed) == f"{strings['connection_server_error']['message']}: Unknown".replace(
        "{status}", "500"
    )
    assert reason_of(hass, server_error(502)) == strings["connection_server_error"]["message"].replace(
        "{status}", "502"
    )
    # What a provider answered is its own text.
    assert reason_of(hass, ProviderError("Geçersiz numara")) == "Geçersiz numara"


@pytest.mark.parametrize("language", ["en", "tr", "cs", "he", "zh-Hans"])
async def test_own_reasons_are_said_in_the_server_language(hass: HomeAssistant, language: str) -> None:
    """A reason a client gave for refusing a request before sending it, with its numbers filled in."""
    hass.config.language = language
    await async_load_integrations(hass, {DOMAIN})
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))["exceptions"]
    refused = RequestValidationError(
        "the ring time must be {min} to {max} seconds", key="ring_time", placeholders={"min": 10, "max": 30}
    )
    assert str(refused) == "the ring time must be 10 to 30 seconds"
    # Right to left, each value is isolated (first-strong isolate … pop directional isolate).
    said = (lambda value: f"\u2068{value}\u2069") if language == "he" else str
    expected = strings["request_ring_time"]["message"].replace("{min}", said(10)).replace("{max}", said(30))
    assert reason_of(hass, refused) == expected
    assert "{" not in expected
    # A number a client refused itself is keyed as well; one the provider refused is its own text.
    number = InvalidNumberError(
        "{number} is not an international number (+ and country code)",
        key="international_number",
        placeholders={"number": "0532"},
    )
    assert reason_of(hass, number) == strings["request_international_number"]["message"].replace(
        "{number}", said("0532")
    )
    assert reason_of(hass, InvalidNumberError("Geçersiz numara", "45")) == "Geçersiz numara"


async def test_own_reasons_fall_back_to_english_then_to_the_text(hass: HomeAssistant) -> None:
    hass.config.language = "de"  # no German translation: English words
    await async_load_integrations(hass, {DOMAIN})
    empty = RequestValidationError("the message is empty", key="message_empty")
    english = f"component.{DOMAIN}.exceptions.request_message_empty.message"

    def cached(_hass: HomeAssistant, language: str, category: str, domain: str) -> dict[str, str]:
        # English words that differ from the code's: the translation is taken, not the code's text.
        return {english: "nothing to send"} if language == "en" else {}

    with patch("custom_components.cloud_telephony.errors.async_get_cached_translations", cached):
        assert reason_of(hass, empty) == "nothing to send"
    assert reason_of(hass, empty) == "the message is empty"
    # A key without a translation (an older translation file) says the English text of the code.
    unknown = RequestValidationError("at most {max} {thing}", key="no_such_reason", placeholders={"max": 3})
    assert str(unknown) == "at most 3 {thing}"
    assert reason_of(hass, unknown) == "at most 3 {thing}"


def test_placeholder_values_are_not_read_as_placeholders() -> None:
    refused = RequestValidationError(
        "key {key} is not a digit from 0 to 9", key="key_not_digit", placeholders={"key": "'{key}'"}
    )
    assert str(refused) == "key '{key}' is not a digit from 0 to 9"
    assert refused.placeholders == {"key": "'{key}'"}
