"""Security properties of the integration.

Secrets and numbers stay out of logs and diagnostics, comparisons take constant time, and nothing
named in a webhook body is fetched.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from typing import Any
from unittest.mock import patch

from aiohttp import web
from aiohttp.test_utils import TestServer
import pytest

from homeassistant.const import MATCH_ALL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import (
    BULKGATE_ENTRY_ID,
    BULKGATE_WEBHOOK_PATH,
    HUAWEI_WEBHOOK_PATH,
    NETGSM_WEBHOOK_PATH,
    WEBHOOK_PATH,
    SetupEntry,
    entry_variant,
    fixture_bytes,
)
from tests.fakes import (
    bulkgate as fake_bulkgate,
    huawei as fake_huawei,
    netgsm as fake_netgsm,
    yemot as fake_yemot,
)

SECRETS = (
    fake_bulkgate.APPLICATION_TOKEN,
    fake_netgsm.PASSWORD,
    fake_huawei.APP_SECRET,
    "hook-secret-password",
)
NUMBERS = ("905326200000", "420603123456", "905320000000", "8613500000001", "549876543")


@pytest.fixture
async def every_provider(
    hass: HomeAssistant,
    setup_entry: SetupEntry,
    mock_config_entry: MockConfigEntry,
    bulkgate_entry: MockConfigEntry,
    netgsm_entry: MockConfigEntry,
    huawei_entry: MockConfigEntry,
    yemot_entry: MockConfigEntry,
    bulkgate_api_url: Any,
    netgsm_api_url: Any,
    fake_yemot: Any,
) -> list[MockConfigEntry]:
    """Set up one account of every provider (Bulutfon with webhook basic auth)."""
    bulutfon = entry_variant(
        mock_config_entry,
        options={"basic_auth_username": "bulutfon", "basic_auth_password": "hook-secret-password"},
    )
    entries = [bulutfon, bulkgate_entry, netgsm_entry, huawei_entry, yemot_entry]
    for entry in entries:
        await setup_entry(entry)
    return entries


async def test_no_secret_or_full_number_in_logs_at_info(
    hass: HomeAssistant,
    every_provider: list[MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    client = await hass_client_no_auth()
    # Refused and accepted posts, failing and succeeding actions.
    await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_call_hangup.json"))
    wrong = "Basic " + base64.b64encode(b"bulutfon:wrong").decode()
    await client.post(
        WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"), headers={"Authorization": wrong}
    )
    await client.post(BULKGATE_WEBHOOK_PATH, data=fixture_bytes("bulkgate/seed_dlr_and_reply.json"))
    await client.post(NETGSM_WEBHOOK_PATH, data=fixture_bytes("netgsm/seed_webhook.json"))
    await client.post(HUAWEI_WEBHOOK_PATH, data=fixture_bytes("huawei/seed_fee.json"))
    await client.post(NETGSM_WEBHOOK_PATH, data=b"{broken")
    blacklisted = next(
        number for number, kind in fake_bulkgate.ERROR_NUMBERS.items() if kind == "blacklisted_number"
    )
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": BULKGATE_ENTRY_ID, "to": ["+420603123456", f"+{blacklisted}"], "message": "x"},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    # The HTTP server's access log prints paths; it is Home Assistant's, and off unless enabled.
    ours = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.INFO and record.name != "aiohttp.access"
    )
    for secret in (*SECRETS, fake_yemot.PASSWORD * 2):
        assert secret not in ours
    for number in (*NUMBERS, blacklisted):
        assert number not in ours


async def test_diagnostics_of_every_provider_are_redacted(
    hass: HomeAssistant,
    every_provider: list[MockConfigEntry],
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    # Each account's history holds the documented events, with their numbers, texts and links.
    fired = async_capture_events(hass, MATCH_ALL)
    # An SMS of ours to the number that replies in BulkGate's sample: the reply carries it back.
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": every_provider[1].entry_id, "to": "+420777777777", "message": "Our private text"},
        blocking=True,
        return_response=True,
    )
    client = await hass_client_no_auth()
    auth = {"Authorization": "Basic " + base64.b64encode(b"bulutfon:hook-secret-password").decode()}
    for path, sample, headers in (
        (WEBHOOK_PATH, "bulutfon/seed_call_hangup.json", auth),
        (BULKGATE_WEBHOOK_PATH, "bulkgate/seed_dlr_and_reply.json", {}),
        (NETGSM_WEBHOOK_PATH, "netgsm/seed_webhook.json", {}),
        (HUAWEI_WEBHOOK_PATH, "huawei/seed_fee.json", {}),
    ):
        response = await client.post(path, data=fixture_bytes(sample), headers=headers)
        assert (await response.json())["accepted"] >= 1, sample
    await hass.async_block_till_done()
    ours = [event.data for event in fired if event.event_type.startswith("cloud_telephony_")]
    private = {
        str(value)
        for data in ours
        for key in ("caller", "callee", "message", "recording_url")
        if (value := data.get(key))
    }
    [reply] = [data for data in ours if data["type"] == "sms_received"]
    assert reply["in_reply_to"]["message"] == "Our private text"
    private |= {"Our private text", reply["in_reply_to"]["to"]}
    for entry in every_provider:
        diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
        dumped = json.dumps(diagnostics, ensure_ascii=False)
        for value in private:
            assert value not in dumped, (entry.title, value)
        for secret in (
            *SECRETS,
            fake_bulkgate.APPLICATION_ID,
            fake_huawei.APP_KEY,
            fake_netgsm.USERCODE,
            f'"{fake_yemot.PASSWORD}"',
            entry.data["webhook_id"],
        ):
            assert secret not in dumped, (entry.title, secret)
        for number in NUMBERS:
            assert number not in dumped, (entry.title, number)


async def test_basic_auth_compares_both_parts_in_constant_time(
    hass: HomeAssistant, every_provider: list[MockConfigEntry], hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(left: bytes, right: bytes) -> bool:
        compared.append((left, right))
        return real(left, right)

    with patch("custom_components.cloud_telephony.webhook.hmac.compare_digest", side_effect=spy):
        wrong_user = "Basic " + base64.b64encode(b"intruder:hook-secret-password").decode()
        response = await client.post(WEBHOOK_PATH, data=b"{}", headers={"Authorization": wrong_user})
    assert response.status == 401
    # The password is compared even though the username already failed: no early exit to time.
    assert compared == [(b"intruder", b"bulutfon"), (b"hook-secret-password", b"hook-secret-password")]


async def test_urls_in_webhook_bodies_are_never_fetched(
    hass: HomeAssistant,
    every_provider: list[MockConfigEntry],
    hass_client_no_auth: ClientSessionGenerator,
    socket_enabled: None,
) -> None:
    requested: list[str] = []

    async def trap(request: web.Request) -> web.Response:
        requested.append(request.path)
        return web.Response(text="gotcha")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", trap)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    trap_url = str(server.make_url("/recording.mp3"))
    try:
        client = await hass_client_no_auth()
        auth = "Basic " + base64.b64encode(b"bulutfon:hook-secret-password").decode()
        bulutfon = {
            "event_type": "call_hangup",
            "uuid": "u-trap",
            "cdr_api_url": trap_url,
            "cdr_url": trap_url,
            "cdr": {"call_record": trap_url},
        }
        assert (await client.post(WEBHOOK_PATH, json=bulutfon, headers={"Authorization": auth})).status == 200
        netgsm = {"bulkid": 1, "callee": "5320000000", "state": 1, "detail": {"record_link": trap_url}}
        assert (await client.post(NETGSM_WEBHOOK_PATH, json=netgsm)).status == 200
        fee = {
            "eventType": "fee",
            "feeLst": [{"icid": "trap", "sessionId": "trap", "recordFileDownloadUrl": trap_url}],
        }
        assert (await client.post(HUAWEI_WEBHOOK_PATH, json=fee)).status == 200
        await hass.async_block_till_done()
    finally:
        await server.close()
    assert requested == []
