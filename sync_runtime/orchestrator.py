"""The Lambda orchestrator (``sync_runtime.orchestrator.handler``): plan, copy what fits, hand off.

Events it accepts (anything else is rejected with ``{"ok": false, "status": "rejected", …}``,
never a traceback):

- the EventBridge scheduled event, or ``{"source": "schedule"}``;
- ``{"source": "manual"|"recovery"|"schedule", "rebuild_hash": bool, "dry_run": bool,
  "formulae": [names]}`` (every key but ``source`` optional), from ``brewsync trigger``;
- ``{"source": "notification-test"}``: only sends a test Slack message from inside the Lambda.

A run: (rebuild the index from the store when asked) → plan → route. When the plan's bytes reach
the size threshold everything goes to ECS; otherwise the Lambda copies, asking before each
transfer whether it can still finish it (`TimeBudget`: size ÷ measured throughput × safety
factor, plus a reserve for the hand-off) and hands whatever it did not start to ECS. A Lambda
timeout is never how a run ends. Pure parts (`parse_event`, `fits`, `choose_route`) are tested
on their own; the handler only parses, loads the configuration and calls `Orchestrator.run`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .bottle import Bottle, check_name
from .config import RuntimeConfig
from .engine import BottleResult, Progress, SyncEngine, SyncOptions, SyncReport, new_run_id
from .errors import BrewsyncError, ConfigError, InputError
from .homebrew import HomebrewClient
from .index import utc_now
from .observability import emit_metrics, set_context, setup_logging
from .names import INDEX_KEY
from .plan import Item, make_plan
from .rebuild import lenient_entries, rebuild_index, replace_index
from .redact import redact
from .shards import (RunInfo, ShardPlan, UNKNOWN_SIZE_GUESS, item_bytes, results_to_dict,
                     run_key, shard_key, split_shards)
from .slack import Notifier, failure_message, start_message, test_message
from .worker import complete_run

log = logging.getLogger("brewsync.orchestrator")

SYNC_SOURCES = ("schedule", "manual", "recovery")
TEST_SOURCES = ("notification-test",)  # what `brewsync slack test --via-lambda` sends
EVENT_KEYS = {"source": str, "rebuild_hash": bool, "dry_run": bool, "formulae": list}
MAX_FORMULAE = 2000
DEFAULT_REMAINING_MS = 900_000
RUN_TASK_ATTEMPTS = 3  # a shard Fargate could not place (capacity, throttling) is asked for again
RUN_TASK_PERMANENT = {"AccessDeniedException", "InvalidParameterException", "ClusterNotFoundException",
                      "PlatformUnknownException", "UnsupportedFeatureException", "ParamValidationError"}


class SyncFailed(BrewsyncError):
    """The run could not complete; the message says why (Slack got the same), no traceback."""


# ------------------------------------------------------------------ the request (pure)

@dataclass(frozen=True)
class Request:
    source: str
    rebuild_hash: bool = False
    dry_run: bool = False
    formulae: tuple[str, ...] = ()

    @property
    def is_test(self) -> bool:
        return self.source in TEST_SOURCES


def _type_name(t: type) -> str:
    return {str: "a string", bool: "true or false", list: "a list of formula names"}[t]


def parse_event(event: object) -> Request:
    """The event as a typed request; InputError naming the first problem."""
    if isinstance(event, dict) and event.get("detail-type") == "Scheduled Event" and event.get("source") == "aws.events":
        return Request("schedule")
    if not isinstance(event, dict):
        raise InputError(f"event must be a JSON object, got {type(event).__name__}")
    unknown = sorted(str(k) for k in event if k not in EVENT_KEYS)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(repr(k) for k in unknown)}; "
                         f"accepted: {', '.join(EVENT_KEYS)}")
    for key, typ in EVENT_KEYS.items():
        if key in event and type(event[key]) is not typ:
            raise InputError(f"{key!r} must be {_type_name(typ)}, got {type(event[key]).__name__}")
    source = event.get("source")
    if source is None:
        raise InputError(f"'source' is missing (one of {', '.join(SYNC_SOURCES + TEST_SOURCES)})")
    if source in TEST_SOURCES:
        extra = sorted(k for k in event if k != "source")
        if extra:
            raise InputError(f"{source!r} takes no other keys (got {', '.join(extra)})")
        return Request(source)
    if source not in SYNC_SOURCES:
        raise InputError(f"'source' {source[:40]!r} is not one of {', '.join(SYNC_SOURCES + TEST_SOURCES)}")
    names = event.get("formulae", [])
    if len(names) > MAX_FORMULAE:
        raise InputError(f"'formulae': at most {MAX_FORMULAE} names, got {len(names)}")
    formulae = tuple(dict.fromkeys(check_name(n, f"'formulae'[{i}]") for i, n in enumerate(names)))
    return Request(source, event.get("rebuild_hash", False), event.get("dry_run", False), formulae)


def rejected(exc: BrewsyncError) -> dict:
    out = {"ok": False, "status": "rejected", "error": exc.message}
    if exc.hint:
        out["hint"] = exc.hint
    return out


# ------------------------------------------------------------------ routing and time (pure)

def plan_bytes(items: list[Item]) -> int:
    return sum(item_bytes(i) for i in items)


def choose_route(nbytes: int, threshold_bytes: int) -> str:
    """Everything to ECS when the plan reaches the threshold; else the Lambda starts."""
    return "ecs" if nbytes >= threshold_bytes else "lambda"


def fits(outstanding_bytes: int, seconds_left: float, throughput_bps: float, safety: float) -> bool:
    """Can ``outstanding_bytes`` (in flight + the next one) finish in ``seconds_left``?"""
    if seconds_left <= 0 or throughput_bps <= 0:
        return False
    return outstanding_bytes / throughput_bps * safety <= seconds_left


class TimeBudget(Progress):
    """The engine's ``should_stop`` hook: never start a transfer the Lambda cannot finish.

    Throughput is measured from the bytes the engine reports (aggregate over all threads); until
    a few MB have passed, ``assumed_bps`` (conservative for a Lambda) stands in. ``reserve_s``
    stays free for committing the index, writing the hand-off and notifying.
    """

    MEASURE_AFTER_BYTES = 4_000_000
    MEASURE_AFTER_SECONDS = 1.0

    def __init__(self, remaining_ms: Callable[[], int], *, reserve_s: float, safety: float = 1.5,
                 assumed_bps: float = 10_000_000, clock: Callable[[], float] = time.monotonic):
        self.remaining_ms = remaining_ms
        self.reserve_s = reserve_s
        self.safety = safety
        self.assumed_bps = assumed_bps
        self.clock = clock
        self._lock = threading.Lock()
        self._inflight: dict[str, list[int]] = {}  # filename -> [expected bytes, bytes so far]
        self._bytes = 0
        self._t0: float | None = None
        self.stopped = 0

    def seconds_left(self) -> float:
        return self.remaining_ms() / 1000.0 - self.reserve_s

    def throughput(self) -> float:
        with self._lock:
            if self._t0 is None:
                return self.assumed_bps
            elapsed = self.clock() - self._t0
            if self._bytes < self.MEASURE_AFTER_BYTES or elapsed < self.MEASURE_AFTER_SECONDS:
                return self.assumed_bps
            return self._bytes / elapsed

    def should_stop(self, bottle: Bottle) -> bool:
        size = bottle.size if bottle.size is not None else UNKNOWN_SIZE_GUESS
        with self._lock:
            outstanding = sum(max(0, exp - got) for exp, got in self._inflight.values()) + size
        ok = fits(outstanding, self.seconds_left(), self.throughput(), self.safety)
        if not ok:
            self.stopped += 1
            return True
        with self._lock:
            if self._t0 is None:
                self._t0 = self.clock()
            self._inflight[bottle.filename] = [size, 0]
        return False

    # Progress hooks (called from the engine's threads)
    def advanced(self, bottle: Bottle, nbytes: int) -> None:
        with self._lock:
            self._bytes += nbytes
            slot = self._inflight.get(bottle.filename)
            if slot is not None:
                slot[1] += nbytes

    def finished(self, result: BottleResult) -> None:
        with self._lock:
            self._inflight.pop(result.bottle.filename, None)

    def message(self, text: str) -> None:
        log.info("%s", text)


# ------------------------------------------------------------------ the run

class Orchestrator:
    """One invocation. Clients are injected (tests) or built from the configuration."""

    def __init__(self, config: RuntimeConfig, *, aws=None, store=None, client: HomebrewClient | None = None,
                 notifier: Notifier | None = None, wall: Callable[[], float] = time.time,
                 retry_pause: float = 1.0):
        self.config = config
        self.retry_pause = retry_pause
        if aws is None:
            from .aws import AwsClients

            aws = AwsClients(endpoint_url=config.endpoint_url)
        self.aws = aws
        if store is None:
            from .stores import S3Store

            store = S3Store(config.bucket, "", aws)
        self.store = store
        self.client = client
        self.notifier = notifier or Notifier(config.slack_secret_id, aws=aws)
        self.wall = wall

    def handle(self, request: Request, context: Any = None) -> dict:
        if request.is_test:
            ok = self.notifier.send(test_message())
            out = {"ok": ok, "status": "sent" if ok else "not-sent"}
            if not ok:
                out["error"] = self.notifier.problem or "not delivered"
            return out
        run_id = new_run_id()
        set_context(run_id=run_id)
        try:
            return self.run(request, context, run_id)
        except BrewsyncError as exc:
            error, runbook = exc.message, exc.runbook
        except Exception as exc:  # noqa: BLE001 - one line for Slack and the log, then fail
            log.exception("Run %s crashed", run_id)
            error, runbook = f"{type(exc).__name__}: {exc}", None
        error = redact(error)  # the message also becomes the Lambda's error result and log line
        log.error("Run %s failed: %s", run_id, error)
        self.notifier.send(failure_message(run_id, error=error, runbook=runbook or "runbooks/recovery.md"))
        raise SyncFailed(f"run {run_id} failed: {error}", runbook=runbook or "runbooks/recovery.md") from None

    def _remaining_ms(self, context: Any) -> Callable[[], int]:
        fn = getattr(context, "get_remaining_time_in_millis", None)
        return fn if callable(fn) else (lambda: DEFAULT_REMAINING_MS)

    def run(self, request: Request, context: Any, run_id: str) -> dict:
        cfg = self.config
        started_at, started_epoch = utc_now(), self.wall()
        budget = TimeBudget(self._remaining_ms(context), reserve_s=cfg.reserve_seconds)
        client = self.client or HomebrewClient(cfg.api_url)
        options = SyncOptions(tags=cfg.tags, formulae=request.formulae, layout=cfg.layout,
                              concurrency=cfg.concurrency, dry_run=request.dry_run,
                              retry_pause=self.retry_pause)
        engine = SyncEngine(client, self.store, options, budget, run_id=run_id, should_stop=budget.should_stop)
        log.info("Run %s (%s) started%s%s", run_id, request.source,
                 ", dry run" if request.dry_run else "", ", rebuilding the index" if request.rebuild_hash else "")

        rebuilt = None
        if request.rebuild_hash:
            sel = engine.select(engine.load_formulae())
            read = self.store.get_bytes(INDEX_KEY)  # the write below is conditional on this read
            index = rebuild_index(self.store, sel.bottles, layout=cfg.layout)
            rebuilt = len(index.bottles)
            log.info("Index rebuilt from the store: %d entries", rebuilt)
            if request.dry_run:
                plan = make_plan(sel.bottles, index, scope=set(request.formulae) or None)
                return self._dry_result(run_id, plan, rebuilt)
            replace_index(self.store, index, read_etag=read[1] if read else None,
                          read_entries=lenient_entries(read[0] if read else None))

        _, _, plan = engine.prepare()
        nbytes = plan_bytes(plan.new)
        if request.dry_run:
            return self._dry_result(run_id, plan, rebuilt)
        emit_metrics({"PlanBytes": nbytes})

        route = choose_route(nbytes, cfg.size_threshold_bytes) if plan.new else "lambda"
        log.info("Plan: %d new (%d bytes), %d unchanged, %d stale; route %s", len(plan.new), nbytes,
                 len(plan.unchanged), len(plan.stale), route)
        if plan.new:
            self.notifier.send(start_message(run_id, source=request.source, new=len(plan.new),
                                             plan_bytes=nbytes, route=route))
        report = SyncReport(run_id, started_at, plan)
        if route == "lambda" and plan.new:
            engine.transfer_all(plan.new, report)
            remaining = list(engine.remaining)
        else:
            remaining = list(plan.new) if route == "ecs" else []
        lambda_part = results_to_dict(report.results, where="lambda")
        engine.store_formula_cache()

        result = {"ok": True, "run_id": run_id, "source": request.source, "route": route,
                  "plan": plan.summary(), "plan_bytes": nbytes, "rebuilt_entries": rebuilt,
                  "copied": lambda_part["copied"], "failed": lambda_part["failed"],
                  "bytes": lambda_part["bytes"]}
        if remaining:
            shards = split_shards(remaining, cfg.shard_count)
            info = RunInfo(run_id, started_at, request.source, len(shards), cfg.tags, cfg.layout,
                           plan.summary(), lambda_part if report.results else {}, started_epoch)
            roots = {i.bottle.name: engine.roots[i.bottle.name] for i in remaining
                     if i.bottle.name in engine.roots}
            tasks = self.hand_off(info, shards, roots)
            log.info("Handed %d bottles (%d bytes) to ECS in %d shards", len(remaining),
                     plan_bytes(remaining), len(shards))
            result.update(status="handed-off", route="mixed" if report.results else "ecs",
                          handed_off=len(remaining), shards=len(shards), tasks=tasks)
            return result
        info = RunInfo(run_id, started_at, request.source, 0, cfg.tags, cfg.layout, plan.summary(),
                       lambda_part, started_epoch)
        # The API files are fetched after the report: only with time to spare (a run that used
        # its budget leaves them to the next run rather than ending in a timeout).
        mirror = budget.seconds_left() > 0
        if not mirror:
            log.warning("API files not mirrored this run: %.0f s left, %d s reserved; the next run mirrors them",
                        budget.remaining_ms() / 1000.0, cfg.reserve_seconds)
        final = complete_run(self.store, info, self.notifier, engine=engine if mirror else None, wall=self.wall)
        result.update(status="completed" if not lambda_part["failed"] else "completed-with-failures",
                      shards=0, api_files=(final or {}).get("api_files"))
        if request.source == "schedule" and cfg.prune_after_days and not lambda_part["failed"]:
            result["pruned"] = self.prune_after_run(plan)
        return result

    def prune_after_run(self, plan) -> dict:
        """PRUNE_AFTER_DAYS: after a successful scheduled run, prune what left the formula index
        that long ago (sync_runtime/prune.py). A prune problem is logged; it never fails the run."""
        from datetime import timedelta

        from .prune import prune

        desired = {b.index_key for b in plan.unchanged} | {i.bottle.index_key for i in plan.new}
        try:
            d = prune(self.store, desired, grace=timedelta(days=self.config.prune_after_days))
        except BrewsyncError as exc:
            log.warning("Prune skipped: %s", exc.message)
            return {"error": exc.message}
        log.info("Pruned %d bottle(s) and %d object(s); %d stale bottle(s) within %d days%s", len(d.remove),
                 len(d.delete_keys), len(d.waiting), self.config.prune_after_days,
                 f"; not pruning: {d.blocked}" if d.blocked else "")
        return {"removed": len(d.remove), "deleted_objects": len(d.delete_keys), "waiting": len(d.waiting),
                "blocked": d.blocked}

    def _dry_result(self, run_id: str, plan, rebuilt: int | None) -> dict:
        nbytes = plan_bytes(plan.new)
        return {"ok": True, "status": "dry-run", "run_id": run_id, "plan": plan.summary(),
                "plan_bytes": nbytes, "rebuilt_entries": rebuilt,
                "route": choose_route(nbytes, self.config.size_threshold_bytes) if plan.new else "lambda",
                "would_copy": [i.bottle.filename for i in plan.new[:100]]}

    # -------------------------------------------------------------- ECS hand-off
    def hand_off(self, info: RunInfo, shards: list[list[Item]], roots: dict[str, str]) -> list[str]:
        """Write the run and its shard plans, then start one Fargate task per shard."""
        cfg = self.config
        for n, items in enumerate(shards):
            names = {i.bottle.name for i in items}
            plan = ShardPlan(info.run_id, n, len(shards), items, {k: v for k, v in roots.items() if k in names})
            self.store.put_bytes(shard_key(info.run_id, n), plan.to_json(), content_type="application/json")
        self.store.put_bytes(run_key(info.run_id), info.to_json(), content_type="application/json")
        ecs = self.aws.client("ecs")
        tasks: list[str] = []
        pending = list(range(len(shards)))
        for attempt in range(RUN_TASK_ATTEMPTS):
            problems: dict[int, str] = {}
            retryable = False
            for n in pending:
                try:
                    resp = ecs.run_task(**run_task_request(cfg, info.run_id, n))
                except Exception as exc:  # noqa: BLE001 - reported per shard below
                    code = getattr(exc, "response", {}).get("Error", {}).get("Code") or type(exc).__name__
                    problems[n] = f"shard {n}: {code}: {str(exc)[:160]}"
                    retryable = retryable or code not in RUN_TASK_PERMANENT
                    continue
                started = [t["taskArn"] for t in resp.get("tasks", [])]
                if not started:
                    # Fargate capacity, throttling: RunTask answers 200 with a failure entry.
                    reasons = "; ".join(f"{f.get('reason')} {f.get('detail') or ''}".strip()
                                        for f in resp.get("failures", [])) or "no task started"
                    problems[n] = f"shard {n}: {reasons}"
                    retryable = True
                tasks += started
            pending = sorted(problems)
            if not pending or not retryable or attempt + 1 == RUN_TASK_ATTEMPTS:
                break
            log.warning("RunTask did not start %d shard(s), retrying: %s", len(pending), "; ".join(problems.values()))
            time.sleep(self.retry_pause * 2 * (attempt + 1))
        if pending:
            # Re-running a shard is safe (idempotent); say exactly how.
            example = run_task_request(cfg, info.run_id, pending[0])
            net = example["networkConfiguration"]["awsvpcConfiguration"]
            command = (f"aws ecs run-task --cluster {cfg.ecs_cluster} --task-definition {cfg.task_definition} "
                       f"--launch-type FARGATE --started-by {info.run_id[:36]} --network-configuration "
                       f"'awsvpcConfiguration={{subnets=[{','.join(net['subnets'])}],"
                       f"securityGroups=[{','.join(net['securityGroups'])}],assignPublicIp=DISABLED}}' "
                       f"--overrides '{json.dumps(example['overrides'], separators=(',', ':'))}'")
            raise BrewsyncError(
                f"ECS did not start shard(s) {', '.join(map(str, pending))} of {len(shards)}: "
                + "; ".join(problems[n] for n in pending),
                hint=f"the plan is kept under runs/{info.run_id}/; start each missing shard (SHARD=<n>) with: {command}",
                runbook="runbooks/recovery.md")
        return tasks


def run_task_request(cfg: RuntimeConfig, run_id: str, shard: int) -> dict:
    """The RunTask parameters of one shard (pure)."""
    return {
        "cluster": cfg.ecs_cluster,
        "taskDefinition": cfg.task_definition,
        "launchType": "FARGATE",
        "count": 1,
        "startedBy": run_id[:36],
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": list(cfg.subnets), "securityGroups": list(cfg.security_groups),
            "assignPublicIp": "DISABLED"}},
        "overrides": {"containerOverrides": [{
            "name": cfg.names.container_name,
            "environment": [{"name": "RUN_ID", "value": run_id}, {"name": "SHARD", "value": str(shard)}],
        }]},
    }


# ------------------------------------------------------------------ the Lambda entry point

def handler(event: Any, context: Any) -> dict:
    setup_logging()
    set_context(request_id=getattr(context, "aws_request_id", None), run_id=None)
    try:
        request = parse_event(event)
    except InputError as exc:
        log.warning("Rejected event: %s", exc)
        return rejected(exc)
    try:
        config = RuntimeConfig.from_env()  # names the variable: fail fast, before any I/O
    except ConfigError as exc:
        log.error("Not started: %s (%s)", exc, exc.hint)
        raise
    return Orchestrator(config).handle(request, context)
