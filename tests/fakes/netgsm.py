"""A local stand-in for api.netgsm.com.tr's voice message and SMS APIs, answering as Netgsm documents.

Plain-text result codes for the XML endpoints (`00 <bulkid>`, `30`, `40`, `45`, `70`), `<br>`
separated report and list rows, JSON for cancel and balance. The balance endpoint's error status
(406) follows Netgsm's REST v2 convention; the documents do not show it for /balance itself.
SMS (REST v2) as Netgsm's official clients show it: HTTP Basic authentication, JSON with a `code`
(`00`, else HTTP 406), the delivery report's `jobs`, the inbox's `messages` (code 40 when empty;
read without a date range, each message only once).
"""

from __future__ import annotations

import base64
from typing import Any
from xml.etree import ElementTree as ET

from aiohttp import web

USERCODE = "8500000000"
PASSWORD = "valid-password"
FIRST_JOB_ID = 175343083
UNKNOWN_AUDIO_ID = "99999999"
# From the seed's list example, with the masked digits filled in.
AUDIO_LIST = (
    "55201234|3120000000|26.01.2023 15:03|174|http://sesdosya.netgsm.com.tr/upload.php?tip=6&a=b454<br>"
    "55258936|3120000000|26.01.2023 15:02|174|http://sesdosya.netgsm.com.tr/upload.php?tip=6&a=c555<br>"
)


class FakeNetgsm:
    """Routes of the fake; what the client sent is recorded for assertions."""

    def __init__(self) -> None:
        self.sent_xml: list[str] = []
        self.report_rows: dict[str, list[str]] = {}
        self.report_queries: list[dict[str, str]] = []
        self.report_limit: int | None = None
        self.uploads: list[dict[str, Any]] = []
        self.scheduled: set[str] = set()
        self.send_reply: str | None = None
        # Answers for the next sends, in order (each once), before `send_reply`.
        self.send_replies: list[str] = []
        self.next_job = FIRST_JOB_ID
        self.audio_list = AUDIO_LIST
        # The legacy convention: HTTP 200 with a bare code (Netgsm answers so for a refused IP).
        self.balance_plain_codes = False
        self.sms_headers = ["EVIM"]
        self.sms_sent: list[dict[str, Any]] = []
        self.otp_sent: list[dict[str, Any]] = []
        # Job id to the report's rows for it (`jobs`), as Netgsm answers them.
        self.sms_reports: dict[str, list[dict[str, Any]]] = {}
        self.report_bodies: list[dict[str, Any]] = []
        self.sms_inbox: list[dict[str, Any]] = []
        self.inbox_queries: list[dict[str, str]] = []
        # Answered 30 to every SMS request: an API user without the SMS permission.
        self.sms_denied = False
        # A result code the send answers with instead of sending (20, 50, 80, 85, …).
        self.sms_send_code: str | None = None
        self.next_sms_job = 17377215342
        # Recorded answers by file name (served at /voicesms/records/<name>).
        self.recordings: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}

    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/balance", self.balance)
        app.router.add_get("/voicesms/records/{name}", self.record_file)
        app.router.add_post("/voicesms/send", self.send)
        app.router.add_get("/voicesms/edit", self.cancel)
        app.router.add_get("/voicesms/report/", self.report)
        app.router.add_post("/voicesms/upload", self.upload)
        app.router.add_post("/voicesms/uploadlist", self.upload_list)
        app.router.add_post("/sms/rest/v2/send", self.sms_send)
        app.router.add_post("/sms/rest/v2/otp", self.sms_otp)
        app.router.add_post("/sms/rest/v2/report", self.sms_report)
        app.router.add_get("/sms/rest/v2/inbox", self.sms_inbox_read)
        app.router.add_get("/sms/rest/v2/msgheader", self.sms_header_list)
        return app

    def _rest_refusal(self, request: web.Request) -> web.Response | None:
        """Check the Basic credentials and the SMS permission as Netgsm's REST v2 does."""
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        usercode, _, password = base64.b64decode(encoded or "").decode().partition(":")
        if scheme != "Basic" or not self._authorized(usercode, password) or self.sms_denied:
            return _rest_error("30", "Invalid credentials")
        return None

    def _next_sms_job(self) -> str:
        self.next_sms_job += 1
        return str(self.next_sms_job)

    async def _sms_body(self, request: web.Request) -> dict[str, Any] | web.Response:
        """Return a send's body, or the refusal of its credentials or sender header."""
        if (refusal := self._rest_refusal(request)) is not None:
            return refusal
        body: dict[str, Any] = await request.json()
        if body.get("msgheader") not in self.sms_headers:
            return _rest_error("40", "Check the msgheader parameter")
        return body

    async def sms_send(self, request: web.Request) -> web.Response:
        if self.sms_send_code is not None:
            return _rest_error(self.sms_send_code, "Refused")
        if isinstance(body := await self._sms_body(request), web.Response):
            return body
        messages = body.get("messages")
        if not messages or not all(message.get("msg") and message.get("no") for message in messages):
            return _rest_error("70", "Invalid parameter")
        if body.get("iysfilter") not in (None, "0", "11", "12"):
            return _rest_error("70", "Invalid parameter")
        job_id = self._next_sms_job()
        self.sms_sent.append({**body, "jobid": job_id})
        return web.json_response({"code": "00", "description": "queued", "jobid": job_id})

    async def sms_otp(self, request: web.Request) -> web.Response:
        if isinstance(body := await self._sms_body(request), web.Response):
            return body
        if len(body.get("msg", "")) > 160:
            return _rest_error("20", "Message too long")
        job_id = self._next_sms_job()
        self.otp_sent.append({**body, "jobId": job_id})
        return web.json_response({"code": "00", "description": "queued", "jobId": job_id})

    async def sms_report(self, request: web.Request) -> web.Response:
        if (refusal := self._rest_refusal(request)) is not None:
            return refusal
        body = await request.json()
        self.report_bodies.append(body)
        if not isinstance(body.get("jobids"), list):
            return _rest_error("70", "Invalid parameter")
        jobs = [row for job_id in body["jobids"] for row in self.sms_reports.get(str(job_id), [])]
        if not jobs:
            return _rest_error("60", "No records found")
        return web.json_response({"code": "00", "description": "Success", "jobs": jobs})

    async def sms_inbox_read(self, request: web.Request) -> web.Response:
        if (refusal := self._rest_refusal(request)) is not None:
            return refusal
        query = dict(request.query)
        self.inbox_queries.append(query)
        for name in ("startdate", "stopdate"):
            if name in query and (len(query[name]) != 14 or not query[name].isdigit()):
                return _rest_error("70", "Invalid parameter")
        messages = list(self.sms_inbox)
        if "startdate" not in query:
            # Without a date range each message is handed out once.
            self.sms_inbox.clear()
        if not messages:
            return _rest_error("40", "No messages to list")
        return web.json_response({"code": "00", "description": "Success", "messages": messages})

    async def sms_header_list(self, request: web.Request) -> web.Response:
        if (refusal := self._rest_refusal(request)) is not None:
            return refusal
        return web.json_response({"code": "00", "description": "Success", "msgheaders": self.sms_headers})

    @staticmethod
    def _authorized(usercode: str | None, password: str | None) -> bool:
        return usercode == USERCODE and password == PASSWORD

    async def record_file(self, request: web.Request) -> web.Response:
        """Serve a callee's recorded answer, at the link a report's `record_link` gives."""
        name = request.match_info["name"]
        if name in self.redirects:
            return web.Response(status=302, headers={"Location": self.redirects[name]})
        content = self.recordings.get(name)
        if content is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=content, content_type="audio/mpeg")

    async def balance(self, request: web.Request) -> web.Response:
        body = await request.json()
        if not self._authorized(body.get("usercode"), body.get("password")):
            if self.balance_plain_codes:
                return web.Response(text="30")
            return web.json_response({"code": "30", "description": "Invalid credentials"}, status=406)
        if body.get("stip") != 2:
            return web.json_response({"code": "70"}, status=406)
        return web.json_response({"code": "00", "balance": "34,020"})

    async def send(self, request: web.Request) -> web.Response:
        text = (await request.read()).decode("utf-8")
        self.sent_xml.append(text)
        root = ET.fromstring(text)
        header = root.find("header")
        assert header is not None
        if not self._authorized(header.findtext("usercode"), header.findtext("password")):
            return web.Response(text="30")
        if self.send_replies:
            return web.Response(text=self.send_replies.pop(0))
        if self.send_reply is not None:
            return web.Response(text=self.send_reply)
        if any(element.text == UNKNOWN_AUDIO_ID for element in root.iter("audioid")):
            return web.Response(text="40")
        if not [element for element in root.iter("no") if element.text]:
            return web.Response(text="45")
        ring_time = int(header.findtext("ringtime") or "0")
        if not 10 <= ring_time <= 30:
            return web.Response(text="70")
        job_id = str(self.next_job)
        self.next_job += 1
        if header.findtext("startdate"):
            self.scheduled.add(job_id)
        return web.Response(text=f"00 {job_id}")

    async def cancel(self, request: web.Request) -> web.Response:
        query = request.query
        if not self._authorized(query.get("usercode"), query.get("password")):
            return web.Response(text="30")
        job_id = query.get("bulkid", "")
        if job_id in self.scheduled:
            self.scheduled.discard(job_id)
            return web.json_response(
                {"code": 200, "message": "bulkid iptal islemine alindi.", "bulkid": job_id}
            )
        return web.json_response({"code": 40, "error": "ileri tarihli bulkid bulunamadi"})

    async def report(self, request: web.Request) -> web.Response:
        query = request.query
        self.report_queries.append(dict(query))
        if not self._authorized(query.get("usercode"), query.get("password")):
            return web.Response(text="30")
        if self.report_limit is not None and len(self.report_queries) > self.report_limit:
            return web.Response(text="80")
        if query.get("type") not in ("0", "1"):
            return web.Response(text="70")
        rows = [
            row for job_id in query.get("bulkid", "").split(",") for row in self.report_rows.get(job_id, [])
        ]
        return web.Response(text="<br>".join(rows) + "<br>" if rows else "60")

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not self._authorized(str(form.get("username")), str(form.get("password"))):
            return web.Response(text="30")
        file = form.get("dosya")
        if not isinstance(file, web.FileField):
            return web.Response(text="10")
        content = file.file.read()
        self.uploads.append({"filename": file.filename, "content": content})
        return web.Response(text="55901234")

    async def upload_list(self, request: web.Request) -> web.Response:
        root = ET.fromstring((await request.read()).decode("utf-8"))
        header = root.find("header")
        assert header is not None
        if not self._authorized(header.findtext("usercode"), header.findtext("password")):
            return web.Response(text="30")
        start = header.findtext("startdate") or ""
        if len(start) != 12 or not start.isdigit():
            return web.Response(text="50")
        return web.Response(text=self.audio_list or "40")


def _rest_error(code: str, description: str) -> web.Response:
    return web.json_response({"code": code, "jobid": None, "description": description}, status=406)
