"""Local receivers for the notification channels: a 企业微信 robot, an SMS provider that checks signatures, SMTP.

Each HTTP receiver is a real http.server in a thread on a free loopback port; it can be taken down (its socket
closed) and brought back on the same port. Requests are counted per X-Notification-Id to find duplicates.
"""

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

from tests.servers import free_port

SECRETS = {"LTAI-test-id": "test-secret", "AKID-test-id": "test-secret"}


class QuietServer(ThreadingHTTPServer):
    """A threaded HTTP server that can rebind its port at once and does not print a client that hung up."""

    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class Receiver:
    """An HTTP receiver: answer(path, headers, body) → (status, JSON); keeps what it got."""

    def __init__(self, answer):
        self.answer, self.port, self.server = answer, free_port(), None
        self.delay = 0.0  # seconds each answer waits (a slow receiver)
        self.requests, self.lock = [], threading.Lock()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(receiver.delay)
                status, answer = receiver.answer(self.path, dict(self.headers.items()), body)
                with receiver.lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body,
                                              "status": status})
                out = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def accepted(self):
        return [r for r in self.requests if r["status"] == 200]

    def json_bodies(self):
        return [json.loads(r["body"]) for r in self.accepted()]

    def duplicates(self):
        """Return how many accepted requests repeat a notification id already accepted."""
        counts = Counter(r["headers"].get("X-Notification-Id") for r in self.accepted())
        return sum(n - 1 for n in counts.values())


@contextmanager
def running(receiver):
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


# -- 企业微信 robot: checks the documented message shape, answers errcode 0 (or the one it is told to) --------------

def wecom_robot(errcode=0):
    def answer(path, headers, body):
        message = json.loads(body)
        assert "key=" in path, path
        assert message["msgtype"] in ("text", "markdown"), message
        content = message[message["msgtype"]]["content"]
        limit = 2048 if message["msgtype"] == "text" else 4096
        if not content or len(content.encode()) > limit:
            return 200, {"errcode": 44004, "errmsg": "empty or too long content"}
        return 200, {"errcode": errcode, "errmsg": "ok" if errcode == 0 else "refused"}
    return Receiver(answer)


def sms_gateway(status=200):
    """The `http` provider's local gateway: {"phone", "template", "params"}."""
    def answer(path, headers, body):
        message = json.loads(body)
        assert set(message) == {"phone", "template", "params"}, message
        return status, {"ok": status == 200}
    return Receiver(answer)


# -- SMS providers: verify the documented signatures, written here from the providers' docs --------------------

def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_verify(headers, path, body):
    """Verify a Tencent Cloud TC3-HMAC-SHA256 request; return (ok, why)."""
    h = {k.lower(): v for k, v in headers.items()}
    algorithm, _, rest = h.get("authorization", "").partition(" ")
    if algorithm != "TC3-HMAC-SHA256":
        return False, "not TC3"
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    secret_id, date, service, _ = parts["Credential"].split("/")
    timestamp = int(h["x-tc-timestamp"])
    if abs(datetime.now(UTC).timestamp() - timestamp) > 300:
        return False, "timestamp skew"
    names = parts["SignedHeaders"].split(";")
    canonical_headers = "".join(f"{n}:{h[n].strip().lower() if n in ('content-type', 'host') else h[n].strip()}\n"
                                for n in names)
    split = urlsplit(path)
    canonical = "\n".join(["POST", split.path or "/", split.query, canonical_headers, ";".join(names), _sha256_hex(body)])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical.encode())])
    key = _hmac(_hmac(_hmac(("TC3" + SECRETS.get(secret_id, "")).encode(), date), service), "tc3_request")
    return hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), parts["Signature"]), "sig"


def acs3_verify(headers, path, body):
    """Verify an Alibaba Cloud ACS3-HMAC-SHA256 request; return (ok, why)."""
    h = {k.lower(): v for k, v in headers.items()}
    algorithm, _, rest = h.get("authorization", "").partition(" ")
    if algorithm != "ACS3-HMAC-SHA256":
        return False, "not ACS3"
    parts = dict(p.strip().split("=", 1) for p in rest.split(","))
    if h.get("x-acs-content-sha256") != _sha256_hex(body):
        return False, "body hash"
    split = urlsplit(path)
    params = sorted(parse_qsl(split.query, keep_blank_values=True))
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)
    names = parts["SignedHeaders"].split(";")
    canonical = "\n".join(["POST", split.path or "/", query, "".join(f"{n}:{h[n].strip()}\n" for n in names),
                           ";".join(names), _sha256_hex(body)])
    to_sign = "ACS3-HMAC-SHA256\n" + _sha256_hex(canonical.encode())
    expected = hmac.new(SECRETS.get(parts["Credential"], "").encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["Signature"]), "sig"


def sms_provider():
    """A local Aliyun/Tencent SendSms endpoint that answers as the provider does, rejecting bad signatures."""
    def answer(path, headers, body):
        if "X-TC-Action" in headers:
            ok, why = tc3_verify(headers, path, body)
            if not ok:
                return 200, {"Response": {"RequestId": str(uuid.uuid4()),
                                          "Error": {"Code": "AuthFailure.SignatureFailure", "Message": why}}}
            params = json.loads(body)
            return 200, {"Response": {"RequestId": str(uuid.uuid4()), "SendStatusSet": [
                {"SerialNo": "1", "PhoneNumber": p, "Fee": 1, "SessionContext": params.get("SessionContext", ""),
                 "Code": "Ok", "Message": "send success", "IsoCode": "CN"} for p in params["PhoneNumberSet"]]}}
        ok, why = acs3_verify(headers, path, body)
        if not ok:
            return 400, {"RequestId": str(uuid.uuid4()), "Code": "SignatureDoesNotMatch", "Message": why}
        return 200, {"RequestId": str(uuid.uuid4()), "Code": "OK", "Message": "OK", "BizId": "1^0"}
    return Receiver(answer)


@contextmanager
def smtp_server():
    """A real aiosmtpd server on a free loopback port; yield (host, port, received messages)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.hostname, controller.port, received
    finally:
        controller.stop()
