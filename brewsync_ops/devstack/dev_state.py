"""The running dev stack's state file and control endpoint.

`brewsync dev up` writes ``$BREWSYNC_STATE_DIR/dev.json`` (default ``~/.brewsync/dev.json``) with
its pid, the moto endpoint, the stack's ids and the URL of a small control server on 127.0.0.1;
`dev down|break|reset` (other processes) find the stack through it. Faults run *inside* the
`dev up` process because a few of them change moto's in-process state.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

from sync_runtime.errors import InputError


def state_dir() -> Path:
    return Path(os.environ.get("BREWSYNC_STATE_DIR") or Path.home() / ".brewsync")


def state_path() -> Path:
    return state_dir() / "dev.json"


def write_state(data: dict) -> Path:
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True))
    os.chmod(tmp, 0o600)  # it holds the local webhook URL
    tmp.replace(path)
    return path


def read_state() -> dict:
    path = state_path()
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"no local stack running (no {path})", hint="start one: brewsync dev up --detach") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}", hint="brewsync dev down, then dev up") from None


def clear_state() -> None:
    try:
        state_path().unlink()
    except FileNotFoundError:
        pass


def control(state: dict, action: str, payload: dict | None = None, timeout: float = 60) -> dict:
    """Ask the `dev up` process to do something (break, reset, shutdown)."""
    import requests

    try:
        resp = requests.post(f"{state['control_url']}/{action}", json=payload or {}, timeout=timeout)
    except requests.RequestException as exc:
        raise InputError(f"the local stack does not answer at {state.get('control_url')}: {type(exc).__name__}",
                         hint="brewsync dev down; brewsync dev up --detach") from None
    data = resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else {}
    if resp.status_code >= 400:
        raise InputError(data.get("error") or f"dev stack answered HTTP {resp.status_code}")
    return data


class ControlServer:
    """POST /break {"fault"}, /reset, /shutdown → handlers run in the `dev up` process."""

    def __init__(self, handlers: dict[str, Callable[[dict], dict]]):
        self.handlers = handlers
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "ControlServer":
        handlers = self.handlers

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    payload = json.loads(self.rfile.read(length) or b"{}")
                    fn = handlers.get(self.path.strip("/"))
                    if fn is None:
                        code, body = 404, {"error": f"unknown action {self.path}"}
                    else:
                        code, body = 200, fn(payload)
                except KeyError as exc:
                    code, body = 400, {"error": f"unknown fault {exc.args[0]!r} (brewsync dev break --list)"}
                except Exception as exc:  # noqa: BLE001 - reported to the caller
                    code, body = 500, {"error": f"{type(exc).__name__}: {exc}"}
                raw = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name="dev-control").start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
