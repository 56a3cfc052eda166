"""Bulutfon faxes and call recordings: a `fax_init` post plus the API gives a stored fax and a picture."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

from PIL import Image
import pytest

from homeassistant.components.media_source import URI_SCHEME, async_browse_media, async_resolve_media
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api import bulutfon as bulutfon_api
from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import ENTRY_ID, FIXTURES, WEBHOOK_PATH, SetupEntry, entry_variant, wait_for_events
from tests.fakes import bulutfon as fake

FAX_POST = (FIXTURES / "bulutfon" / "seed_fax_init.json").read_bytes()
FAX_UUID = json.loads(FAX_POST)["uuid"]
HANGUP = json.loads((FIXTURES / "bulutfon" / "seed_call_hangup.json").read_bytes())
IMAGE = "image.office_pbx_last_fax_page_1"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"


def fax_page(kind: str, dpi: tuple[int, int] = (204, 196)) -> bytes:
    """Return a two-page fax as a fax machine sends it: 1728 dots wide, 1-bit (TIFF G4) or a PDF.

    Fine resolution (204 by 196 dpi) by default; standard resolution has half the lines.
    """
    height = round(2200 * dpi[1] / 196)
    pages = [Image.new("1", (1728, height), color=1) for _ in range(2)]
    pages[0].paste(0, (100, round(100 * dpi[1] / 196), 900, round(300 * dpi[1] / 196)))
    output = io.BytesIO()
    if kind == "tiff":
        pages[0].save(output, "TIFF", compression="group4", save_all=True, append_images=pages[1:], dpi=dpi)
    else:
        pages[0].save(output, "PDF", save_all=True, append_images=pages[1:], resolution=200)
    return output.getvalue()


@pytest.fixture
async def bulutfon(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    fake_bulutfon: tuple[fake.FakeBulutfon, str],
    setup_entry: SetupEntry,
    media_dir: Path,
) -> fake.FakeBulutfon:
    """Set up a Bulutfon account with an API token against the fake API, with a media folder."""
    server, url = fake_bulutfon
    entry = entry_variant(mock_config_entry, data={bulutfon_api.API_TOKEN: fake.VALID_TOKEN, "base_url": url})
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.LOADED
    return server


async def _image(hass_client: ClientSessionGenerator) -> Image.Image:
    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{IMAGE}")
    assert response.status == 200
    assert response.content_type == "image/png"
    return Image.open(io.BytesIO(await response.read()))


@pytest.mark.parametrize("kind", ["tiff", "pdf"])
async def test_a_fax_is_stored_and_shown(
    hass: HomeAssistant,
    bulutfon: fake.FakeBulutfon,
    hass_client_no_auth: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
    kind: str,
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    # Served as a bare octet stream: what the file is comes from its first bytes.
    bulutfon.faxes[FAX_UUID] = (fax_page(kind), "application/octet-stream")
    webhook = await hass_client_no_auth()
    response = await webhook.post(WEBHOOK_PATH, data=FAX_POST, headers={"Content-Type": "application/json"})
    assert response.status == 200
    await wait_for_events(hass, saved)
    assert len(saved) == 1
    data = saved[0].data
    content_type = "image/tiff" if kind == "tiff" else "application/pdf"
    assert (data["kind"], data["content_type"], data["call_id"]) == ("faxes", content_type, FAX_UUID)
    assert (data["caller"], data["original_type"]) == ("+905326200000", "incoming_fax")
    asked = [request for request in bulutfon.requests if request.path.startswith("/incoming-faxes/")]
    assert [request.path for request in asked] == [f"/incoming-faxes/{FAX_UUID}"]
    # The picture: page 1 as PNG, scaled to 1000 dots wide (square dots), the black box top left.
    assert hass.states.get(IMAGE).attributes["caller"] == "+905326200000"
    page = await _image(hass_client)
    assert page.width == 1000
    assert 1200 < page.height < 1350
    assert page.convert("L").getpixel((200, 100)) < 64
    assert page.convert("L").getpixel((800, 800)) > 192
    # The media browser shows a fax as one picture of all its pages (Home Assistant's media view
    # serves images, and browsers show no TIFF).
    faxes = await async_browse_media(hass, f"{URI_SCHEME}{DOMAIN}/{ENTRY_ID}/faxes")
    assert [child.media_content_type for child in faxes.children] == ["image/png"]
    shown = await async_resolve_media(hass, data["media_content_id"], None)
    assert shown.mime_type == "image/png"
    assert shown.url.split("?")[0] == data["view_url"]
    assert data["view_url"].endswith(".pages.png")
    assert data["local_url"].endswith(".tiff" if kind == "tiff" else ".pdf")
    folder = Path(hass.config.media_dirs["local"]) / "cloud_telephony" / ENTRY_ID / "faxes"
    pages = Image.open(folder / data["view_url"].rsplit("/", 1)[1])
    # Both pages, one below the other.
    assert pages.width == 1000
    assert pages.height > 2 * 1200


async def test_a_recorded_call_is_stored(
    hass: HomeAssistant, bulutfon: fake.FakeBulutfon, hass_client_no_auth: ClientSessionGenerator
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    webhook = await hass_client_no_auth()
    # The seed's hang-up was not recorded: nothing is asked for.
    assert (await webhook.post(WEBHOOK_PATH, json=HANGUP)).status == 200
    recorded = {**HANGUP, "uuid": "r-1", "cdr": {**HANGUP["cdr"], "uuid": "r-1", "call_record": True}}
    bulutfon.call_records["r-1"] = (WAV, "audio/x-wav")
    assert (await webhook.post(WEBHOOK_PATH, json=recorded)).status == 200
    await wait_for_events(hass, saved)
    assert [(event.data["kind"], event.data["call_id"]) for event in saved] == [("recordings", "r-1")]
    assert saved[0].data["content_type"] == "audio/wav"
    assert [request.path for request in bulutfon.requests if "call-records" in request.path] == [
        "/call-records/r-1"
    ]


async def test_a_refused_token_is_not_retried(
    hass: HomeAssistant,
    bulutfon: fake.FakeBulutfon,
    hass_client_no_auth: ClientSessionGenerator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(fake, "VALID_TOKEN", "another")
    webhook = await hass_client_no_auth()
    await webhook.post(WEBHOOK_PATH, data=FAX_POST, headers={"Content-Type": "application/json"})
    for _ in range(100):
        if "refused the faxes file" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "Bulutfon refused the faxes file of Office PBX: invalid_token" in caplog.text
    assert len([request for request in bulutfon.requests if "faxes" in request.path]) == 1
    ours = [record.getMessage() for record in caplog.records if record.name.startswith("custom_components")]
    assert not [message for message in ours if "valid-master-token" in message]


async def test_something_that_is_no_fax_is_refused(
    hass: HomeAssistant,
    bulutfon: fake.FakeBulutfon,
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    bulutfon.faxes[FAX_UUID] = (b"<html>login</html>", "text/html")
    webhook = await hass_client_no_auth()
    await webhook.post(WEBHOOK_PATH, data=FAX_POST, headers={"Content-Type": "application/json"})
    for _ in range(200):
        if "after 4 attempts" in caplog.text:
            break
        await asyncio.sleep(0.01)
    assert "after 4 attempts: the answer was text/html instead of a fax" in caplog.text
    assert saved == []
    assert hass.states.get(IMAGE).state == "unknown"


# ---- API v2 and call back ----------------------------------------------------------------------


async def test_a_v2_key_passes_the_check(
    hass: HomeAssistant, fake_bulutfon: tuple[fake.FakeBulutfon, str]
) -> None:
    """Both credentials Bulutfon issues are accepted; anything else is refused by both APIs."""
    import aiohttp

    server, url = fake_bulutfon
    async with aiohttp.ClientSession() as session:
        v1 = bulutfon_api.BulutfonClient(session, fake.VALID_TOKEN, base_url=url)
        assert (await v1.async_validate()).api_version == "v1"
        v2 = bulutfon_api.BulutfonClient(session, fake.V2_KEY, base_url=url)
        assert (await v2.async_validate()).api_version == "v2"
        with pytest.raises(bulutfon_api.AuthError, match=r"neither for API v1 .* nor for API v2"):
            await bulutfon_api.BulutfonClient(session, "nope", base_url=url).async_validate()
    paths = [(request.path, dict(request.query)) for request in server.requests]
    assert ("/v2/cdr/list", {"limit": "1", "apikey": fake.V2_KEY}) in paths


async def test_a_v2_fax_is_found_by_sender_and_time(
    hass: HomeAssistant,
    bulutfon_v2: tuple[fake.FakeBulutfon, str, MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    server, _url, _entry = bulutfon_v2
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    # The seed's fax arrived at 2015-12-18 17:10:20 UTC; v2 lists faxes by its own ids.
    server.v2_faxes = [
        {
            "id": 58902,
            "sender": "905326200000",
            "receiver": "908508850000",
            "created_at": "2015-12-17T20:10:20+03:00",
        },
        {
            "id": 58903,
            "sender": "905326200000",
            "receiver": "908508850000",
            "created_at": "2015-12-18T20:10:31+03:00",
        },
        {
            "id": 58904,
            "sender": "902120000000",
            "receiver": "908508850000",
            "created_at": "2015-12-18T20:10:21+03:00",
        },
    ]
    server.v2_fax_files["58903"] = (fax_page("pdf"), "application/pdf")
    webhook = await hass_client_no_auth()
    await webhook.post(WEBHOOK_PATH, data=FAX_POST, headers={"Content-Type": "application/json"})
    await wait_for_events(hass, saved)
    assert [(event.data["kind"], event.data["content_type"]) for event in saved] == [
        ("faxes", "application/pdf")
    ]
    asked = [request.path for request in server.requests if request.path.startswith("/v2/fax/")]
    assert asked == ["/v2/fax/incoming-faxes", "/v2/fax/incoming-faxes/58903/download"]


async def test_a_v2_recording_comes_from_the_call_details(
    hass: HomeAssistant,
    bulutfon_v2: tuple[fake.FakeBulutfon, str, MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, url, _entry = bulutfon_v2
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    hangup = json.loads((FIXTURES / "bulutfon" / "v2021_call_hangup.json").read_bytes())
    uuid = hangup["uuid"]
    server.v2_cdrs[uuid] = {
        "uuid": uuid,
        "caller": "90532000000",
        "call_record": f"{url}/v2/recordings/{uuid}.wav",
    }
    server.v2_recordings[f"{uuid}.wav"] = (WAV, "audio/wav")
    # A call whose details say it was not recorded, and one whose details point elsewhere.
    server.v2_cdrs["n-1"] = {"uuid": "n-1", "call_record": "NO"}
    server.v2_cdrs["x-1"] = {"uuid": "x-1", "call_record": "https://elsewhere.example.com/x-1.wav"}
    webhook = await hass_client_no_auth()
    for call in (
        hangup,
        {**hangup, "uuid": "n-1", "cdr_api_url": hangup["cdr_api_url"].replace(uuid, "n-1")},
        {**hangup, "uuid": "x-1", "cdr_api_url": hangup["cdr_api_url"].replace(uuid, "x-1")},
    ):
        assert (await webhook.post(WEBHOOK_PATH, json=call)).status == 200
    await wait_for_events(hass, saved)
    await asyncio.sleep(0.1)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [(event.data["kind"], event.data["call_id"]) for event in saved] == [("recordings", uuid)]
    # The details are read at the API's own address, whatever host the post named.
    assert f"/v2/cdr/2021/02/25/{uuid}" in [request.path for request in server.requests]
    assert not [request for request in server.requests if "x-1.wav" in request.path]
    # A call that was not recorded is no warning (one per call would flood the log).
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert not [message for message in warnings if "not recorded" in message]


async def test_call_back_with_v2(
    hass: HomeAssistant, bulutfon_v2: tuple[fake.FakeBulutfon, str, MockConfigEntry]
) -> None:
    server, _url, entry = bulutfon_v2
    response = await hass.services.async_call(
        DOMAIN,
        "call_back",
        {"config_entry_id": entry.entry_id, "extension": "1001", "to": "0532 620 00 00"},
        blocking=True,
        return_response=True,
    )
    assert response == {"message": "Arama başlatıldı", "to": "+905326200000"}
    assert server.bridged == [{"apikey": fake.V2_KEY, "extension": "1001", "destination": "+905326200000"}]


async def test_call_back_with_v1(hass: HomeAssistant, bulutfon: fake.FakeBulutfon) -> None:
    data = {"config_entry_id": ENTRY_ID, "extension": "1001", "to": "+905326200000"}
    with pytest.raises(ServiceValidationError, match="needs the PBX number to call from"):
        await hass.services.async_call(DOMAIN, "call_back", data, blocking=True)
    response = await hass.services.async_call(
        DOMAIN, "call_back", {**data, "caller_id": "908508850000"}, blocking=True, return_response=True
    )
    assert response == {"message": "Arama başarıyla başlatıldı.", "to": "+905326200000"}
    assert bulutfon.bridged == [
        {
            "caller": "908508850000",
            "callee": "+905326200000",
            "destination": "1001",
            "access_token": fake.VALID_TOKEN,
        }
    ]


async def test_call_back_is_refused_without_a_token(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    with pytest.raises(ServiceValidationError, match="Bulutfon accounts do not support the call_back action"):
        await hass.services.async_call(
            DOMAIN,
            "call_back",
            {"config_entry_id": ENTRY_ID, "extension": "1001", "to": "+905326200000"},
            blocking=True,
        )


async def test_a_damaged_fax_is_no_picture_and_no_error(
    hass: HomeAssistant,
    bulutfon: fake.FakeBulutfon,
    hass_client_no_auth: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    bulutfon.faxes[FAX_UUID] = (b"%PDF-1.4\n" + b"\x00garbage" * 50, "application/pdf")
    webhook = await hass_client_no_auth()
    await webhook.post(WEBHOOK_PATH, data=FAX_POST, headers={"Content-Type": "application/json"})
    await wait_for_events(hass, saved)
    assert len(saved) == 1
    client = await hass_client()
    response = await client.get(f"/api/image_proxy/{IMAGE}")
    assert response.status != 200
    assert "Cannot show the fax" in caplog.text
    assert "Traceback" not in caplog.text


async def test_a_standard_resolution_fax_keeps_its_proportions(
    hass: HomeAssistant,
    bulutfon: fake.FakeBulutfon,
    hass_client_no_auth: ClientSessionGenerator,
    hass_client: ClientSessionGenerator,
) -> None:
    """204 by 98 dpi: half the lines of a fine fax, each twice as tall; shown at its true height."""
    saved = async_capture_events(hass, "cloud_telephony_media_saved")
    bulutfon.faxes[FAX_UUID] = (fax_page("tiff", dpi=(204, 98)), "image/tiff")
    webhook = await hass_client_no_auth()
    await webhook.post(WEBHOOK_PATH, data=FAX_POST, headers={"Content-Type": "application/json"})
    await wait_for_events(hass, saved)
    page = await _image(hass_client)
    assert page.width == 1000
    # 1100 lines at 98 dpi are 11.2 in: 1000 dots across 8.47 in make about 1320 dots down.
    assert 1250 < page.height < 1350
