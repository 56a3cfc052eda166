"""Fuzzing the real webhook: every answer is 2xx or 4xx, and a refused body fires no event."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.api.test_fuzz_parsers import (
    CRAFTED_CLASSES,
    CRAFTED_EXAMPLES,
    DOCUMENTED,
    FIELD_NAMES,
    JSON_VALUES,
    crafted_bodies,
    mutated_documents,
)
from tests.conftest import (
    BULKGATE_WEBHOOK_PATH,
    ENTRY_ID,
    HUAWEI_WEBHOOK_PATH,
    NETGSM_WEBHOOK_PATH,
    WEBHOOK_PATH,
    SetupEntry,
    stored_ids,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
PATHS = (WEBHOOK_PATH, BULKGATE_WEBHOOK_PATH, NETGSM_WEBHOOK_PATH, HUAWEI_WEBHOOK_PATH)

BODIES = st.one_of(
    st.binary(max_size=1024).map(lambda body: (body, "application/octet-stream")),
    JSON_VALUES.map(lambda value: (json.dumps(value).encode(), "application/json")),
    st.lists(st.tuples(FIELD_NAMES, st.text(max_size=20)), max_size=10).map(
        lambda fields: (urlencode(fields).encode(), "application/x-www-form-urlencoded")
    ),
    mutated_documents().map(lambda case: (json.dumps(case[1]).encode(), "application/json")),
)


# Header values anyone can send: latin-1 text (what HTTP carries), and the signature and
# authorization schemes with arbitrary fields.
HEADER_VALUES = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=255, exclude_categories=("Cc",)), max_size=120),
    st.dictionaries(
        st.sampled_from(["Username", "PasswordDigest", "Nonce", "Created"]),
        st.text(
            alphabet=st.characters(max_codepoint=255, exclude_categories=("Cc",), exclude_characters='"'),
            max_size=30,
        ),
    ).map(lambda fields: "UsernameToken " + ",".join(f'{key}="{value}"' for key, value in fields.items())),
)


def _draw[T](strategy: st.SearchStrategy[T], examples: int = EXAMPLES) -> list[T]:
    """Draw samples with hypothesis up front: its runner cannot drive an async Home Assistant test."""
    drawn: list[T] = []

    @settings(max_examples=examples, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(sample: T) -> None:
        drawn.append(sample)

    collect()
    return drawn


def _samples() -> list[tuple[bytes, str]]:
    return _draw(BODIES)


@pytest.fixture
async def webhooks(
    hass: HomeAssistant,
    setup_entry: SetupEntry,
    mock_config_entry: MockConfigEntry,
    bulkgate_entry: MockConfigEntry,
    netgsm_entry: MockConfigEntry,
    huawei_entry: MockConfigEntry,
    bulkgate_api_url: Any,
    netgsm_api_url: Any,
) -> None:
    """Set up a Bulutfon, a BulkGate, a Netgsm and a Huawei account."""
    for entry in (mock_config_entry, bulkgate_entry, netgsm_entry, huawei_entry):
        await setup_entry(entry)


@pytest.mark.usefixtures("webhooks")
async def test_webhook_answers_every_body_with_2xx_or_4xx(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    assert DOCUMENTED  # the mutation strategy has documented payloads to start from
    fired = async_capture_events(hass, MATCH_ALL)
    client = await hass_client_no_auth()
    for body, content_type in _samples():
        for path in PATHS:
            before = len([event for event in fired if event.event_type.startswith("cloud_telephony_")])
            response = await client.post(path, data=body, headers={"Content-Type": content_type})
            assert response.status in (200, 400, 413), (path, body, response.status)
            await hass.async_block_till_done()
            after = len([event for event in fired if event.event_type.startswith("cloud_telephony_")])
            if response.status == 200:
                assert after - before == (await response.json())["accepted"], (path, body)
            else:
                assert after == before, (path, body)


@pytest.mark.usefixtures("webhooks")
async def test_webhook_answers_every_signature_header_with_2xx_or_4xx(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    body = json.dumps({"eventType": "callout", "statusInfo": {"sessionId": "s", "timestamp": "t"}})
    for value in _draw(HEADER_VALUES):
        headers = {"X-AKSK": value, "Authorization": value, "Content-Type": "application/json"}
        for path in PATHS:
            response = await client.post(path, data=body, headers=headers)
            assert response.status in (200, 400, 401), (path, value, response.status)


@pytest.mark.usefixtures("webhooks")
async def test_crafted_bodies_leave_the_history_writable(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, storage_folder: Path
) -> None:
    """Large, deep, surrogate, long-key and many-field bodies: 2xx or 4xx, and the next post lands."""
    client = await hass_client_no_auth()
    samples = [
        sample
        for kind in CRAFTED_CLASSES
        for sample in _draw(crafted_bodies((kind,)), max(CRAFTED_EXAMPLES // len(CRAFTED_CLASSES), 3))
    ]
    for serial, (kind, body, content_type) in enumerate(samples):
        for path in PATHS:
            response = await client.post(path, data=body, headers={"Content-Type": content_type})
            assert response.status in (200, 400, 413), (kind, path, response.status)
        fax = {"event_type": "fax_init", "uuid": f"after-{serial}", "caller": 1, "callee": 2}
        after = await client.post(WEBHOOK_PATH, json=fax)
        assert await after.json() == {"accepted": 1, "duplicates": 0}, kind
        assert f"after-{serial}:fax_init:" in stored_ids(storage_folder, ENTRY_ID), kind
