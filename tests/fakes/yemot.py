"""A local stand-in for Yemot HaMashiach's API (`/ym/api/<Command>`), answering as its documents show.

Envelope `responseStatus` OK / ERROR / EXCEPTION / FORBIDDEN; the expired-token answers are the two
seen in working clients. Login's refusal text is not documented: it answers ERROR here.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

SYSTEM_NUMBER = "0773137770"
PASSWORD = "1234"
PERMANENT_TOKEN = f"{SYSTEM_NUMBER}:{PASSWORD}"
INVALID_PREFIX = "051"  # numbers Yemot refuses, as in the documented answer ("not Vaild")


# Seed 003: "this server does not support the SIP system".
NO_SIP = "שרת זה אינו תומך במערכת SIP"
# How a token that is no longer good is answered: Yemot's two documented answers, and the codes
# and messages current clients log in again on.
EXPIRY_ANSWERS: dict[str, tuple[str, str]] = {
    "EXCEPTION": ("EXCEPTION", "IllegalStateException(session token is invalid)"),
    "FORBIDDEN": ("FORBIDDEN", "session is expired"),
    "TOKEN_NOT_FOUND": ("ERROR", "TOKEN_NOT_FOUND"),
    "TOKEN_EXPIRED": ("ERROR", "TOKEN_EXPIRED"),
    "INVALID_TOKEN": ("FORBIDDEN", "INVALID_TOKEN"),
    "LOGIN_REQUIRED": ("ERROR", "LOGIN_REQUIRED"),
    "ERROR naming the token": ("ERROR", "the token has expired, please log in"),
    "FORBIDDEN naming the token": ("FORBIDDEN", "Token does not belong to this system"),
}


class FakeYemot:
    """Routes of the fake; what the client sent is recorded for assertions."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any], bool]] = []
        self.logins = 0
        self.valid_sessions: set[str] = set()
        self.expiry_style = "EXCEPTION"
        self.inbox: list[dict[str, Any]] = []
        # A system that refuses GetIncomingSms (answered as an unknown command).
        self.incoming_sms_supported = True
        # SIP accounts as GetSipAccountsInCustomer documents them; user name to registration.
        self.sip_accounts: list[dict[str, Any]] = [
            {
                "id": "0773137770",
                "accountNumber": 1,
                "customerExtension": 200,
                "transport": "transport-udp",
                "callerid": "0773137770",
                "specialCallerID": "",
                "password": "sip-secret",
                "created_date": "2021-06-26 23:00:00",
            }
        ]
        self.sip_registered: dict[str, bool] = {"0773137770": True}
        # A server without SIP answers every SIP command with the seed's refusal.
        self.sip_supported = True
        # Call queues by path (`ivr2:/…` as sent): waiting callers and members, as GetQueueRealTime
        # gives them in Yemot's web clients.
        self.queues: dict[str, dict[str, Any]] = {
            "ivr2:/2": {
                "entries": [
                    {"phone": "0527654321", "Wait": 95, "WaitAgo": "1:35", "Position": 1, "CallId": "c-1"},
                    {"phone": "0537654321", "Wait": 20, "WaitAgo": "0:20", "Position": 2, "CallId": "c-2"},
                ],
                "members": [
                    {"agent": "201", "Status": "1", "Paused": False, "CallsTaken": 4, "Penalty": "0"},
                    {"agent": "202", "Status": "2", "Paused": True, "CallsTaken": 1, "Penalty": "0"},
                ],
            }
        }
        # Folders by path: their recordings, oldest first, as GetIVR2DirStats describes a file.
        self.folders: dict[str, list[dict[str, Any]]] = {
            "ivr2:/5": [recording(0, "0527654321", "01/12/2026 09:15")]
        }
        self.recordings: dict[str, bytes] = {}
        # A server-side failure of the queue command (Yemot's EXCEPTION envelope).
        self.queue_exception = False
        # PirsumPhone: None for a system without the service.
        self.pirsum_registered: bool | None = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{server}/api/{command}", self.command)
        return app

    def expire_sessions(self, style: str = "EXCEPTION") -> None:
        """Make every session token invalid, answered in one of the ways of EXPIRY_ANSWERS."""
        self.valid_sessions.clear()
        self.expiry_style = style

    async def command(self, request: web.Request) -> web.Response:
        command = request.match_info["command"]
        is_json = request.content_type == "application/json"
        params: dict[str, Any] = await request.json() if is_json else dict(await request.post())
        self.requests.append((command, params, is_json))
        if request.match_info["server"] != "ym":
            return _answer("ERROR", message=NO_SIP)
        if command == "Login":
            return self._Login(params)
        token = params.get("token")
        if token != PERMANENT_TOKEN and token not in self.valid_sessions:
            status, message = EXPIRY_ANSWERS[self.expiry_style]
            return _answer(status, message=message)
        if command == "QueueManagement" and not is_json:
            return _answer("ERROR", message="QueueManagement takes a JSON body only")
        if "Sip" in command and not self.sip_supported:
            return _answer("ERROR", message=NO_SIP)
        handler = getattr(self, f"_{command}", None)
        if handler is None:
            return _answer("ERROR", message=f"unknown command {command}")
        return handler(params)

    @staticmethod
    def _phones(value: Any) -> list[str]:
        return value if isinstance(value, list) else [phone for phone in str(value).split(":") if phone]

    def _refused(self, phones: list[str]) -> dict[str, str]:
        return {phone: "not Vaild" for phone in phones if phone.startswith(INVALID_PREFIX)}

    def _Login(self, params: dict[str, Any]) -> web.Response:  # noqa: N802 - Yemot's command name
        if params.get("username") == SYSTEM_NUMBER and params.get("password") == PASSWORD:
            self.logins += 1
            token = f"session-{self.logins}"
            self.valid_sessions.add(token)
            return _answer("OK", token=token)
        return _answer("ERROR", message="Login failed")

    def _GetSession(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        return _answer("OK", name="בית", units=1234.5, unitsExpireDate="2027-01-01", username=SYSTEM_NUMBER)

    def _SendTTS(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        phones = self._phones(params.get("phones"))
        errors = self._refused(phones)
        return _answer(
            "OK",
            CampaignId="YA-1-0773137770-TTS-1",
            OKCalls=len(phones) - len(errors),
            ErrorCalls=errors,
            billing=1,
        )

    def _RunTzintuk(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        phones = self._phones(params.get("phones"))
        random = params.get("callerId") == "RAND"
        return _answer(
            "OK",
            callerId="0773137123" if random else params.get("callerId", SYSTEM_NUMBER),
            callsCount=len(phones),
            verifyCode="123" if random else None,
            errors=self._refused(phones),
            campaignId="YA-1-0773137770-Tzintuk-1",
        )

    def _SendSms(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        phones = self._phones(params.get("phones"))
        errors = self._refused(phones)
        oks = [phone for phone in phones if phone not in errors]
        return _answer(
            "OK", message=params.get("message"), sendCount=len(oks), Billing=len(oks), oks=oks, errors=errors
        )

    def _CallExtensionBridging(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        phones = params.get("phones")
        if not isinstance(phones, list) or len(phones) > 500:
            return _answer("ERROR", message="phones must be a list of up to 500 numbers")
        return _answer(
            "OK",
            module="menu",
            callerId=params.get("callerId", "0770770770"),
            callsCount=len(phones),
            bilingPerCall=1,
            errors=self._refused(phones),
            callsTimeout=params.get("callsTimeOut", 30),
            campaignId="YA-1-0770770770-Yemot-1695290243349441",
        )

    def _GetSipAccountsInCustomer(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        return _answer("OK", accounts=self.sip_accounts, accountLimit=6)

    def _GetSipAccountsRegisteredStatus(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        accounts = [
            {
                "userName": account["id"],
                "createdDate": account["created_date"],
                "registered": self.sip_registered.get(account["id"], False),
            }
            for account in self.sip_accounts
        ]
        return _answer("OK", accounts=accounts)

    def _SipGetContexts(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        """Answer with the seed's example registration, for a registered account."""
        number = int(params.get("accountNumber") or 1)
        account = next((row for row in self.sip_accounts if row["accountNumber"] == number), None)
        if account is None or not self.sip_registered.get(account["id"]):
            return _answer("OK", contexts=[])
        context = {
            "expiration_time": "2024-06-04 15:43:38",
            "uri": f"sip:{account['id']}@192.168.1.99:5060",
            "user_agent": "Yealink SIP-T29G",
            "via_addr": "192.168.1.110",
            "via_port": "5060",
        }
        return _answer("OK", contexts=[context])

    def _GetQueueRealTime(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        if self.queue_exception:
            return _answer("EXCEPTION", message="NullPointerException")
        queue = self.queues.get(str(params.get("queuePath")))
        if queue is None:
            return _answer("ERROR", message="queue not found")
        waiting = queue["entries"]
        data = {"Calls": len(waiting), "Completed": 12, "Abandoned": 3, "Holdtime": 40, "TalkTime": 95}
        return _answer("OK", queueData=data | {"Max": 0, "Strategy": "ringall"}, **queue)

    def _QueueManagement(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        """Kick waiting callers, pause or unpause an agent; the seed's per-call status map."""
        queue = self.queues.get(str(params.get("queuePath")))
        if queue is None:
            return _answer("ERROR", message="queue not found")
        action = params.get("action")
        if action == "kick":
            waiting = {entry["CallId"] for entry in queue["entries"]}
            status = {
                call_id: "OK" if call_id in waiting else "Call not found" for call_id in params["callIds"]
            }
            queue["entries"] = [
                entry for entry in queue["entries"] if entry["CallId"] not in params["callIds"]
            ]
            return _answer("OK", status=status)
        member = next((row for row in queue["members"] if row["agent"] == params.get("agent")), None)
        if action not in ("pause", "unpause") or member is None:
            return _answer("ERROR", message="agent not found")
        member["Paused"] = action == "pause"
        return _answer("OK")

    def _GetIVR2DirStats(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        path = str(params.get("path"))
        files = self.folders.get(path)
        if files is None:
            return _answer("ERROR", message="path not found")
        missing = {"exists": False, "name": "", "uniqueId": "", "what": ""}
        return _answer(
            "OK",
            type="record",
            thisPath=path.removeprefix("ivr2:"),
            parentPath="/",
            dirsCount=0,
            filesCount=len(files) + 1,
            contentFilesCount=len(files),
            minFile=files[0] if files else missing,
            maxFile=files[-1] if files else missing,
        )

    def _DownloadFile(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        content = self.recordings.get(str(params.get("path")))
        if content is None:
            return _answer("ERROR", message="file not found")
        return web.Response(body=content, content_type="audio/wav")

    def _PirsumPhoneManagement(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        if self.pirsum_registered is None:
            return _answer("ERROR", message="the system has no PirsumPhone service")
        action = params.get("action")
        if action == "GetRegistrationStatus":
            return _answer("OK", registrationStatus=self.pirsum_registered)
        if action not in ("Registration", "UnRegistration"):
            return _answer("ERROR", message="unknown action")
        self.pirsum_registered = action == "Registration"
        return _answer("OK", results="OK")

    def _GetSmsIncomingLog(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        limit = int(params.get("limit", 100))
        return _answer("OK", rows=self.inbox[-limit:])

    def _GetIncomingSms(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        """Answer as the newer command: the same messages, newest first, its own names and dates."""
        if not self.incoming_sms_supported:
            return _answer("ERROR", message="unknown command GetIncomingSms")
        limit = int(params.get("limit", 100))
        rows = [
            {
                "source": str(row["phone"]),
                "destination": str(row["dest"]),
                "message": row["message"],
                "receive_date": _iso_date(row["server_date"]),
            }
            for row in reversed(self.inbox[-limit:])
        ]
        return _answer("OK", rows=rows)


def recording(number: int, phone: str, date: str, folder: str = "/5") -> dict[str, Any]:
    """Return a message file as GetIVR2DirStats describes it (`minFile` / `maxFile`, seed 003)."""
    name = f"{number:03d}.wav"
    return {
        "exists": True,
        "name": name,
        "uniqueId": f"u-{folder}-{name}-{date}",
        "what": f"ivr2:{folder}/{name}",
        "fileType": "AUDIO",
        "size": 48044,
        "mtime": date,
        "duration": 0.1,
        "durationStr": "00:06",
        "customerDid": SYSTEM_NUMBER,
        "meta": "{}",
        "date": date,
        "source": "record",
        "phone": phone,
        "ip": "",
    }


def _iso_date(server_date: str) -> str:
    """`22:40:54 2024-07-30` (GetSmsIncomingLog) as `2024-07-30 22:40:54` (GetIncomingSms)."""
    clock, _, day = server_date.partition(" ")
    return f"{day} {clock}"


def _answer(response_status: str, **fields: Any) -> web.Response:
    body = {"responseStatus": response_status, "yAfastVersion": "6.6.20", **fields}
    return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json")
