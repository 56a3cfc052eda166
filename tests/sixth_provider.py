"""A sixth provider that exists only in the tests: Twilio-like, declared the way api/ modules are.

An account SID and an auth token (HTTP basic auth), a balance and SMS over a small REST API,
incoming SMS posted as a form signed with HMAC-SHA1 over the URL and the sorted fields, and an
XML reply. Nothing outside this module knows it: registering its spec is all it takes.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
import hashlib
import hmac
import json
from typing import Any, Final
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from custom_components.cloud_telephony.api import (
    BALANCE,
    SMS,
    AuthError,
    Balance,
    Direction,
    EventType,
    Field,
    FieldKind,
    PayloadError,
    ProviderError,
    ProviderSpec,
    PushSignature,
    SentMessage,
    SmsOptions,
    TelephonyEvent,
    WebhookRequest,
)
from custom_components.cloud_telephony.api.spec import SETTING_BASE_URL
from custom_components.cloud_telephony.api.transport import Transport

PROVIDER: Final = "example"
ACCOUNT_SID: Final = "account_sid"
AUTH_TOKEN: Final = "auth_token"
FROM_NUMBER: Final = "from_number"
SIGNATURE_HEADER: Final = "X-Example-Signature"
REPLY: Final = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'

API_URL = "https://api.example.invalid"
SID: Final = "AC0123456789"
TOKEN: Final = "example-auth-token"


class ExampleClient:
    """The provider's REST API with the account's SID and token."""

    def __init__(self, session: aiohttp.ClientSession, data: Mapping[str, Any]) -> None:
        """Keep the credentials; nothing is sent yet."""
        self._api = Transport(
            session, brand="Example", api_url=API_URL, base_url=data.get(SETTING_BASE_URL), timeout=5
        )
        self._sid = data[ACCOUNT_SID]
        pair = f"{data[ACCOUNT_SID]}:{data[AUTH_TOKEN]}".encode()
        self._auth = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        self._from = data[FROM_NUMBER]

    async def _get(self, path: str, **kwargs: Any) -> dict[str, Any]:
        status, text = await self._api.request(
            "GET", f"/Accounts/{self._sid}{path}", headers=self._auth, **kwargs
        )
        return _answer(status, text)

    async def async_validate(self) -> dict[str, Any]:
        """Read the account."""
        return await self._get(".json")

    async def async_get_balance(self) -> Balance:
        """Read the balance."""
        answer = await self._get("/Balance.json")
        return Balance(amount=float(answer["balance"]), unit=answer["currency"])

    async def async_send_sms(self, to: str, text: str, options: SmsOptions | None = None) -> SentMessage:
        """Send one SMS."""
        status, body = await self._api.request(
            "POST",
            f"/Accounts/{self._sid}/Messages.json",
            headers=self._auth,
            data={"To": to, "From": self._from, "Body": text},
        )
        answer = _answer(status, body)
        return SentMessage(to=to, message_id=answer["sid"], status=answer["status"])


def _answer(status: int, text: str) -> dict[str, Any]:
    if status == 401:
        raise AuthError("Example refused the auth token")
    answer: dict[str, Any] = json.loads(text)
    if status >= 400:
        raise ProviderError(answer.get("message", f"HTTP {status}"), str(answer.get("code")))
    return answer


def parse_webhook(request: WebhookRequest) -> list[TelephonyEvent]:
    """Read one incoming SMS from the form."""
    fields = dict(parse_qsl(request.body.decode()))
    if "MessageSid" not in fields:
        raise PayloadError("no MessageSid")
    return [
        TelephonyEvent(
            type=EventType.SMS_RECEIVED,
            provider=PROVIDER,
            dedupe_key=f"sms:{fields['MessageSid']}",
            call_id=fields["MessageSid"],
            caller=fields.get("From"),
            callee=fields.get("To"),
            direction=Direction.INBOUND,
            message=fields.get("Body"),
            raw=dict(fields),
        )
    ]


def signature(url: str, body: bytes, token: str) -> str:
    """Sign as the provider does: HMAC-SHA1 over the URL and the sorted form fields."""
    signed = url + "".join(f"{key}{value}" for key, value in sorted(parse_qsl(body.decode())))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def verify(request: WebhookRequest, data: Mapping[str, Any], url: str | None) -> PushSignature:
    """Check the signature header against the public URL."""
    given = request.headers.get(SIGNATURE_HEADER)
    if given is None or url is None:
        return PushSignature(False, "unsigned push")
    if not hmac.compare_digest(given, signature(url, request.body, data[AUTH_TOKEN])):
        return PushSignature(False, "the signature does not match")
    return PushSignature(True)


def reply(accepted: int, duplicates: int) -> tuple[bytes, str]:
    """Answer with an empty TwiML-like document, whatever was taken."""
    return REPLY, "text/xml"


SPEC: Final = ProviderSpec(
    id=PROVIDER,
    brand="Example",
    model="Messaging",
    configuration_url="https://console.example.invalid",
    fields=(
        Field(key=ACCOUNT_SID, identity=True),
        Field(key=AUTH_TOKEN, kind=FieldKind.SECRET),
        Field(key=FROM_NUMBER, private=True),
    ),
    title="Example {account_sid}",
    default_country="US",
    event_types=frozenset({EventType.SMS_RECEIVED}),
    parse_webhook=parse_webhook,
    create_client=ExampleClient,
    capabilities=frozenset({BALANCE, SMS}),
    secret_key=AUTH_TOKEN,
    account_id=lambda account: account.get("sid"),
    webhook_reply=reply,
    verify_webhook=verify,
)


class FakeExample:
    """The provider's API on loopback: the account, its balance, and sent messages."""

    def __init__(self) -> None:
        """Start with nothing sent."""
        self.sent: list[dict[str, str]] = []

    def app(self) -> web.Application:
        """Return the aiohttp application."""
        app = web.Application()
        app.router.add_get(f"/Accounts/{SID}.json", self._account)
        app.router.add_get(f"/Accounts/{SID}/Balance.json", self._balance)
        app.router.add_post(f"/Accounts/{SID}/Messages.json", self._message)
        return app

    @staticmethod
    def _authorized(request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        return request.headers.get("Authorization") == expected

    async def _account(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        return web.json_response({"sid": SID, "friendly_name": "Home", "status": "active"})

    async def _balance(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        return web.json_response({"balance": "12.50", "currency": "USD"})

    async def _message(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        form = dict(await request.post())
        self.sent.append({key: str(value) for key, value in form.items()})
        return web.json_response({"sid": f"SM{len(self.sent)}", "status": "queued"}, status=201)
