"""A local stand-in for portal.bulkgate.com's Simple API, answering as BulkGate documents.

Success bodies are the documented examples (tests/fixtures/bulkgate). Errors use the documented
shape `{"type", "code", "error", "detail"}` and the documented types; only the message of
`invalid_phone_number` is documented, the others are plausible wording. A send to one of
`ERROR_NUMBERS` fails with that type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web

APPLICATION_ID = "12345"
APPLICATION_TOKEN = "valid-application-token"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "bulkgate"

# Documented error types, their HTTP status and message; the number that triggers each.
ERRORS: dict[str, tuple[int, str]] = {
    "unknown_identity": (401, "Unknown identity / unauthorized / empty application_id"),
    "banned": (403, "Your account is banned"),
    "invalid_numeric_sender": (400, "Invalid numeric sender ID"),
    "empty_message": (400, "Empty message"),
    "invalid_phone_number": (400, "Invalid phone number"),
    "admin_not_found": (400, "Admin not found"),
    "no_recipients": (400, "No recipients"),
    "blacklisted_number": (400, "Number is on the blacklist"),
    "low_credit": (400, "Low credit"),
    "method_not_allowed": (405, "Method not allowed"),
    "unknown_action": (400, "Unknown action"),
    "unsupported_api_version": (400, "Unsupported API version"),
    "unknown": (500, "Unknown error"),
}
ERROR_NUMBERS = {f"4206000000{index:02d}": kind for index, kind in enumerate(ERRORS)}


class FakeBulkGate:
    """Routes of the fake; `sent` records the JSON bodies of transactional requests."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.info_requests = 0
        self.credit = 215.8138
        # Answer in the current page's shape: a status and the ids of the long text's parts.
        self.with_parts = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/1.0/simple/info", self.info)
        app.router.add_post("/api/1.0/simple/transactional", self.transactional)
        return app

    @staticmethod
    def _error(kind: str) -> web.Response:
        status, message = ERRORS[kind]
        return web.json_response(
            {"type": kind, "code": status, "error": message, "detail": None}, status=status
        )

    @staticmethod
    def _authorized(body: dict[str, Any]) -> bool:
        return (
            body.get("application_id") == APPLICATION_ID
            and body.get("application_token") == APPLICATION_TOKEN
        )

    async def info(self, request: web.Request) -> web.Response:
        self.info_requests += 1
        body = await request.json()
        if not self._authorized(body):
            # The credit call documents the older error shape.
            return web.json_response({"error": "authentication_failed", "code": 401}, status=401)
        return web.Response(text=(FIXTURES / "credit_info.json").read_text(), content_type="application/json")

    async def transactional(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.sent.append(body)
        if not self._authorized(body):
            return self._error("unknown_identity")
        if kind := ERROR_NUMBERS.get(str(body.get("number"))):
            return self._error(kind)
        if not body.get("text"):
            return self._error("empty_message")
        self.credit -= 0.02
        sms_id = f"tmp{len(self.sent):011x}"
        if self.with_parts:
            parts = [f"{sms_id}_1", f"{sms_id}_2", sms_id]
            data = {"status": "accepted", "sms_id": sms_id, "part_id": parts, "number": body["number"]}
            return web.json_response({"data": data})
        answer = {
            "data": {
                "sms_id": sms_id,
                "price": 0.02,
                "credit": round(self.credit, 4),
                "number": body["number"],
            }
        }
        return web.json_response(answer)
