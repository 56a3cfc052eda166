"""Each provider declares itself once, truthfully, and only in its own api module."""

from __future__ import annotations

from pathlib import Path
import re
from typing import Any, get_protocol_members
from unittest.mock import MagicMock

import pytest

from custom_components.cloud_telephony.api import (
    AUDIO_LIBRARY,
    BALANCE,
    CAMPAIGN,
    INBOX,
    PROVIDERS,
    RESULT_POLLING,
    RING,
    SMS,
    VOICE_CANCEL,
    VOICE_CODE,
    VOICE_MESSAGE,
    FieldKind,
    ProviderSpec,
)

PACKAGE = Path(__file__).parent.parent / "custom_components" / "cloud_telephony"
CAPABILITIES = (
    AUDIO_LIBRARY,
    BALANCE,
    CAMPAIGN,
    INBOX,
    RESULT_POLLING,
    RING,
    SMS,
    VOICE_CANCEL,
    VOICE_CODE,
    VOICE_MESSAGE,
)


def _sample_data(spec: ProviderSpec) -> dict[str, Any]:
    """Fill every declared field the way the config flow stores it."""
    data: dict[str, Any] = {}
    for field in spec.fields:
        if field.kind is FieldKind.NUMBER:
            data[field.key] = field.default if field.default is not None else 1
        elif field.kind is FieldKind.CHOICE:
            data[field.key] = field.default or field.choices[0]
        elif field.kind is FieldKind.URL:
            data[field.key] = field.default or "https://example.invalid"
        else:
            data[field.key] = "12345"
    return data


@pytest.mark.parametrize("spec", PROVIDERS.values(), ids=list(PROVIDERS))
def test_declared_capabilities_are_what_the_client_can_do(spec: ProviderSpec) -> None:
    """The Home Assistant side trusts the declaration; the client class must keep it, both ways."""
    client = spec.create_client(MagicMock(), _sample_data(spec))
    assert client is not None
    for capability in CAPABILITIES:
        members = get_protocol_members(capability.protocol)
        has_them = all(callable(getattr(client, member, None)) for member in members)
        assert has_them is spec.can(capability), (spec.id, capability)


@pytest.mark.parametrize("spec", PROVIDERS.values(), ids=list(PROVIDERS))
def test_each_spec_is_whole(spec: ProviderSpec) -> None:
    keys = [field.key for field in spec.fields]
    assert len(keys) == len(set(keys))
    assert sum(field.identity for field in spec.fields) == 1
    assert spec.secret_key in keys
    assert set(spec.other_secret_keys) <= set(keys)
    # A secret is never shown in diagnostics, and neither is what names the account.
    assert {field.key for field in spec.fields if field.kind is FieldKind.SECRET} <= spec.redacted_keys
    assert spec.identity.key in spec.redacted_keys
    # The title can be made from what the flow asks.
    assert spec.title.format(brand=spec.brand, **_sample_data(spec))
    assert spec.identity not in spec.reconfigurable


def test_the_home_assistant_side_names_no_provider() -> None:
    """Provider knowledge lives in `api/`: a sixth provider changes nothing outside it."""
    names = re.compile(
        "|".join(re.escape(word) for spec in PROVIDERS.values() for word in (spec.id, spec.brand.split()[0])),
        re.IGNORECASE,
    )
    found = {
        f"{path.name}:{number}: {line.strip()}"
        for path in PACKAGE.glob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if names.search(line)
    }
    assert found == set()
