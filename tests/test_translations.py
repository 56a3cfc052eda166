"""Every user-visible string exists in every language, with the same placeholders."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest
import yaml

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cloud_telephony"
LANGUAGES = sorted(path.stem for path in (PACKAGE / "translations").glob("*.json"))
PLACEHOLDER = re.compile(r"{(\w+)}")


def _load(language: str) -> dict[str, Any]:
    return json.loads((PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8"))


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


ENGLISH = _flatten(_load("en"))


def test_languages() -> None:
    assert LANGUAGES == ["cs", "en", "he", "tr", "zh-Hans"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_known_keys_and_same_placeholders(language: str) -> None:
    """A translation adds no key English does not have, and keeps each string's placeholders."""
    translated = _flatten(_load(language))
    assert translated.keys() <= ENGLISH.keys()
    for key, text in translated.items():
        assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(ENGLISH[key])), key
        assert text.strip(), key


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_language_has_every_string(language: str) -> None:
    """No English left in another language's screens: every key of en.json is translated."""
    translated = _flatten(_load(language))
    assert sorted(ENGLISH.keys() - translated.keys()) == []
    # A copy of the English text is no translation (names, codes and examples aside).
    copied = [
        key
        for key, text in translated.items()
        if text == ENGLISH[key] and len(text.split()) > 3 and not text.startswith(("`", "http"))
    ]
    assert copied == []


def test_every_translation_key_in_the_code_exists() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.glob("*.py"))
    used = set(re.findall(r'translation_key="(\w+)"', source))
    # Entity keys live under entity.<platform>.<key>, errors and selectors one level higher.
    known = {key.split(".")[2] for key in ENGLISH if key.startswith("entity.")}
    known |= {
        key.split(".")[1]
        for key in ENGLISH
        if key.startswith(("exceptions.", "selector.", "issues.", "device."))
    }
    assert used - known == set()


def test_every_action_field_is_translated() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    for service, spec in services.items():
        assert f"services.{service}.name" in ENGLISH
        assert f"services.{service}.description" in ENGLISH
        for field in spec.get("fields", {}):
            assert f"services.{service}.fields.{field}.name" in ENGLISH, field
            assert f"services.{service}.fields.{field}.description" in ENGLISH, field


def test_every_form_error_is_translated() -> None:
    source = "".join(
        (PACKAGE / module).read_text(encoding="utf-8") for module in ("config_flow.py", "subentry_flow.py")
    )
    errors = set(re.findall(r'(?:"base"|CONF_\w+)\] = "(\w+)"|(?:"base"|CONF_\w+): "(\w+)"', source))
    errors = {name for pair in errors for name in pair if name}
    translated = {key.split(".")[-1] for key in ENGLISH if ".error." in key}
    assert errors - translated == set()


def test_every_action_and_entity_has_an_icon() -> None:
    from custom_components.cloud_telephony.binary_sensor import REGISTERED
    from custom_components.cloud_telephony.button import SEND_TEST_EVENT
    from custom_components.cloud_telephony.event import EVENT_DESCRIPTIONS
    from custom_components.cloud_telephony.sensor import (
        BALANCE_DESCRIPTION,
        PHONE_DESCRIPTIONS,
        QUEUE_WAITING,
        RECENT_CALLS_DESCRIPTION,
        SENSOR_DESCRIPTIONS,
        VOICEMAIL_DESCRIPTIONS,
    )
    from custom_components.cloud_telephony.switch import AGENT_PAUSED, DIRECTORY_LISTING

    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    actions = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    assert set(icons["services"]) == set(actions)
    events = {description.translation_key for description in EVENT_DESCRIPTIONS}
    assert set(icons["entity"]["event"]) == events
    sensors = {
        description.translation_key
        for description in (
            *SENSOR_DESCRIPTIONS,
            RECENT_CALLS_DESCRIPTION,
            BALANCE_DESCRIPTION,
            *PHONE_DESCRIPTIONS,
            QUEUE_WAITING,
            *VOICEMAIL_DESCRIPTIONS,
        )
    }
    assert set(icons["entity"]["sensor"]) == sensors
    assert set(icons["entity"]["binary_sensor"]) == {REGISTERED.translation_key}
    assert set(icons["entity"]["notify"]) == {"sms_recipient", "voice_recipient"}
    switches = {AGENT_PAUSED.translation_key, DIRECTORY_LISTING.translation_key}
    assert set(icons["entity"]["switch"]) == switches
    assert set(icons["entity"]["button"]) == {SEND_TEST_EVENT.translation_key}
