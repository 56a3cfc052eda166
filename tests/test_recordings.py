"""Recordings Netgsm and Huawei link to: fetched only from their own servers, stored as media."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony import downloads
from tests.conftest import HUAWEI_WEBHOOK_PATH, NETGSM_WEBHOOK_PATH, SetupEntry, fixture_bytes
from tests.fakes import huawei as fake_huawei_api, netgsm as fake_netgsm_api

MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 32
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"


@pytest.fixture(autouse=True)
async def media_dir(hass: HomeAssistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give Home Assistant a media folder; retries a moment apart."""
    monkeypatch.setattr(downloads, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    hass.config.media_dirs = {"local": str(tmp_path / "media")}
    assert await async_setup_component(hass, "media_source", {})
    return tmp_path / "media"


async def _settled(hass: HomeAssistant, events: list[Any], count: int) -> None:
    for _ in range(300):
        if len(events) >= count:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_netgsm_recorded_answer_is_voicemail(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake_netgsm_api.FakeNetgsm,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_entry(netgsm_entry)
    assert netgsm_entry.state is ConfigEntryState.LOADED
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    netgsm_api_url.recordings["answer-1.mp3"] = MP3
    base = netgsm_entry.runtime_data.client._api.base_url
    # The seed's outcome, answered, with a link to Netgsm's own server; and one to somewhere else.
    seed = json.loads(fixture_bytes("netgsm/seed_webhook.json"))
    own = {
        **seed,
        "bulkid": 1,
        "state": 1,
        "detail": {**seed["detail"], "record_link": f"{base}/voicesms/records/answer-1.mp3"},
    }
    away = {
        **seed,
        "bulkid": 2,
        "state": 1,
        "detail": {**seed["detail"], "record_link": "https://records.example.com/a.mp3"},
    }
    client = await hass_client_no_auth()
    for post in (own, away, seed):
        assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    await _settled(hass, saved, 1)
    assert [(event.data["kind"], event.data["call_id"], event.data["content_type"]) for event in saved] == [
        ("voicemail", "1", "audio/mpeg")
    ]
    assert saved[0].data["original_type"] == "call_status"
    assert "Netgsm linked to a file away from its own servers (records.example.com)" in caplog.text


async def test_a_redirect_away_from_netgsm_is_not_followed(
    hass: HomeAssistant,
    netgsm_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    netgsm_api_url: fake_netgsm_api.FakeNetgsm,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_entry(netgsm_entry)
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    base = netgsm_entry.runtime_data.client._api.base_url
    netgsm_api_url.redirects["moved.mp3"] = "http://192.0.2.1/internal.mp3"
    seed = json.loads(fixture_bytes("netgsm/seed_webhook.json"))
    post = {
        **seed,
        "bulkid": 3,
        "state": 1,
        "detail": {**seed["detail"], "record_link": f"{base}/voicesms/records/moved.mp3"},
    }
    client = await hass_client_no_auth()
    assert (await client.post(NETGSM_WEBHOOK_PATH, json=post)).status == 200
    for _ in range(200):
        if "away from its own servers" in caplog.text:
            break
        await asyncio.sleep(0.01)
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
    await _settled(hass, saved, 1)
    for _ in range(200):
        if "after 4 attempts" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert [(event.data["kind"], event.data["content_type"]) for event in saved] == [
        ("recordings", "audio/wav")
    ]
    assert saved[0].data["call_id"] == record["sessionId"]
    asked = [headers for headers in server.headers if "X-AKSK" in headers]
    assert asked, "the record API was asked with Huawei's AKSK headers"
    assert "Invalid request. (1010002)" in caplog.text
    assert fake_huawei_api.APP_SECRET not in caplog.text
