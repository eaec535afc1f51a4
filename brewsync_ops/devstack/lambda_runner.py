"""The local stack's Lambda runtime: invocations of the orchestrator really run it.

moto (without Docker) only echoes an invocation back. The `dev up` process runs the moto server
in-process, so it hooks moto's Lambda backend: an invocation of a function registered here runs
``sync_runtime.orchestrator.handler(event, context)`` in a **subprocess** with the function's
environment as moto holds it *at that moment* (so `lambda tune`, `dev break` and any
update-function-configuration take effect, as in AWS), plus what the Lambda service adds
(AWS_* credentials and endpoint, AWS_LAMBDA_FUNCTION_NAME). Its output lines go to CloudWatch
Logs under ``/aws/lambda/<function>`` with START/END/REPORT lines, while it runs, so
`brewsync trigger --wait` and `aws logs filter-log-events` see them. ``RequestResponse`` waits and
returns the handler's result (an exception becomes ``FunctionError: Unhandled``, as in AWS);
``Event`` returns 202 at once and runs in the background. The function's Timeout is enforced.

Why a subprocess and a hook rather than `brewsync trigger` running the handler itself: every
client — `brewsync trigger`, `slack test --via-lambda`, a raw `aws lambda invoke` — gets the real
behaviour without knowing it talks to a dev stack, and a crashing run cannot take the stack down.

Run as ``python -m brewsync_ops.devstack.lambda_runner`` it is the bootstrap of one invocation:
event on stdin, result written to the file named by BREWSYNC_LAMBDA_RESULT.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

HANDLER = "sync_runtime.orchestrator.handler"
_RUNNERS: dict[str, "FunctionRunner"] = {}
_PATCH_LOCK = threading.Lock()
_PATCHED = False


class FunctionRunner:
    """Runs one function's invocations; ``service_env`` is what the Lambda service would add."""

    def __init__(self, function_name: str, service_env: dict[str, str], *, log_client=None):
        self.function_name = function_name
        self.service_env = service_env
        self.log_client = log_client  # a boto3 logs client for the same moto server (or None)
        self.invocations: list[dict] = []  # (tests) what was invoked and how it ended
        self._threads: list[threading.Thread] = []

    # -------------------------------------------------------------- logs
    def _log(self, stream: str, lines: list[str]) -> None:
        if self.log_client is None or not lines:
            return
        group = f"/aws/lambda/{self.function_name}"
        now = int(time.time() * 1000)
        try:
            self.log_client.put_log_events(logGroupName=group, logStreamName=stream,
                                           logEvents=[{"timestamp": now, "message": line[:250_000]} for line in lines])
        except Exception:  # noqa: BLE001 - a missing log group (a fault) must not fail the run
            pass

    def _open_stream(self) -> str:
        stream = datetime.now(timezone.utc).strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        if self.log_client is not None:
            try:
                self.log_client.create_log_stream(logGroupName=f"/aws/lambda/{self.function_name}", logStreamName=stream)
            except Exception:  # noqa: BLE001
                pass
        return stream

    # -------------------------------------------------------------- one invocation
    def run(self, env_vars: dict, timeout_s: int, memory_mb: int, payload: bytes) -> tuple[bytes, bool]:
        """Run the handler once; (result JSON bytes, function error?)."""
        request_id = str(uuid.uuid4())
        stream = self._open_stream()
        self._log(stream, [f"START RequestId: {request_id} Version: $LATEST"])
        result_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"brewsync-lambda-{request_id}.json"
        root = str(Path(__file__).resolve().parents[2])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               **{k: str(v) for k, v in env_vars.items()}, **self.service_env,
               "AWS_LAMBDA_FUNCTION_NAME": self.function_name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
               "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_s), "BREWSYNC_LAMBDA_REQUEST_ID": request_id,
               "BREWSYNC_LAMBDA_RESULT": str(result_file),
               "PYTHONPATH": root + (os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")}
        t0 = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "brewsync_ops.devstack.lambda_runner"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdin and proc.stdout
        proc.stdin.write(payload or b"{}")
        proc.stdin.close()
        timer = threading.Timer(timeout_s, proc.kill)
        timer.start()
        batch: list[str] = []
        last_flush = time.monotonic()
        for raw in proc.stdout:
            batch.append(raw.decode(errors="replace").rstrip("\n"))
            if time.monotonic() - last_flush > 0.3 or len(batch) >= 200:
                self._log(stream, batch)
                batch, last_flush = [], time.monotonic()
        proc.wait()
        timed_out = not timer.is_alive() and proc.returncode != 0
        timer.cancel()
        self._log(stream, batch)
        elapsed_ms = (time.monotonic() - t0) * 1000
        if timed_out:
            result, error = {"errorMessage": f"Task timed out after {timeout_s:.2f} seconds", "errorType": "TimeoutError"}, True
        else:
            try:
                out = json.loads(result_file.read_text())
                result, error = out["result"], bool(out.get("error"))
            except (OSError, ValueError, KeyError):
                result, error = {"errorMessage": f"Runtime exited with status {proc.returncode}",
                                 "errorType": "Runtime.ExitError"}, True
        result_file.unlink(missing_ok=True)
        self._log(stream, [f"END RequestId: {request_id}",
                           f"REPORT RequestId: {request_id}\tDuration: {elapsed_ms:.2f} ms\tBilled Duration: "
                           f"{int(elapsed_ms) + 1} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: 0 MB"])
        self.invocations.append({"request_id": request_id, "event": payload.decode(errors="replace"),
                                 "error": error, "result": result})
        return json.dumps(result).encode(), error

    def invoke(self, fn, body, headers, response_headers) -> bytes:
        payload = body if isinstance(body, bytes) else (body or "").encode()
        args = (dict(fn.environment_vars or {}), int(fn.timeout or 3), int(getattr(fn, "memory_size", 128) or 128), payload)
        if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
            t = threading.Thread(target=self.run, args=args, daemon=True, name=f"lambda-{self.function_name}")
            self._threads.append(t)
            t.start()
            return b""
        result, error = self.run(*args)
        if error:
            response_headers["x-amz-function-error"] = "Unhandled"
        return result

    def join(self, timeout: float = 60) -> None:
        """(tests) wait for background (Event) invocations."""
        for t in list(self._threads):
            t.join(timeout)


def _short(function_name: str) -> str:
    # an ARN arn:aws:lambda:region:acct:function:NAME[:qualifier] or a plain name
    if function_name.startswith("arn:"):
        parts = function_name.split(":")
        return parts[6] if len(parts) > 6 else function_name
    return function_name


def _patch() -> None:
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return
        from moto.awslambda_simple.models import LambdaSimpleBackend

        original = LambdaSimpleBackend.invoke

        def invoke(self, function_name, qualifier, body, headers, response_headers):
            runner = _RUNNERS.get(_short(function_name))
            if runner is None:
                return original(self, function_name, qualifier, body, headers, response_headers)
            fn = self.get_function(function_name, qualifier)
            return runner.invoke(fn, body, headers, response_headers)

        LambdaSimpleBackend.invoke = invoke
        _PATCHED = True


def install(info, *, log_client=None) -> FunctionRunner:
    """Make invocations of the stack's orchestrator run it (in this process's moto server)."""
    from .stack import ACCESS_KEY, SECRET_KEY, clients

    _patch()
    service_env = {"AWS_ENDPOINT_URL": info.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                   "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_DEFAULT_REGION": info.region, "AWS_REGION": info.region,
                   "AWS_MAX_ATTEMPTS": "2"}
    runner = FunctionRunner(info.names.lambda_function, service_env,
                            log_client=log_client or clients(info.endpoint, info.region)("logs"))
    _RUNNERS[runner.function_name] = runner
    return runner


def uninstall(function_name: str) -> None:
    _RUNNERS.pop(function_name, None)


# ------------------------------------------------------------------ bootstrap (the subprocess)

class _Context:
    def __init__(self):
        self.aws_request_id = os.environ.get("BREWSYNC_LAMBDA_REQUEST_ID", str(uuid.uuid4()))
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 128)
        self._deadline = time.monotonic() + float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _bootstrap() -> int:
    import importlib
    import traceback

    out_path = os.environ["BREWSYNC_LAMBDA_RESULT"]
    module, _, name = HANDLER.rpartition(".")
    try:
        event = json.loads(sys.stdin.read() or "{}")
        result, error = getattr(importlib.import_module(module), name)(event, _Context()), False
    except Exception as exc:  # noqa: BLE001 - reported like the Lambda runtime does
        traceback.print_exc(file=sys.stdout)
        result, error = {"errorMessage": str(exc), "errorType": type(exc).__name__}, True
    sys.stdout.flush()
    Path(out_path).write_text(json.dumps({"result": result, "error": error}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(_bootstrap())
