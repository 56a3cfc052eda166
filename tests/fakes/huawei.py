"""A local stand-in for Huawei Cloud Voice Call (callVerify, callStop), answering as Huawei documents.

Every request's X-AKSK header is checked here with its own implementation of the documented
formula, Base64(HMAC-SHA256(app_secret, Nonce + Created)), not with the client's code.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import hashlib
import hmac
import json
import re
from typing import Any

from aiohttp import web

APP_KEY = "ka4kESI5s3YyurL1wpx63s9YnEm2"
APP_SECRET = "fake-app-secret"
SESSION_ID = "1200_366_0_20161228102743@callenabler.home1.com"
# Requests whose Created is further than this from the server's clock get 1010013.
MAX_SKEW_SECONDS = 300


def _expected_digest(nonce: str, created: str) -> str:
    mac = hmac.new(APP_SECRET.encode("utf-8"), (nonce + created).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


class FakeHuawei:
    """Routes of the fake; `calls` records the callVerify bodies."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        # Templates approved in the console, with how many variables each has.
        self.templates: dict[str, int] = {"smoke_alarm_01": 1, "two_texts": 2}
        self.headers: list[dict[str, str]] = []
        self.reply: dict[str, Any] | None = None
        self.stop_reply: dict[str, Any] = {"resultcode": "1010002", "resultdesc": "Invalid request."}
        # The 2026-01 documents: Created in Beijing time (UTC+8), still written with a Z.
        self.beijing_time = False
        # Recordings by file name (recordObjectName), served from "object storage" after the
        # documented 301 of /rest/provision/voice/record/v1.0.
        self.recordings: dict[str, bytes] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/rest/httpsessions/callVerify/v1.0", self.call_verify)
        app.router.add_post("/rest/httpsessions/callStop/v2.0", self.call_stop)
        app.router.add_post("/rest/httpsessions/callnotify/v2.0", self.call_notify)
        app.router.add_get("/rest/provision/voice/record/v1.0", self.record_location)
        app.router.add_get("/obs/{name}", self.record_file)
        return app

    async def record_location(self, request: web.Request) -> web.Response:
        """Answer as documented: 301 with the file's address in Location (valid 7 days)."""
        if (refused := self._auth_failure(request)) is not None:
            return refused
        name = request.query.get("fileName", "")
        if name not in self.recordings or not request.query.get("recordDomain"):
            # How an unknown file is refused is not documented: the generic "invalid request".
            return web.json_response({"resultcode": "1010002", "resultdesc": "Invalid request."}, status=400)
        location = str(request.url.with_path(f"/obs/{name}").with_query({"Expires": "604800"}))
        return web.Response(status=301, headers={"Location": location})

    async def record_file(self, request: web.Request) -> web.Response:
        content = self.recordings.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404, text="NoSuchKey")
        return web.Response(body=content, content_type="audio/x-wav")

    def _auth_failure(self, request: web.Request) -> web.Response | None:
        self.headers.append(dict(request.headers))
        if request.headers.get("Authorization") != 'AKSK realm="SDP",profile="UsernameToken",type="Appkey"':
            return web.json_response(
                {"resultcode": "1023006", "resultdesc": "Authorization header missing"}, status=400
            )
        fields = dict(re.findall(r'(\w+)="([^"]*)"', request.headers.get("X-AKSK", "")))
        if fields.get("Username") != APP_KEY:
            return web.json_response({"resultcode": "1010003", "resultdesc": "Invalid app_key."})
        created = fields.get("Created", "")
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created):
            return web.json_response(
                {"resultcode": "1023006", "resultdesc": "Created is malformed"}, status=400
            )
        server_clock = datetime.now(UTC) + timedelta(hours=8 if self.beijing_time else 0)
        skew = abs(
            (
                server_clock - datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            ).total_seconds()
        )
        if skew > MAX_SKEW_SECONDS:
            return web.json_response({"resultcode": "1010013", "resultdesc": "Time out limit"})
        if not hmac.compare_digest(
            fields.get("PasswordDigest", ""), _expected_digest(fields.get("Nonce", ""), created)
        ):
            return web.json_response(
                {"resultcode": "1023006", "resultdesc": "Authentication failed"}, status=400
            )
        return None

    async def call_verify(self, request: web.Request) -> web.Response:
        if (failure := self._auth_failure(request)) is not None:
            return failure
        body = json.loads(await request.read())
        self.calls.append(body)
        if self.reply is not None:
            return web.json_response(self.reply)
        return web.json_response({"resultcode": "0", "resultdesc": "Success", "sessionId": SESSION_ID})

    async def call_notify(self, request: web.Request) -> web.Response:
        """Answer a voice notification as documented, template checks included (rtc_04_0030)."""
        if (failure := self._auth_failure(request)) is not None:
            return failure
        body = json.loads(await request.read())
        self.notifications.append(body)
        for part in body.get("playInfoList", []):
            if "templateId" in part:
                variables = self.templates.get(part["templateId"])
                if variables is None:
                    return web.json_response(
                        {"resultcode": "1012003", "resultdesc": "The template ID does not exist."}
                    )
                if len(part.get("templateParas", [])) != variables:
                    return web.json_response(
                        {"resultcode": "1012004", "resultdesc": "The number of templateParas is wrong."}
                    )
            elif "notifyVoice" not in part:
                return web.json_response({"resultcode": "1010002", "resultdesc": "Invalid request."})
        return web.json_response({"resultcode": "0", "resultdesc": "Success", "sessionId": SESSION_ID})

    async def call_stop(self, request: web.Request) -> web.Response:
        if (failure := self._auth_failure(request)) is not None:
            return failure
        return web.json_response(self.stop_reply)
