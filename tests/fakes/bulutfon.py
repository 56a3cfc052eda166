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

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/me.json", self.me)
        return app

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
