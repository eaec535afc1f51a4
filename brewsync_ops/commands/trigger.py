"""`brewsync trigger [--rebuild] [--dry-run] [--formula NAME…] [--wait]`: start a run now.

Invokes the orchestrator (`Names().lambda_function`) with the manual payload of the runbook,
exactly ``{"source": "manual", "rebuild_hash": …, "dry_run": …, "formulae": […]}``. Without
``--wait`` the invocation is asynchronous (``Event``: a sync may take the Lambda's whole 15
minutes). With ``--wait`` it is synchronous — never retried, so a slow answer cannot start a second
run — while the function's log lines are shown as they arrive; a run handed to ECS is then
followed (ECS log lines) until ``runs/<run-id>/report.json`` exists. The exit code is the run's
outcome: 0 completed, 1 failed bottles / failed run / still running at --timeout.

On the local stack (`brewsync dev up`) the same invocation really runs the orchestrator: see
brewsync_ops/devstack/lambda_runner.py.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import List, Optional

import typer

from sync_runtime.errors import BrewsyncError, InputError

from ..exit_codes import ExitCode
from ._common import JSON_OPT, app_context, deployment, preflight

INVOKE_READ_TIMEOUT = 960  # the Lambda's 900 s plus margin


def payload(source: str, *, rebuild: bool = False, dry_run: bool = False, formulae: list[str] | None = None) -> dict:
    """The orchestrator's request (pure); the names are validated before anything is sent."""
    from sync_runtime.bottle import check_name

    names = list(dict.fromkeys(check_name(n, "--formula") for n in formulae or []))
    return {"source": source, "rebuild_hash": bool(rebuild), "dry_run": bool(dry_run), "formulae": names}


def lambda_client(actx, *, read_timeout: int = INVOKE_READ_TIMEOUT):
    from botocore.config import Config

    aws = actx.aws
    kwargs = {"region_name": aws.region_name,
              "config": Config(read_timeout=read_timeout, connect_timeout=10, retries={"max_attempts": 1, "mode": "standard"})}
    if aws.endpoint_url:
        kwargs["endpoint_url"] = aws.endpoint_url
    return aws.session.client("lambda", **kwargs)


def log_line(message: str) -> str:
    """A JSON log line as `LEVEL message`; anything else as it is."""
    try:
        rec = json.loads(message)
    except ValueError:
        return message.rstrip()
    if isinstance(rec, dict) and "message" in rec:
        return f"{rec.get('level', 'INFO'):<7} {rec['message']}"
    if isinstance(rec, dict) and "_aws" in rec:  # an EMF metrics record
        names = [m["Name"] for d in rec["_aws"].get("CloudWatchMetrics", []) for m in d.get("Metrics", [])]
        return "metrics " + ", ".join(f"{n}={rec.get(n)}" for n in names)
    return message.rstrip()


class LogFollower:
    """Polls filter-log-events on some log groups from a start time; each event once."""

    def __init__(self, logs_client, groups: list[str], start_ms: int, emit: Callable[[str], None]):
        self.logs = logs_client
        self.groups = groups
        self.start_ms = start_ms
        self.emit = emit
        self.seen: set[str] = set()

    def poll(self) -> None:
        for group in self.groups:
            kwargs = {"logGroupName": group, "startTime": self.start_ms}
            try:
                for _ in range(20):
                    resp = self.logs.filter_log_events(**kwargs)
                    for ev in sorted(resp.get("events", []), key=lambda e: (e.get("timestamp", 0), e.get("eventId", ""))):
                        key = ev.get("eventId") or f"{ev.get('logStreamName')}/{ev.get('timestamp')}/{ev.get('message')}"
                        if key not in self.seen:
                            self.seen.add(key)
                            self.emit(log_line(ev.get("message", "")))
                    if not resp.get("nextToken"):
                        break
                    kwargs["nextToken"] = resp["nextToken"]
            except Exception:  # noqa: BLE001 - logs are a courtesy while waiting; the outcome is what counts
                continue


@dataclass
class Outcome:
    status: str                      # completed | completed-with-failures | failed | handed-off | dry-run | running | invoked
    run_id: str | None = None
    result: dict = field(default_factory=dict)
    report: dict | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.status in ("completed", "dry-run", "invoked"):
            return int(ExitCode.OK)
        return int(ExitCode.FINDINGS)

    def to_dict(self) -> dict:
        return {"status": self.status, "run_id": self.run_id, "result": self.result, "report": self.report,
                "error": self.error}


def invoke(actx, event: dict, *, wait: bool, timeout: float = 3600, emit: Callable[[str], None] | None = None,
           poll_s: float = 1.0) -> Outcome:
    """Invoke the orchestrator; with ``wait`` follow the run to its report."""
    names = actx.names
    client = lambda_client(actx)
    body = json.dumps(event).encode()
    if not wait:
        resp = client.invoke(FunctionName=names.lambda_function, InvocationType="Event", Payload=body)
        rid = resp.get("ResponseMetadata", {}).get("RequestId")
        return Outcome("invoked", result={"status_code": resp.get("StatusCode"), "request_id": rid})
    emit = emit or (lambda line: None)
    follower = LogFollower(actx.client("logs"), [names.lambda_log_group], int(time.time() * 1000) - 2000, emit)
    box: dict = {}

    def call():
        try:
            box["resp"] = client.invoke(FunctionName=names.lambda_function, InvocationType="RequestResponse",
                                        Payload=body)
            box["payload"] = box["resp"]["Payload"].read()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["exc"] = exc

    t = threading.Thread(target=call, daemon=True, name="invoke")
    t.start()
    while t.is_alive():
        t.join(poll_s)
        follower.poll()
    follower.poll()
    if "exc" in box:
        raise box["exc"]
    resp, raw = box["resp"], box["payload"]
    try:
        result = json.loads(raw or b"null")
    except ValueError:
        result = {"raw": raw.decode(errors="replace")[:500]}
    if resp.get("FunctionError"):
        msg = result.get("errorMessage") if isinstance(result, dict) else str(result)
        return Outcome("failed", result=result if isinstance(result, dict) else {}, error=str(msg)[:500])
    if not isinstance(result, dict) or "status" not in result:
        raise BrewsyncError(f"the orchestrator answered something unexpected: {str(raw)[:200]}",
                            hint=f"is {names.lambda_function} the brewsync orchestrator? brewsync lambda status")
    status = result["status"]
    run_id = result.get("run_id")
    if status == "rejected":
        raise InputError(f"the orchestrator rejected the request: {result.get('error')}")
    if status == "dry-run":
        return Outcome("dry-run", run_id, result)
    stopped = None
    if status == "handed-off" and result.get("tasks"):
        stopped = lambda: tasks_stopped(actx, list(result["tasks"]))  # noqa: E731
    try:
        report = wait_for_report(actx, run_id, timeout=timeout, follower=follower,
                                 groups=[names.ecs_log_group] if status == "handed-off" else [], poll_s=poll_s,
                                 stopped=stopped)
    except RunStopped as exc:
        return Outcome("failed", run_id, result, error=str(exc))
    if report is None:
        return Outcome("running", run_id, result, error=f"no report after {timeout:.0f} s")
    final = "completed" if not report.get("failed") else "completed-with-failures"
    return Outcome(final, run_id, result, report)


class RunStopped(Exception):
    """Every worker task of the run stopped and no report was written: waiting longer is pointless."""


STOPPED_CHECK_S = 15.0  # how often --wait asks ECS whether the run's tasks are still alive


def tasks_stopped(actx, tasks: list[str]) -> str | None:
    """Why every task stopped ("<task>: <reason> (exit N)"; …), or None while one still runs or
    ECS cannot say (a task ECS no longer knows is not proof it failed)."""
    from ..checks import Deployment

    try:
        cluster = Deployment(actx).cluster()
        found = actx.client("ecs").describe_tasks(cluster=cluster, tasks=tasks[:100]).get("tasks", [])
    except Exception:  # noqa: BLE001 - a courtesy: without an answer we keep waiting for the report
        return None
    if len(found) < min(len(tasks), 100) or any(t.get("lastStatus") != "STOPPED" for t in found):
        return None
    reasons = []
    for t in found:
        codes = [c.get("exitCode") for c in t.get("containers", []) if c.get("exitCode") is not None]
        reasons.append(f"{t.get('taskArn', '?').rsplit('/', 1)[-1]}: {t.get('stoppedReason') or 'stopped'}"
                       + (f" (exit {codes[0]})" if codes else ""))
    return "; ".join(reasons)


def wait_for_report(actx, run_id: str, *, timeout: float, follower: LogFollower | None = None,
                    groups: list[str] = (), poll_s: float = 2.0, store=None,
                    stopped: Callable[[], str | None] | None = None, stopped_every: float = STOPPED_CHECK_S,
                    ) -> dict | None:
    """The run's report once it exists; None at ``timeout``. RunStopped when ``stopped`` says every
    worker task has stopped and the report still is not there (the workers died without one)."""
    from sync_runtime.shards import read_json, report_key
    from sync_runtime.stores import S3Store

    if store is None:
        store = S3Store(deployment_bucket(actx), "", actx.aws)
    if follower is not None:
        follower.groups = list(follower.groups) + [g for g in groups if g not in follower.groups]
    deadline = time.monotonic() + timeout
    next_check = time.monotonic() + stopped_every
    while True:
        report = read_json(store, report_key(run_id))
        if report is not None:
            return report
        if time.monotonic() >= deadline:
            return None
        if stopped is not None and time.monotonic() >= next_check:
            next_check = time.monotonic() + stopped_every
            why = stopped()
            if why:
                report = read_json(store, report_key(run_id))  # the last shard writes it, then stops
                if report is not None:
                    return report
                if follower is not None:
                    follower.poll()
                raise RunStopped(f"every worker task of run {run_id} stopped without a report: {why}")
        if follower is not None:
            follower.poll()
        time.sleep(poll_s)


def deployment_bucket(actx) -> str:
    from ..checks import Deployment

    return Deployment(actx).bucket()


def render(outcome: Outcome, *, as_json: bool) -> None:
    from ..render import emit_json, human_bytes

    if as_json:
        emit_json(outcome.to_dict())
        return
    r, rep = outcome.result, outcome.report or {}
    if outcome.status == "invoked":
        typer.echo(f"orchestrator invoked asynchronously (HTTP {r.get('status_code')}, request {r.get('request_id')}); "
                   "follow it with: brewsync trigger … --wait, or brewsync logs tail")
    elif outcome.status == "failed":
        typer.echo(f"run failed: {outcome.error}")
    elif outcome.status == "dry-run":
        plan = r.get("plan", {})
        typer.echo(f"dry run {r.get('run_id')}: {plan.get('new', 0)} to copy ({human_bytes(r.get('plan_bytes'))}), "
                   f"{plan.get('unchanged', 0)} unchanged, {plan.get('stale', 0)} stale; route {r.get('route')}"
                   + (f"; index would have {r['rebuilt_entries']} entries" if r.get("rebuilt_entries") is not None else ""))
    elif outcome.status == "running":
        typer.echo(f"run {outcome.run_id} is still running ({outcome.error}); check again: "
                   f"aws s3 cp s3://…/runs/{outcome.run_id}/report.json -")
    else:
        typer.echo(f"run {outcome.run_id} {outcome.status}: {rep.get('copied', 0)} copied, {rep.get('failed', 0)} failed, "
                   f"{human_bytes(rep.get('bytes', 0))} in {rep.get('seconds', 0):.1f} s"
                   + (f" ({rep.get('shards')} ECS shards)" if rep.get("shards") else "")
                   + (f"; index rebuilt with {r['rebuilt_entries']} entries" if r.get("rebuilt_entries") is not None else ""))
        for f in rep.get("failures", [])[:20]:
            typer.echo(f"  failed {f.get('filename')}: {f.get('reason')}")


def run_and_render(ctx: typer.Context, event: dict, *, wait: bool, timeout: float, as_json: bool) -> Outcome:
    actx = app_context(ctx)
    preflight(deployment(ctx))
    emit = (lambda line: (sys.stderr.write(line + "\n"), sys.stderr.flush())) if not as_json else None
    if wait and not as_json:
        sys.stderr.write(f"invoking {actx.names.lambda_function} with {json.dumps(event, sort_keys=True)}\n")
    outcome = invoke(actx, event, wait=wait, timeout=timeout, emit=emit)
    render(outcome, as_json=as_json)
    return outcome


def trigger(
    ctx: typer.Context,
    rebuild: bool = typer.Option(False, "--rebuild", help="Rebuild the index from the store first (rebuild_hash)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan only; the orchestrator writes nothing."),
    formula: Optional[List[str]] = typer.Option(None, "--formula", help="Limit the run to this formula (repeatable)."),
    wait: bool = typer.Option(False, "--wait", help="Follow the run (log lines, then its report); exit with its outcome."),
    timeout: float = typer.Option(3600, "--timeout", min=1, help="With --wait: give up waiting after this many seconds."),
    as_json: bool = JSON_OPT,
) -> None:
    """Invoke the orchestrator now with the manual payload."""
    event = payload("manual", rebuild=rebuild, dry_run=dry_run, formulae=formula)
    outcome = run_and_render(ctx, event, wait=wait, timeout=timeout, as_json=as_json)
    raise typer.Exit(outcome.exit_code)


def register(root: typer.Typer) -> None:
    root.command("trigger")(trigger)
