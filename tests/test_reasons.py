"""Reasons the integration gives itself for refusing a request are said in the server's language."""

from __future__ import annotations

import ast
from dataclasses import dataclass
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

import pytest

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import NETGSM_ENTRY_ID, SetupEntry
from tests.fakes import huawei as huawei_fake, netgsm as fake_netgsm

PACKAGE = Path(__file__).parent.parent / "custom_components" / DOMAIN
TRANSLATIONS = PACKAGE / "translations"
PLACEHOLDER = re.compile(r"{(\w+)}")
LANGUAGES = ["en", "tr", "cs", "he", "zh-Hans"]


def _exceptions(language: str) -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = json.loads(
        (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    )["exceptions"]
    return strings


def _reason(language: str, key: str, **placeholders: object) -> str:
    template = _exceptions(language)[f"request_{key}"]["message"]
    # Right to left, each value is isolated (first-strong isolate … pop directional isolate).
    said = (lambda value: f"\u2068{value}\u2069") if language == "he" else str
    return PLACEHOLDER.sub(lambda match: said(placeholders[match[1]]), template)


@dataclass(frozen=True)
class Raise:
    """One error of the API package built with a reason of the integration's own."""

    where: str
    kind: str
    message: str | None
    key: str | None
    placeholders: frozenset[str] | None


def _raises() -> list[Raise]:
    """Every `RequestValidationError(...)`, and every other error given a `key=`, in `api/`."""
    found = []
    for path in sorted((PACKAGE / "api").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            kind = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            keywords = {keyword.arg: keyword.value for keyword in node.keywords}
            if kind != "RequestValidationError" and not (kind.endswith("Error") and "key" in keywords):
                continue
            first = node.args[0] if node.args else None
            key = keywords.get("key")
            names = keywords.get("placeholders")
            placeholders: frozenset[str] | None = frozenset()
            if isinstance(names, ast.Dict):
                keys = [name.value if isinstance(name, ast.Constant) else None for name in names.keys]
                placeholders = None if None in keys else frozenset(str(name) for name in keys)
            elif names is not None:
                placeholders = None  # not a literal dict: its names cannot be checked
            found.append(
                Raise(
                    where=f"{path.name}:{node.lineno}",
                    kind=kind,
                    message=first.value
                    if isinstance(first, ast.Constant) and isinstance(first.value, str)
                    else None,
                    key=key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None,
                    placeholders=placeholders,
                )
            )
    return found


RAISES = _raises()


def test_the_walk_sees_the_raises() -> None:
    """The static checks below look at the real raises (a broken walk would pass them vacuously)."""
    kinds = [found.kind for found in RAISES]
    assert kinds.count("RequestValidationError") >= 52
    assert "InvalidNumberError" in kinds


@pytest.mark.parametrize("found", RAISES, ids=[found.where for found in RAISES])
def test_every_reason_is_keyed_and_translated(found: Raise) -> None:
    """A literal English template, a literal key of en.json, and the placeholders that template names."""
    english = _exceptions("en")
    assert found.message is not None, "the reason is a literal template, {name} for each placeholder"
    assert found.key is not None, "the reason has a literal translation key"
    assert found.placeholders is not None, "the placeholders are a literal dict"
    assert f"request_{found.key}" in english, f"exceptions.request_{found.key} is missing from en.json"
    template = english[f"request_{found.key}"]["message"]
    assert set(PLACEHOLDER.findall(template)) == found.placeholders
    assert set(PLACEHOLDER.findall(found.message)) == found.placeholders
    # The English translation is the text the code says, so str(err) and the UI never drift apart.
    assert found.message == template


def test_every_request_translation_is_used() -> None:
    keys = {f"request_{found.key}" for found in RAISES}
    assert {key for key in _exceptions("en") if key.startswith("request_")} == keys


def test_the_same_key_means_the_same_reason() -> None:
    by_key: dict[str | None, set[str | None]] = {}
    for found in RAISES:
        by_key.setdefault(found.key, set()).add(found.message)
    assert {key: messages for key, messages in by_key.items() if len(messages) > 1} == {}


async def _send_sms(hass: HomeAssistant, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN, "send_sms", {"config_entry_id": NETGSM_ENTRY_ID, **data}, blocking=True, return_response=True
    )


@pytest.fixture
def language() -> str:
    """Return the server's language while the integration is set up (overridden by parametrize)."""
    return "en"


@pytest.fixture
async def netgsm(
    hass: HomeAssistant,
    language: str,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake_netgsm.FakeNetgsm,
) -> fake_netgsm.FakeNetgsm:
    """Set up the Netgsm entry on a server in `language`: the setup loads its translations."""
    hass.config.language = language
    await setup_entry(netgsm_entry)
    assert netgsm_entry.state is ConfigEntryState.LOADED
    return netgsm_api_url


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_action_refused_before_sending_says_why_in_the_server_language(
    hass: HomeAssistant, netgsm: fake_netgsm.FakeNetgsm, language: str
) -> None:
    with pytest.raises(ServiceValidationError) as caught:
        await _send_sms(hass, to="+905320000000", message="   ")
    reason = _reason(language, "message_empty")
    assert caught.value.translation_key == "invalid_request"
    assert caught.value.translation_placeholders == {"provider": "Netgsm", "reason": reason}
    assert reason in str(caught.value)
    if language != "en":
        assert "the message is empty" not in str(caught.value)
    # Numbers of the limit fill the placeholders of the translated words.
    with pytest.raises(ServiceValidationError) as caught:
        await _send_sms(hass, to="+905320000000", message="1" * 161, otp=True)
    assert caught.value.translation_placeholders["reason"] == _reason(
        language, "otp_too_long", length=161, max=160
    )
    assert netgsm.sms_sent == []
    assert netgsm.otp_sent == []


@pytest.mark.parametrize("language", ["tr"])
async def test_a_turkish_server_gets_turkish_reasons(
    hass: HomeAssistant, netgsm: fake_netgsm.FakeNetgsm
) -> None:
    """The same refusals, spelled out: what a Turkish user reads, and an English one after a switch."""
    with pytest.raises(ServiceValidationError) as caught:
        await _send_sms(hass, to="+905320000000", message="   ")
    assert str(caught.value) == "Not sent to Netgsm: mesaj boş"
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN,
            "send_voice_message",
            {
                "config_entry_id": NETGSM_ENTRY_ID,
                "to": "5320000000",
                "message": "Alarm",
                "start": "2026-03-01 09:00:00",
                "end": "2026-03-01 09:30:00",
            },
            blocking=True,
            return_response=True,
        )
    assert (
        caught.value.translation_placeholders["reason"] == "arama aralığı 1 ile 21 saat arasında sürmelidir"
    )
    hass.config.language = "en"
    with pytest.raises(ServiceValidationError) as caught:
        await _send_sms(hass, to="+905320000000", message="   ")
    assert str(caught.value) == "Not sent to Netgsm: the message is empty"


@pytest.mark.usefixtures("external_url")
async def test_the_config_flow_says_why_in_the_server_language(
    hass: HomeAssistant, fake_huawei: tuple[huawei_fake.FakeHuawei, str]
) -> None:
    """Before the integration is set up: the flow loads the translations it needs."""
    hass.config.language = "he"
    _server, url = fake_huawei
    user_input = {
        "app_key": huawei_fake.APP_KEY,
        "app_secret": huawei_fake.APP_SECRET,
        "base_url": url,
        "display_number": "053159511234",
        "pre_tone": "pretone.wav",
        "language_type": 2,
        "country": "CN",
    }
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "huawei"})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {"base": "invalid_request"}
    assert result["description_placeholders"]["reason"] == _reason("he", "display_number")
