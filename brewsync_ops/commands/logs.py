"""`brewsync logs errors|perf|downloads|tail`: the runbook's log queries over the orchestrator's
and the workers' log groups.

- Logs Insights first (one query over both groups, sorted, limited by the service). An endpoint
  may accept a query and ignore parts of it (moto applies only ``fields``/``sort``/``limit``):
  every row is checked against the query's own pattern locally, and when a row does not match,
  the answer is discarded and the same question is asked again with ``filter-log-events`` (one
  call per term, server-side filtered) plus the same local filter. Insights refused
  (AccessDenied, not implemented) falls back the same way. The JSON output says which was used.
- ``--follow`` polls ``filter-log-events`` (the aws CLI v1 has no ``logs tail``), de-duplicated by
  event id; Ctrl-C ends it with exit 0.
- Every message is redacted before it is printed.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Optional

import typer

from sync_runtime.errors import InputError
from sync_runtime.names import LAMBDA_TIMEOUT_SECONDS
from sync_runtime.redact import redact

from ._common import JSON_OPT, QUERY_OPT, app_context, deployment, preflight

# ---- pure helpers (shared with metrics and bundle) ------------------------------------------

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: datetime | None = None, *, option: str = "--since") -> datetime:
    """``30m``, ``1h``, ``2d``, ``1w`` or an ISO 8601 time → an aware UTC datetime in the past."""
    now = now or datetime.now(timezone.utc)
    m = _DURATION_RE.match(text or "")
    if m:
        seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
        if seconds <= 0:
            raise InputError(f"{option} {text!r}: must be more than zero")
        if seconds > 366 * 86400:
            raise InputError(f"{option} {text!r}: at most a year")
        return now - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InputError(f"{option} {text!r}: use a duration like 30m, 1h, 2d, 1w or an ISO time "
                         "like 2026-11-29T03:00:00Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when > now:
        raise InputError(f"{option} {text!r}: is in the future")
    return when


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Iterable[float | None]) -> str:
    """A one-line trend; missing values are blanks."""
    vals = list(values)
    present = [v for v in vals if v is not None]
    if not present:
        return ""
    lo, hi = min(present), max(present)
    span = hi - lo
    out = []
    for v in vals:
        if v is None:
            out.append(" ")
        elif span == 0:
            out.append(SPARK[3] if hi else SPARK[0])
        else:
            out.append(SPARK[min(len(SPARK) - 1, int((v - lo) / span * (len(SPARK) - 1) + 0.5))])
    return "".join(out)


def iso(ms: int | float) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ---- the runbook's queries -------------------------------------------------------------------

_REPORT_RE = re.compile(
    r"REPORT RequestId: (?P<request_id>\S+)\s+Duration: (?P<duration>[0-9.]+) ms"
    r"(?:\s+Billed Duration: (?P<billed>[0-9.]+) ms)?(?:\s+Memory Size: (?P<memory>\d+) MB)?"
    r"(?:\s+Max Memory Used: (?P<used>\d+) MB)?(?:\s+Init Duration: (?P<init>[0-9.]+) ms)?")
_DOWNLOAD_RE = re.compile(r"Downloaded bottle (?P<filename>\S+)(?: \((?P<bytes>\d+) bytes(?:, (?P<sha256>[0-9a-f]{8,64}))?\))?")


@dataclass(frozen=True)
class LogQuery:
    name: str
    description: str
    terms: tuple[str, ...]            # filter-log-events patterns (a plain word or one quoted phrase)
    match: re.Pattern                 # the local filter every returned line must pass
    insights_filter: str              # the Insights `filter` clause
    groups: tuple[str, ...] = ("lambda", "ecs")

    def insights(self, limit: int) -> str:
        return (f"fields @timestamp, @log, @logStream, @message | filter {self.insights_filter} "
                f"| sort @timestamp desc | limit {limit}")


QUERIES: dict[str, LogQuery] = {
    "errors": LogQuery(
        "errors", "ERROR lines, exceptions, tracebacks and Lambda timeouts",
        ("ERROR", "Exception", "Traceback", '"Task timed out"'),
        re.compile(r"ERROR|Exception|Traceback|Task timed out"),
        "@message like /ERROR|Exception|Traceback|Task timed out/"),
    "perf": LogQuery(
        "perf", "Lambda REPORT lines: duration, billed duration, memory",
        ("REPORT",), re.compile(r"^REPORT RequestId: "),
        "@message like /^REPORT RequestId: /", groups=("lambda",)),
    "downloads": LogQuery(
        "downloads", "\"Downloaded bottle\" lines of the orchestrator and the workers",
        ('"Downloaded bottle"',), re.compile(r"Downloaded bottle "),
        "@message like /Downloaded bottle /"),
    "tail": LogQuery("tail", "every line", ("",), re.compile(r""), "ispresent(@message)"),
}


@dataclass
class LogResult:
    query: str
    since: str
    groups: list[str]
    source: str = "insights"
    fallback_reason: str | None = None
    events: list[dict] = field(default_factory=list)
    truncated: bool = False
    missing_groups: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"query": self.query, "since": self.since, "log_groups": self.groups, "source": self.source,
                "fallback_reason": self.fallback_reason, "count": len(self.events), "truncated": self.truncated,
                "missing_log_groups": self.missing_groups, "events": self.events}


def group_names(names, which: str) -> dict[str, str]:
    all_groups = {"lambda": names.lambda_log_group, "ecs": names.ecs_log_group}
    if which == "all":
        return all_groups
    if which not in all_groups:
        raise InputError(f"--group {which!r}: choose lambda, ecs or all")
    return {which: all_groups[which]}


def decorate(event: dict, group: str, short: str) -> dict:
    """One event as the commands show it: time, group, stream, message, and what we parse out."""
    message = redact((event.get("message") or "").rstrip("\n"))
    out: dict[str, Any] = {"timestamp": int(event.get("timestamp") or 0), "time": iso(event.get("timestamp") or 0),
                           "group": short, "log_group": group, "stream": event.get("logStreamName", ""),
                           "message": message}
    if event.get("eventId"):
        out["event_id"] = event["eventId"]
    if message.startswith("{"):
        try:
            data = json.loads(message)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for key in ("level", "run_id", "shard", "request_id", "error_type"):
                if data.get(key) is not None:
                    out[key] = data[key]
            if isinstance(data.get("message"), str):
                out["text"] = data["message"]
    text = out.get("text", message)
    if m := _REPORT_RE.search(text):
        out["report"] = {k: (float(v) if k in ("duration", "billed", "init") else int(v) if k in ("memory", "used")
                             else v) for k, v in m.groupdict().items() if v is not None}
    if m := _DOWNLOAD_RE.search(text):
        out["download"] = {"filename": m.group("filename"),
                           **({"bytes": int(m.group("bytes"))} if m.group("bytes") else {}),
                           **({"sha256": m.group("sha256")} if m.group("sha256") else {})}
    return out


class LogReader:
    """The questions `brewsync logs` and `brewsync bundle` ask CloudWatch Logs."""

    def __init__(self, logs_client: Any, *, sleep: Callable[[float], None] = time.sleep):
        self.logs = logs_client
        self.sleep = sleep

    def existing(self, groups: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        present, missing = {}, []
        for short, name in groups.items():
            found = self.logs.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
            if any(g.get("logGroupName") == name for g in found):
                present[short] = name
            else:
                missing.append(name)
        return present, missing

    def filter_events(self, group: str, start_ms: int, end_ms: int | None = None, pattern: str = "",
                      limit: int = 10000) -> tuple[list[dict], bool]:
        """filter-log-events, every page up to ``limit`` events; (events, truncated)."""
        kwargs: dict[str, Any] = {"logGroupName": group, "startTime": start_ms, "limit": min(limit, 10000)}
        if end_ms is not None:
            kwargs["endTime"] = end_ms
        if pattern:
            kwargs["filterPattern"] = pattern
        events: list[dict] = []
        while True:
            try:
                page = self.logs.filter_log_events(**kwargs)
            except Exception as exc:  # noqa: BLE001
                from ..checks._base import is_not_found

                if is_not_found(exc):
                    return events, False
                raise
            events.extend(page.get("events", []))
            token = page.get("nextToken")
            if len(events) >= limit:
                return events[:limit], True
            if not token or token == kwargs.get("nextToken"):
                return events, False
            kwargs["nextToken"] = token

    def run(self, query: LogQuery, groups: dict[str, str], start: datetime, *, limit: int = 200,
            insights: bool = True, end: datetime | None = None) -> LogResult:
        present, missing = self.existing({k: v for k, v in groups.items() if k in query.groups})
        result = LogResult(query.name, start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), list(present.values()),
                           missing_groups=missing)
        if not present:
            result.source = "none"
            return result
        by_name = {v: k for k, v in present.items()}
        end = end or datetime.now(timezone.utc) + timedelta(minutes=1)
        if insights:
            try:
                rows = self._insights(query, list(present.values()), start, end, limit)
            except Exception as exc:  # noqa: BLE001 - Insights is an optimisation: fall back
                result.fallback_reason = f"Logs Insights unavailable: {_reason(exc)}"
            else:
                if all(query.match.search(r.get("message", "")) for r in rows):
                    result.events = [decorate(r, r["logGroupName"], by_name.get(r["logGroupName"], "?"))
                                     for r in rows]
                    result.truncated = len(rows) >= limit
                    result.events.sort(key=lambda e: e["timestamp"])
                    return result
                result.fallback_reason = ("the endpoint ignored the query's filter (rows not matching it came "
                                          "back): used filter-log-events and filtered locally")
        else:
            result.fallback_reason = "Logs Insights not requested"
        result.source = "filter-log-events"
        seen: dict[str, dict] = {}
        for short, name in present.items():
            for term in query.terms:
                events, truncated = self.filter_events(name, int(start.timestamp() * 1000),
                                                       int(end.timestamp() * 1000), term, limit=max(limit, 1000))
                result.truncated |= truncated
                for e in events:
                    if not query.match.search(e.get("message", "")):
                        continue
                    key = e.get("eventId") or f"{name}|{e.get('logStreamName')}|{e.get('timestamp')}|{e.get('message')}"
                    seen.setdefault(key, decorate(e, name, short))
        ordered = sorted(seen.values(), key=lambda e: (e["timestamp"], e.get("event_id", "")))
        if len(ordered) > limit:
            result.truncated = True
            ordered = ordered[-limit:]
        result.events = ordered
        return result

    def _insights(self, query: LogQuery, groups: list[str], start: datetime, end: datetime, limit: int,
                  timeout: float = 60) -> list[dict]:
        qid = self.logs.start_query(logGroupNames=groups, startTime=int(start.timestamp()),
                                    endTime=int(end.timestamp()), queryString=query.insights(limit),
                                    limit=limit)["queryId"]
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            answer = self.logs.get_query_results(queryId=qid)
            status = answer.get("status")
            if status == "Complete":
                break
            if status in ("Failed", "Cancelled", "Timeout", "Unknown"):
                raise RuntimeError(f"query {status.lower()}")
            if time.monotonic() > deadline:
                try:
                    self.logs.stop_query(queryId=qid)
                finally:
                    raise TimeoutError(f"no answer within {timeout:.0f} s")
            self.sleep(delay)
            delay = min(delay * 2, 1.0)
        rows = []
        for row in answer.get("results", []):
            cells = {c.get("field"): c.get("value") for c in row}
            ts = cells.get("@timestamp") or "0"
            rows.append({"timestamp": _insights_time(ts), "message": cells.get("@message", ""),
                         "logStreamName": cells.get("@logStream", ""),
                         "logGroupName": _group_name(cells.get("@log", ""), groups),
                         "eventId": cells.get("@ptr")})
        return rows

    def follow(self, query: LogQuery, groups: dict[str, str], start_ms: int, emit: Callable[[dict], None], *,
               interval: float = 2.0, polls: int = 0, seen: set[str] | None = None) -> int:
        """Poll filter-log-events every ``interval`` seconds; ``polls`` = 0 means until Ctrl-C."""
        seen = set(seen or ())
        newest = start_ms
        count = 0
        n = 0
        while polls <= 0 or n < polls:
            n += 1
            batch: dict[str, dict] = {}
            for short, name in groups.items():
                if short not in query.groups:
                    continue
                for term in query.terms:
                    events, _ = self.filter_events(name, newest, None, term, limit=10000)
                    for e in events:
                        key = e.get("eventId") or f"{name}|{e.get('logStreamName')}|{e.get('timestamp')}|{e.get('message')}"
                        if key in seen or not query.match.search(e.get("message", "")):
                            continue
                        seen.add(key)
                        batch[key] = decorate(e, name, short)
            for event in sorted(batch.values(), key=lambda e: e["timestamp"]):
                emit(event)
                count += 1
                newest = max(newest, event["timestamp"])
            if polls <= 0 or n < polls:
                self.sleep(interval)
        return count


def _insights_time(text: str) -> int:
    if text.isdigit():
        return int(text)
    try:  # AWS answers "2026-11-29 03:00:00.123"
        return int(datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=timezone.utc).timestamp() * 1000)
    except ValueError:
        return 0


def _group_name(log: str, groups: list[str]) -> str:
    # @log is "<account>:<group>" on AWS, the bare group name on some endpoints
    for g in groups:
        if log == g or log.endswith(":" + g):
            return g
    return groups[0] if len(groups) == 1 else log


def _reason(exc: BaseException) -> str:
    from ..checks._base import as_cannot_ask

    cannot = as_cannot_ask(exc, "logs start-query")
    return cannot.reason if cannot else f"{type(exc).__name__}: {exc}"


def perf_summary(events: list[dict], timeout_s: int = LAMBDA_TIMEOUT_SECONDS) -> dict:
    durations = [e["report"]["duration"] for e in events if "report" in e]
    if not durations:
        return {"runs": 0}
    ordered = sorted(durations)
    used = [e["report"]["used"] for e in events if "used" in e.get("report", {})]
    mem = [e["report"]["memory"] for e in events if "memory" in e.get("report", {})]
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"runs": len(durations), "avg_ms": round(sum(durations) / len(durations), 2), "p95_ms": p95,
            "max_ms": ordered[-1], "max_percent_of_timeout": round(ordered[-1] / (timeout_s * 10), 1),
            "max_memory_used_mb": max(used) if used else None, "memory_size_mb": max(mem) if mem else None,
            "timeout_s": timeout_s}


def downloads_summary(events: list[dict]) -> dict:
    got = [e["download"] for e in events if "download" in e]
    return {"bottles": len(got), "bytes": sum(d.get("bytes", 0) for d in got)}


# ---- rendering -------------------------------------------------------------------------------

def _row(e: dict) -> list[str]:
    text = e.get("text", e["message"])
    level = e.get("level", "")
    return [e["time"], e["group"], e["stream"][-40:], level, text]


def _render(result: LogResult, extra: dict, console) -> None:
    from ..render import human_bytes, table

    note = f"  ({result.source}" + (f"; {result.fallback_reason}" if result.fallback_reason else "") + ")"
    if result.query == "perf":
        rows = [[e["time"], e["report"].get("request_id", ""), f"{e['report']['duration'] / 1000:.1f} s",
                 f"{e['report'].get('used', '?')}/{e['report'].get('memory', '?')} MB"]
                for e in result.events if "report" in e]
        console.print(table(f"Lambda runs since {result.since}", ["time", "request", "duration", "memory used/size"], rows))
        s = extra.get("summary", {})
        if s.get("runs"):
            spark = sparkline(e["report"]["duration"] for e in result.events if "report" in e)
            console.print(f"{s['runs']} run(s): avg {s['avg_ms'] / 1000:.1f} s, p95 {s['p95_ms'] / 1000:.1f} s, "
                          f"max {s['max_ms'] / 1000:.1f} s = {s['max_percent_of_timeout']}% of the "
                          f"{s['timeout_s']} s timeout  {spark}")
    elif result.query == "downloads":
        rows = [[e["time"], e["group"], e["download"]["filename"], human_bytes(e["download"].get("bytes"))]
                for e in result.events if "download" in e]
        console.print(table(f"Downloaded bottles since {result.since}", ["time", "group", "bottle", "size"], rows))
        s = extra.get("summary", {})
        console.print(f"{s.get('bottles', 0)} bottle(s), {human_bytes(s.get('bytes', 0))}")
    else:
        console.print(table(f"{QUERIES[result.query].description} since {result.since}",
                            ["time", "group", "stream", "level", "message"], [_row(e) for e in result.events]))
        console.print(f"{len(result.events)} line(s)" + (" (truncated: narrow --since)" if result.truncated else ""))
    if result.missing_groups:
        console.print(f"log group(s) not found: {', '.join(result.missing_groups)}")
    console.print(f"[dim]{note.strip()}[/dim]")


def _line(e: dict) -> str:
    level = f" {e['level']}" if e.get("level") else ""
    return redact(f"{e['time']} {e['group']}{level} {e.get('text', e['message'])}")


# ---- the command -----------------------------------------------------------------------------

app = typer.Typer(help="The runbook's log queries over the orchestrator and worker log groups.",
                  no_args_is_help=True)


def _run(ctx: typer.Context, which: str, since: str, group: str, limit: int, follow: bool, interval: float,
         polls: int, as_json: bool, query: Optional[str], insights: bool) -> None:
    from ..render import check_query, emit_json, stdout_console

    check_query(query)
    if limit < 1 or limit > 10000:
        raise InputError(f"--limit {limit}: must be between 1 and 10000")
    if interval <= 0:
        raise InputError(f"--interval {interval}: must be more than zero")
    start = parse_since(since)
    actx = app_context(ctx)
    groups = group_names(actx.names, group)
    dep = deployment(ctx)
    preflight(dep)
    reader = LogReader(dep.client("logs"))
    q = QUERIES[which]
    if which == "tail":
        present, missing = reader.existing(groups)
        if not present:
            raise InputError(f"no log group found: {', '.join(missing)}",
                             hint="is the deployment applied? check --prefix / --region")
        result = LogResult("tail", start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), list(present.values()),
                           source="filter-log-events", missing_groups=missing)
        seen: dict[str, dict] = {}
        for short, name in present.items():
            events, truncated = reader.filter_events(name, int(start.timestamp() * 1000), limit=max(limit, 1000))
            result.truncated |= truncated
            for e in events:
                seen.setdefault(e.get("eventId") or f"{name}{e.get('timestamp')}{e.get('message')}", decorate(e, name, short))
        result.events = sorted(seen.values(), key=lambda e: e["timestamp"])[-limit:]
        groups = present
    else:
        # --follow continues with filter-log-events: start from it too, so event ids de-duplicate
        result = reader.run(q, groups, start, limit=limit, insights=insights and not follow)
    extra: dict = {}
    if which == "perf":
        extra["summary"] = perf_summary(result.events)
    elif which == "downloads":
        extra["summary"] = downloads_summary(result.events)
    as_json = as_json or bool(query)
    if not follow:
        if as_json:
            emit_json({**result.to_dict(), **extra}, query)
        else:
            _render(result, extra, stdout_console())
        return
    # --follow: what we have, then new lines as they arrive (one JSON object a line with --json)
    import sys

    def emit(e: dict) -> None:
        if as_json:
            from ..render import apply_query

            sys.stdout.write(redact(json.dumps(apply_query(e, query), sort_keys=True, default=str)) + "\n")
        else:
            sys.stdout.write(_line(e) + "\n")
        sys.stdout.flush()

    for e in result.events:
        emit(e)
    newest = max([e["timestamp"] for e in result.events] or [int(start.timestamp() * 1000)])
    seen_ids = {e.get("event_id") for e in result.events if e.get("event_id")}
    try:
        reader.follow(q, groups, newest, emit, interval=interval, polls=polls, seen=seen_ids)
    except KeyboardInterrupt:
        pass


SINCE_OPT = typer.Option("1h", "--since", help="How far back: 30m, 1h, 2d, 1w or an ISO time.")
GROUP_OPT = typer.Option("all", "--group", help="lambda, ecs or all.")
LIMIT_OPT = typer.Option(200, "--limit", help="At most this many lines (the newest).")
FOLLOW_OPT = typer.Option(False, "--follow", "-f", help="Keep polling for new lines (Ctrl-C stops).")
INTERVAL_OPT = typer.Option(2.0, "--interval", help="Seconds between polls with --follow.")
POLLS_OPT = typer.Option(0, "--polls", hidden=True, help="Stop --follow after this many polls (tests).")
INSIGHTS_OPT = typer.Option(True, "--insights/--no-insights", help="Try Logs Insights first.")


@app.command("errors")
def errors(ctx: typer.Context, since: str = SINCE_OPT, group: str = GROUP_OPT, limit: int = LIMIT_OPT,
           follow: bool = FOLLOW_OPT, interval: float = INTERVAL_OPT, polls: int = POLLS_OPT,
           insights: bool = INSIGHTS_OPT, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """ERROR lines, exceptions, tracebacks and 'Task timed out' of both log groups."""
    _run(ctx, "errors", since, group, limit, follow, interval, polls, as_json, query, insights)


@app.command("perf")
def perf(ctx: typer.Context, since: str = typer.Option("7d", "--since", help="How far back (default 7d)."),
         limit: int = LIMIT_OPT, follow: bool = FOLLOW_OPT, interval: float = INTERVAL_OPT,
         polls: int = POLLS_OPT, insights: bool = INSIGHTS_OPT, as_json: bool = JSON_OPT,
         query: Optional[str] = QUERY_OPT) -> None:
    """Lambda REPORT lines: every run's duration and memory, against the timeout."""
    _run(ctx, "perf", since, "lambda", limit, follow, interval, polls, as_json, query, insights)


@app.command("downloads")
def downloads(ctx: typer.Context, since: str = SINCE_OPT, group: str = GROUP_OPT, limit: int = LIMIT_OPT,
              follow: bool = FOLLOW_OPT, interval: float = INTERVAL_OPT, polls: int = POLLS_OPT,
              insights: bool = INSIGHTS_OPT, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """'Downloaded bottle …' lines: what arrived, and how much."""
    _run(ctx, "downloads", since, group, limit, follow, interval, polls, as_json, query, insights)


@app.command("tail")
def tail(ctx: typer.Context, since: str = typer.Option("10m", "--since", help="Start this far back (default 10m)."),
         group: str = GROUP_OPT, limit: int = LIMIT_OPT, follow: bool = FOLLOW_OPT,
         interval: float = INTERVAL_OPT, polls: int = POLLS_OPT, as_json: bool = JSON_OPT,
         query: Optional[str] = QUERY_OPT) -> None:
    """Every line of both log groups; --follow polls filter-log-events (aws CLI v1 has no `logs tail`)."""
    _run(ctx, "tail", since, group, limit, follow, interval, polls, as_json, query, False)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="logs")
