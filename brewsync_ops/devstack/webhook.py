"""A local Slack incoming-webhook receiver for the dev stack and tests.

``WebhookReceiver().start()`` listens on 127.0.0.1 (a free port), records every JSON POST to its
webhook path in ``.messages`` and answers like Slack (``200 ok``). ``set_status(404|500|…)``
makes it fail, ``set_delay(seconds)`` makes it slow. Another process (``brewsync dev break``)
switches it with ``POST /_control {"status": 404, "delay": 0}``. Use it as a context manager.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_PATH = "/_control"


def _token(n: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


class WebhookReceiver:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, path: str | None = None):
        self.host = host
        self._port = port
        self.path = path or f"/services/T{_token(9).upper()}/B{_token(9).upper()}/{_token()}"
        self.messages: list = []
        self.raw: list[bytes] = []
        self.status = 200
        self.delay = 0.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, code: int, body: bytes, ctype: str = "text/plain") -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                if self.path == CONTROL_PATH:
                    self._reply(200, json.dumps({"status": receiver.status, "delay": receiver.delay,
                                                 "messages": len(receiver.messages)}).encode(), "application/json")
                else:
                    self._reply(405, b"method not allowed")

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path == CONTROL_PATH:
                    try:
                        cmd = json.loads(body or b"{}")
                        if "status" in cmd:
                            receiver.set_status(int(cmd["status"]))
                        if "delay" in cmd:
                            receiver.set_delay(float(cmd["delay"]))
                        if cmd.get("clear"):
                            receiver.clear()
                    except (ValueError, TypeError):
                        self._reply(400, b"bad control request")
                        return
                    self._reply(200, b"ok")
                    return
                if self.path != receiver.path:
                    self._reply(404, b"no_service")  # what Slack says for an unknown webhook
                    return
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    parsed = json.loads(body or b"null")
                except ValueError:
                    parsed = None
                with receiver._lock:
                    receiver.raw.append(body)
                    if parsed is not None:
                        receiver.messages.append(parsed)
                status = receiver.status
                if parsed is None and status < 300:
                    self._reply(400, b"invalid_payload")
                elif status < 300:
                    self._reply(status, b"ok")
                else:
                    self._reply(status, {404: b"no_service", 403: b"invalid_token", 410: b"channel_is_archived"}
                                .get(status, b"server_error"))

        self._server = ThreadingHTTPServer((self.host, self._port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "WebhookReceiver":
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- behaviour --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("receiver not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    @property
    def control_url(self) -> str:
        return self.base_url + CONTROL_PATH

    def set_status(self, code: int) -> None:
        self.status = int(code)

    def set_delay(self, seconds: float) -> None:
        self.delay = float(seconds)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.raw.clear()

    def reset(self) -> None:
        self.set_status(200)
        self.set_delay(0)
