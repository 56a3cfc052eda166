"""Stored media: a new voicemail's recording fetched, stored, announced and offered in the media browser."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from homeassistant.components.media_source import (
    URI_SCHEME,
    Unresolvable,
    async_browse_media,
    async_resolve_media,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.cloud_telephony.api import MediaKind
from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import YEMOT_ENTRY_ID, change_options
from tests.fakes import yemot as fake

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"


@pytest.fixture
async def yemot(
    hass: HomeAssistant,
    yemot_entry: MockConfigEntry,
    fake_yemot: fake.FakeYemot,
    media_dir: Path,
) -> fake.FakeYemot:
    """Set up Yemot with voicemail box 5, with a media folder."""
    yemot_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        yemot_entry, options={**yemot_entry.options, "voicemail_boxes": ["5"]}
    )
    await hass.config_entries.async_setup(yemot_entry.entry_id)
    await hass.async_block_till_done()
    assert yemot_entry.state is ConfigEntryState.LOADED
    return fake_yemot


async def _new_message(
    hass: HomeAssistant, entry: MockConfigEntry, yemot: fake.FakeYemot, number: int
) -> None:
    yemot.folders["ivr2:/5"].append(fake.recording(number, "0549876543", f"01/12/2026 10:{number:02d}"))
    await entry.runtime_data.voicemail.async_refresh()
    await hass.async_block_till_done()


async def _wait_for(events: list[Any], count: int) -> None:
    for _ in range(200):
        if len(events) >= count:
            return
        await asyncio.sleep(0.01)


async def test_a_voicemail_is_stored_announced_and_browsable(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry, media_dir: Path
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    yemot.recordings["ivr2:/5/001.wav"] = WAV
    await _new_message(hass, yemot_entry, yemot, 1)
    await _wait_for(saved, 1)
    assert len(saved) == 1
    data = saved[0].data
    name = data["media_content_id"].rsplit("/", 1)[1]
    assert data["kind"] == "voicemail"
    assert data["media_content_id"] == f"{URI_SCHEME}{DOMAIN}/{YEMOT_ENTRY_ID}/voicemail/{name}"
    assert data["local_url"] == f"/media/local/cloud_telephony/{YEMOT_ENTRY_ID}/voicemail/{name}"
    assert (data["caller"], data["caller_name"], data["duration"]) == ("+972549876543", "אמא", 6)
    assert (data["content_type"], data["size"], data["original_type"]) == (
        "audio/wav",
        len(WAV),
        "voicemail_received",
    )
    assert name.endswith(".wav")
    stored = media_dir / "cloud_telephony" / YEMOT_ENTRY_ID / "voicemail" / name
    assert stored.read_bytes() == WAV
    assert json.loads(stored.with_suffix(".json").read_text())["caller_name"] == "אמא"
    # The media browser: the account, its kinds, the file titled by time, who and length.
    root = await async_browse_media(hass, f"{URI_SCHEME}{DOMAIN}")
    assert [child.title for child in root.children] == ["Yemot 0773137770"]
    account = await async_browse_media(hass, f"{URI_SCHEME}{DOMAIN}/{YEMOT_ENTRY_ID}")
    assert [child.title for child in account.children] == ["Faxes", "Recordings", "Voicemail"]
    box = await async_browse_media(hass, f"{URI_SCHEME}{DOMAIN}/{YEMOT_ENTRY_ID}/voicemail")
    # 10:01 in Israel is 00:01 in the test's time zone (US/Pacific).
    assert [child.title for child in box.children] == ["2026-12-01 00:01 · אמא · 0:06"]
    assert box.children[0].can_play
    played = await async_resolve_media(hass, data["media_content_id"], None)
    assert played.url.startswith(f"/media/local/cloud_telephony/{YEMOT_ENTRY_ID}/voicemail/{name}")
    assert played.mime_type == "audio/wav"


async def test_a_recording_offered_late_is_fetched_by_a_retry(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    await _new_message(hass, yemot_entry, yemot, 1)
    # Not there at the first attempt.
    await asyncio.sleep(0.005)
    yemot.recordings["ivr2:/5/001.wav"] = WAV
    await _wait_for(saved, 1)
    assert len(saved) == 1
    downloads_asked = [params for command, params, _ in yemot.requests if command == "DownloadFile"]
    assert len(downloads_asked) >= 2


async def test_a_recording_never_offered_is_given_up(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    await _new_message(hass, yemot_entry, yemot, 1)
    for _ in range(100):
        if "after 4 attempts" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert (
        "Could not fetch a voicemail file of Yemot 0773137770 from Yemot HaMashiach after 4 attempts"
        in caplog.text
    )
    assert "1234" not in caplog.text.split("after 4 attempts")[1]
    assert saved == []


async def test_a_message_found_at_start_up_is_fetched_too(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    """The first poll after a restart finds a new message: its recording is fetched as well."""
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    await hass.config_entries.async_unload(yemot_entry.entry_id)
    yemot.folders["ivr2:/5"].append(fake.recording(1, "0549876543", "01/12/2026 10:01"))
    yemot.recordings["ivr2:/5/001.wav"] = WAV
    await hass.config_entries.async_setup(yemot_entry.entry_id)
    await hass.async_block_till_done()
    await _wait_for(saved, 1)
    assert [event.data["kind"] for event in saved] == ["voicemail"]


async def test_a_sidecar_naming_a_file_outside_is_passed_over(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry, media_dir: Path
) -> None:
    folder = media_dir / "cloud_telephony" / YEMOT_ENTRY_ID / "voicemail"
    folder.mkdir(parents=True)
    (folder / "evil.json").write_text(
        json.dumps(
            {
                "kind": "voicemail",
                "name": "../../../secrets.yaml",
                "content_type": "audio/wav",
                "size": 1,
                "saved_at": "2026-12-01T00:00:00+00:00",
            }
        )
    )
    assert await yemot_entry.runtime_data.media.library.async_list(MediaKind.VOICEMAIL) == []
    with pytest.raises(Unresolvable):
        await async_resolve_media(hass, f"{URI_SCHEME}{DOMAIN}/{YEMOT_ENTRY_ID}/voicemail/..", None)


async def test_the_same_file_is_stored_once(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    yemot.recordings["ivr2:/5/001.wav"] = WAV
    downloader = yemot_entry.runtime_data.media
    ref = yemot_entry.runtime_data.client.media_of(
        {"type": "voicemail_received", "file_path": "ivr2:/5/001.wav"}
    )
    assert ref is not None
    first = await downloader.async_fetch(ref, {"type": "voicemail_received"})
    again = await downloader.async_fetch(ref, {"type": "voicemail_received"})
    await hass.async_block_till_done()
    assert first is not None
    assert again is None
    assert len(saved) == 1


async def test_retention_by_count_and_age(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry, media_dir: Path
) -> None:
    await change_options(hass, yemot_entry, retention_count=2, retention_days=30)
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    for number in (1, 2, 3):
        yemot.recordings[f"ivr2:/5/{number:03d}.wav"] = WAV
        await _new_message(hass, yemot_entry, yemot, number)
        await _wait_for(saved, number)
        await hass.async_block_till_done(wait_background_tasks=True)
    library = yemot_entry.runtime_data.media.library
    kept = await library.async_list(MediaKind.VOICEMAIL)
    # The two newest stay.
    assert [item.occurred_at[11:16] for item in kept] == ["00:03", "00:02"]
    assert len(list((media_dir / "cloud_telephony" / YEMOT_ENTRY_ID / "voicemail").iterdir())) == 4
    # A limit that ends in the future: every stored file is older than it.
    removed = await library.async_prune(timedelta(days=30) - timedelta(days=400), 10)
    assert removed == 2
    assert await library.async_list(MediaKind.VOICEMAIL) == []


async def test_the_folder_must_be_a_media_folder(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry, media_dir: Path
) -> None:
    result = await hass.config_entries.options.async_init(yemot_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**yemot_entry.options, "media_folder": "/etc/cloud_telephony"}
    )
    assert result["errors"] == {"media_folder": "media_folder_outside"}
    inside = str(media_dir / "calls")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**yemot_entry.options, "media_folder": inside}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    assert yemot_entry.runtime_data.media.library.folder == Path(inside)
    assert (
        yemot_entry.runtime_data.media.library.media_url(MediaKind.VOICEMAIL, "a.wav")
        == "/media/local/calls/voicemail/a.wav"
    )


async def test_unknown_items_are_refused(hass: HomeAssistant, yemot: fake.FakeYemot) -> None:
    for identifier in (
        f"{YEMOT_ENTRY_ID}/voicemail/../../secrets.yaml",
        f"{YEMOT_ENTRY_ID}/voicemail/missing.wav",
        f"{YEMOT_ENTRY_ID}/letters/a.wav",
        "nope/voicemail/a.wav",
    ):
        with pytest.raises(Unresolvable):
            await async_resolve_media(hass, f"{URI_SCHEME}{DOMAIN}/{identifier}", None)
