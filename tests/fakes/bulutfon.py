"""A local stand-in for api.bulutfon.com: API v1 as its documents say, API v2 as its clients use it.

`GET /me.json` returns the documented example for the valid token. The documents name 429 for
rate limits; they do not show error bodies, so refusals carry a plain `{"error": …}` object.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web

VALID_TOKEN = "valid-master-token"
# An API user's key of API v2: refused by v1, as Bulutfon says the two are not interchangeable.
V2_KEY = "v2-api-user-key"
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
        # API v2 (as its clients use it): faxes listed with their own ids, call details by uuid,
        # recordings at the link the call details give, click-to-call.
        self.v2_faxes: list[dict[str, Any]] = []
        self.v2_fax_files: dict[str, tuple[bytes, str]] = {}
        self.v2_cdrs: dict[str, dict[str, Any]] = {}
        self.v2_recordings: dict[str, tuple[bytes, str]] = {}
        self.bridged: list[dict[str, str]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/me.json", self.me)
        app.router.add_get("/incoming-faxes/{uuid}", self.incoming_fax)
        app.router.add_get("/call-records/{uuid}", self.call_record)
        app.router.add_post("/call_and_bridge.json", self.call_and_bridge_v1)
        app.router.add_get("/v2/cdr/list", self.v2_cdr_list)
        app.router.add_get("/v2/cdr/{year}/{month}/{day}/{uuid}", self.v2_cdr)
        app.router.add_get("/v2/fax/incoming-faxes", self.v2_fax_list)
        app.router.add_get("/v2/fax/incoming-faxes/{id}/download", self.v2_fax_download)
        app.router.add_get("/v2/recordings/{name}", self.v2_recording)
        app.router.add_post("/v2/pbx/call-and-bridge", self.call_and_bridge_v2)
        return app

    def _v2_refused(self, request: web.Request, key: str | None = None) -> web.Response | None:
        self.requests.append(request)
        if (key or request.query.get("apikey")) != V2_KEY:
            return web.json_response({"error": "Unauthorized"}, status=401)
        return None

    async def v2_cdr_list(self, request: web.Request) -> web.Response:
        if (refused := self._v2_refused(request)) is not None:
            return refused
        return web.json_response({"data": [], "pagination": {"page": 1, "total_pages": 0}})

    async def v2_cdr(self, request: web.Request) -> web.Response:
        if (refused := self._v2_refused(request)) is not None:
            return refused
        if (cdr := self.v2_cdrs.get(request.match_info["uuid"])) is None:
            return web.json_response({"error": "Not found"}, status=404)
        return web.json_response({"data": cdr})

    async def v2_fax_list(self, request: web.Request) -> web.Response:
        if (refused := self._v2_refused(request)) is not None:
            return refused
        return web.json_response({"data": self.v2_faxes})

    async def v2_fax_download(self, request: web.Request) -> web.Response:
        return self._v2_file(request, self.v2_fax_files, request.match_info["id"])

    async def v2_recording(self, request: web.Request) -> web.Response:
        return self._v2_file(request, self.v2_recordings, request.match_info["name"])

    def _v2_file(self, request: web.Request, files: dict[str, tuple[bytes, str]], key: str) -> web.Response:
        if (refused := self._v2_refused(request)) is not None:
            return refused
        if (found := files.get(key)) is None:
            return web.json_response({"error": "Not found"}, status=404)
        return web.Response(body=found[0], content_type=found[1])

    async def call_and_bridge_v2(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        if (refused := self._v2_refused(request, form.get("apikey"))) is not None:
            return refused
        if not form.get("extension") or not form.get("destination"):
            return web.json_response({"error": "extension and destination are required"}, status=422)
        self.bridged.append(form)
        return web.json_response({"success": True, "message": "Arama başlatıldı"})

    async def call_and_bridge_v1(self, request: web.Request) -> web.Response:
        self.requests.append(request)
        query = dict(request.query)
        if query.get("access_token") != VALID_TOKEN:
            return web.json_response({"error": "invalid_token"}, status=401)
        self.bridged.append(query)
        return web.json_response({"success": True, "message": "Arama başarıyla başlatıldı."})

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
