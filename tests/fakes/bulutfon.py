"""A local stand-in for api.bulutfon.com, answering as Bulutfon's API v1 documents.

`GET /me.json` returns the documented example for the valid token. The documents name 429 for
rate limits; they do not show error bodies, so refusals carry a plain `{"error": …}` object.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiohttp import web

VALID_TOKEN = "valid-master-token"
RATE_LIMITED_TOKEN = "rate-limited-token"
BROKEN_TOKEN = "server-error-token"
SLOW_TOKEN = "slow-token"
NOT_JSON_TOKEN = "not-json-token"
FORBIDDEN_TOKEN = "forbidden-token"
ODD_TOKEN = "odd-token"
LIST_TOKEN = "list-token"
PLAIN_ERROR_TOKEN = "plain-error-token"

ME_JSON = (Path(__file__).parent.parent / "fixtures" / "bulutfon" / "me.json").read_text(encoding="utf-8")


class FakeBulutfon:
    """Route table of the fake server; `requests` records what the client sent."""

    def __init__(self) -> None:
        self.requests: list[web.Request] = []
        self.slow_seconds = 5.0
        # Files by uuid, with the content type served: `GET /incoming-faxes/<uuid>` (TIFF, the
        # documents say) and `GET /call-records/<uuid>`.
        self.faxes: dict[str, tuple[bytes, str]] = {}
        self.call_records: dict[str, tuple[bytes, str]] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/me.json", self.me)
        app.router.add_get("/incoming-faxes/{uuid}", self.incoming_fax)
        app.router.add_get("/call-records/{uuid}", self.call_record)
        return app

    async def incoming_fax(self, request: web.Request) -> web.Response:
        return self._file(request, self.faxes)

    async def call_record(self, request: web.Request) -> web.Response:
        return self._file(request, self.call_records)

    def _file(self, request: web.Request, files: dict[str, tuple[bytes, str]]) -> web.Response:
        self.requests.append(request)
        if request.query.get("access_token") != VALID_TOKEN:
            return web.json_response({"error": "invalid_token"}, status=401)
        if (found := files.get(request.match_info["uuid"])) is None:
            return web.json_response({"error": "Not found"}, status=404)
        content, content_type = found
        return web.Response(body=content, content_type=content_type)

    async def me(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        token = request.query.get("access_token")
        if token == VALID_TOKEN:
            return web.Response(text=ME_JSON, content_type="application/json")
        if token == RATE_LIMITED_TOKEN:
            return web.json_response({"error": "Too Many Requests"}, status=429)
        if token == BROKEN_TOKEN:
            return web.Response(text="<html>502 Bad Gateway</html>", status=502)
        if token == SLOW_TOKEN:
            await asyncio.sleep(self.slow_seconds)
            return web.Response(text=ME_JSON, content_type="application/json")
        if token == NOT_JSON_TOKEN:
            return web.Response(text="<html>maintenance</html>", content_type="text/html")
        if token == FORBIDDEN_TOKEN:
            return web.json_response({"message": "This API user may not read the account"}, status=403)
        if token == ODD_TOKEN:
            return web.json_response({"error": "Bad request"}, status=400)
        if token == LIST_TOKEN:
            return web.json_response([1, 2])
        if token == PLAIN_ERROR_TOKEN:
            return web.Response(text="Unauthorized", status=401)
        return web.json_response({"error": "invalid_token"}, status=401)
