"""Recordings Netgsm and Huawei link to: fetched only from their own servers, stored as media."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.conftest import (
    HUAWEI_WEBHOOK_PATH,
    NETGSM_WEBHOOK_PATH,
    SetupEntry,
    fixture_bytes,
    wait_for_events,
)
from tests.fakes import huawei as fake_huawei_api, netgsm as fake_netgsm_api

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"


pytestmark = pytest.mark.usefixtures("media_dir")


@pytest.fixture
async def netgsm(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake_netgsm_api.FakeNetgsm,
) -> tuple[fake_netgsm_api.FakeNetgsm, str]:
    """Set up Netgsm against the fake; return it and the address of its API."""
    await setup_entry(netgsm_entry)
    assert netgsm_entry.state is ConfigEntryState.LOADED
    return netgsm_api_url, netgsm_entry.runtime_data.client._api.base_url


def _outcome(bulkid: int, record_link: str) -> dict[str, Any]:
    """Return the seed's call outcome, answered, with a recorded answer at `record_link`."""
    seed = json.loads(fixture_bytes("netgsm/seed_webhook.json"))
    return {**seed, "bulkid": bulkid, "state": 1, "detail": {**seed["detail"], "record_link": record_link}}


async def _log_says(caplog: pytest.LogCaptureFixture, text: str) -> None:
    for _ in range(200):
        if text in caplog.text:
            return
        await asyncio.sleep(0.01)


async def test_a_netgsm_recorded_answer_is_voicemail(
    hass: HomeAssistant,
    netgsm: tuple[fake_netgsm_api.FakeNetgsm, str],
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, base = netgsm
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    server.recordings["answer-1.mp3"] = MP3
    seed = json.loads(fixture_bytes("netgsm/seed_webhook.json"))
    # A link to Netgsm's own server, one to somewhere else, and the seed's (not a link: `htps://`).
    own = _outcome(1, f"{base}/voicesms/records/answer-1.mp3")
    away = _outcome(2, "https://records.example.com/a.mp3")
    client = await hass_client_no_auth()
    for post in (own, away, seed):
        assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    await wait_for_events(hass, saved)
    await _log_says(caplog, "away from its own servers")
    assert [(event.data["kind"], event.data["call_id"], event.data["content_type"]) for event in saved] == [
        ("voicemail", "1", "audio/mpeg")
    ]
    assert saved[0].data["original_type"] == "call_status"
    assert "Netgsm linked to a file away from its own servers (records.example.com)" in caplog.text


async def test_a_redirect_away_from_netgsm_is_not_followed(
    hass: HomeAssistant,
    netgsm: tuple[fake_netgsm_api.FakeNetgsm, str],
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, base = netgsm
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    server.redirects["moved.mp3"] = "http://192.0.2.1/internal.mp3"
    client = await hass_client_no_auth()
    post = _outcome(3, f"{base}/voicesms/records/moved.mp3")
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    await _log_says(caplog, "away from its own servers")
    assert "Netgsm linked to a file away from its own servers (192.0.2.1)" in caplog.text
    assert saved == []


async def test_a_huawei_recording_follows_the_documented_redirect(
    hass: HomeAssistant,
    huawei_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_huawei: tuple[fake_huawei_api.FakeHuawei, str],
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, _url = fake_huawei
    await setup_entry(huawei_entry)
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    server.recordings["1201_366_0_20190124030424.wav"] = WAV
    fee = json.loads(fixture_bytes("huawei/seed_fee.json"))
    record = fee["feeLst"][0]
    recorded = {
        **record,
        "icid": "CAE-recorded",
        "recordFlag": 1,
        "recordObjectName": "1201_366_0_20190124030424.wav",
        "recordBucketName": "sp-bucket",
        "recordDomain": "ostor.huawei.com",
    }
    missing = {**recorded, "icid": "CAE-missing", "recordObjectName": "gone.wav"}
    client = await hass_client_no_auth()
    # The seed's record (not recorded), a recorded one, one whose file the API does not know.
    for item in (record, recorded, missing):
        assert (await client.post(HUAWEI_WEBHOOK_PATH, json={**fee, "feeLst": [item]})).status == 200
    await wait_for_events(hass, saved)
    await _log_says(caplog, "after 4 attempts")
    assert [(event.data["kind"], event.data["content_type"]) for event in saved] == [
        ("recordings", "audio/wav")
    ]
    assert saved[0].data["call_id"] == record["sessionId"]
    asked = [headers for headers in server.headers if "X-AKSK" in headers]
    assert asked, "the record API was asked with Huawei's AKSK headers"
    assert "Invalid request. (1010002)" in caplog.text
    assert fake_huawei_api.APP_SECRET not in caplog.text
