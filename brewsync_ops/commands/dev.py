"""`brewsync dev up|down|break|reset`: a local stack on 127.0.0.1 to try every command on.

`up` runs a moto server with the default resources (devstack/stack.py), the local Homebrew
registry and a Slack webhook receiver (invoking the orchestrator function really runs a sync:
devstack/lambda_runner.py), prints `export …` lines, and runs until Ctrl-C (or in the
background with --detach). `break FAULT` injects one runbook fault, `reset` makes it healthy again.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from typing import Optional

import typer

from sync_runtime.errors import InputError

app = typer.Typer(help="A local stack (moto, registry, Slack receiver) to try every command on.",
                  no_args_is_help=True)

EXPORT_ORDER = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                "BREWSYNC_BUCKET", "BREWSYNC_API_URL")


def _print_exports(env: dict) -> None:
    for key in EXPORT_ORDER:
        sys.stdout.write(f"export {key}={shlex.quote(str(env[key]))}\n")
    sys.stdout.flush()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_registry():
    """The other engineers' local registry, when it is there; else no API URL to serve."""
    try:
        from brewsync_ops.devstack.fixtures import generate_catalog
        from brewsync_ops.devstack.registry import LocalRegistry
    except ImportError:
        return None, "http://127.0.0.1:9/api"
    registry = LocalRegistry(generate_catalog()).start()
    return registry, registry.api_url


class _Running:
    """Everything `dev up` holds, and what its control endpoint can do to it."""

    def __init__(self, port: int):
        import logging

        from moto.server import ThreadedMotoServer

        from brewsync_ops.devstack.webhook import WebhookReceiver

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if not port:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.moto.start()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.webhook = WebhookReceiver().start()
        self.registry, self.api_url = _start_registry()
        self.info = None
        self.provision()

    def provision(self):
        from brewsync_ops.devstack import lambda_runner
        from brewsync_ops.devstack.stack import provision

        self.info = provision(self.endpoint, webhook_url=self.webhook.url, api_url=self.api_url)
        # moto only echoes invocations: make the orchestrator function really run (lambda_runner.py)
        lambda_runner.install(self.info)
        return self.info

    def reset(self, _payload: dict) -> dict:
        from brewsync_ops.devstack.stack import reset_moto

        reset_moto(self.endpoint)
        self.webhook.reset()
        self.provision()
        return {"result": "stack reset to healthy"}

    def inject(self, payload: dict) -> dict:
        from brewsync_ops.devstack.faults import inject

        fault = inject(self.info, str(payload.get("fault")))
        return {"result": f"injected {fault.name}: {fault.description}", "fault": fault.name}

    def stop(self) -> None:
        for part in (self.webhook, self.registry, self.moto):
            try:
                if part is not None:
                    part.stop()
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass


@app.command("up")
def up(detach: bool = typer.Option(False, "--detach", "-d", help="Run in the background (state in "
                                   "$BREWSYNC_STATE_DIR or ~/.brewsync)."),
       port: Optional[str] = typer.Option(None, "--port", help="moto server port (default: a free one)."),
       wait: str = typer.Option("60", "--wait", help="With --detach: seconds to wait until ready.")) -> None:
    """Start the local stack and print `export …` lines for it."""
    import signal
    import threading

    from brewsync_ops.devstack import dev_state

    from ._common import int_option

    port_no = int_option("--port", port, 1, 65535) or 0
    wait_s = int_option("--wait", wait, 1, 600)
    try:
        state = dev_state.read_state()
        if _alive(int(state.get("pid", 0))):
            raise InputError(f"a local stack is already running (pid {state['pid']}, {state.get('endpoint')})",
                             hint="brewsync dev down")
        dev_state.clear_state()
    except InputError as exc:
        if "already running" in exc.message:
            raise
    if detach:
        _detach(port_no, wait_s)
        return
    try:
        import moto.server  # noqa: F401
    except ImportError:
        raise InputError("brewsync dev up needs moto", hint="pip install '.[dev]'") from None
    running = _Running(port_no)
    stop = threading.Event()
    control = dev_state.ControlServer({"break": running.inject, "reset": running.reset,
                                       "shutdown": lambda _p: (stop.set(), {"result": "stopping"})[1]}).start()
    try:
        dev_state.write_state({**running.info.to_dict(), "pid": os.getpid(), "control_url": control.url,
                               "ready": True})
        _print_exports(running.info.env())
        sys.stderr.write("brewsync: local stack ready; Ctrl-C to stop\n")
        sys.stderr.flush()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        control.stop()
        running.stop()
        try:
            if int(dev_state.read_state().get("pid", 0)) == os.getpid():
                dev_state.clear_state()
        except InputError:
            pass


def _detach(port: int, wait: int) -> None:
    from brewsync_ops.devstack import dev_state

    log = dev_state.state_dir() / "dev.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-c", "from brewsync_ops.cli import app; app()", "dev", "up"]
    if port:
        args += ["--port", str(port)]
    with open(log, "wb") as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if child.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            raise InputError(f"the local stack exited during start-up: {' / '.join(tail)}")
        try:
            state = dev_state.read_state()
            if state.get("pid") == child.pid and state.get("ready"):
                from brewsync_ops.devstack.stack import StackInfo

                _print_exports(StackInfo.from_dict(state).env())
                sys.stderr.write(f"brewsync: local stack running in the background (pid {child.pid}); "
                                 "stop it with: brewsync dev down\n")
                return
        except InputError:
            pass
        time.sleep(0.1)
    child.terminate()
    raise InputError(f"the local stack was not ready within {wait} s (log: {log})")


@app.command("down")
def down() -> None:
    """Stop the background stack."""
    import signal

    from brewsync_ops.devstack import dev_state

    state = dev_state.read_state()
    pid = int(state.get("pid", 0))
    try:
        dev_state.control(state, "shutdown", timeout=5)
    except InputError:
        if pid and _alive(pid):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    dev_state.clear_state()
    typer.echo(f"local stack stopped (pid {pid})")


@app.command("break")
def break_(fault: Optional[str] = typer.Argument(None, help="A fault name (see --list)."),
           list_: bool = typer.Option(False, "--list", help="List the faults: name, then what it does.")) -> None:
    """Inject one runbook fault into the running stack."""
    from brewsync_ops.devstack import dev_state
    from brewsync_ops.devstack.faults import FAULTS

    if list_:
        width = max(len(n) for n in FAULTS)
        for f in FAULTS.values():
            typer.echo(f"{f.name:<{width}}  {f.description}{'  (doctor --fix repairs it)' if f.fixable else ''}")
        return
    if not fault:
        raise InputError("dev break: name a fault", hint="brewsync dev break --list")
    if fault not in FAULTS:
        raise InputError(f"unknown fault {fault!r}", hint="brewsync dev break --list")
    typer.echo(dev_state.control(dev_state.read_state(), "break", {"fault": fault})["result"])


@app.command("reset")
def reset() -> None:
    """Put the running stack back to healthy."""
    from brewsync_ops.devstack import dev_state

    typer.echo(dev_state.control(dev_state.read_state(), "reset")["result"])


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="dev")
