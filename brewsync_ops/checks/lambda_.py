"""Lambda checks: the orchestrator exists, has room to work (timeout, memory), is not timing
out or failing, and knows how to route large work to ECS."""

from __future__ import annotations

from sync_runtime.names import LAMBDA_DEFAULT_MEMORY_MB, LAMBDA_MIN_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS

from ..findings import Finding, Status
from ._base import (CheckOptions, attempt, call, finding, guarded, log_events, report_durations_ms,
                    since)

AREA = "lambda"
DURATION_WARN_RATIO = 0.8
REQUIRED_ROUTING = ("SIZE_THRESHOLD_GB", "ECS_CLUSTER", "TASK_DEFINITION")


@guarded(AREA, "lambda.function-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    name = dep.names.lambda_function
    cfg = dep.function_config()
    if cfg is None:
        return [finding(AREA, "function-missing", Status.FAIL, f"function {name} does not exist",
                        evidence="lambda get-function-configuration: ResourceNotFoundException",
                        fix="terraform apply  (module orchestrator)")]
    out = [finding(AREA, "function-missing", Status.OK, f"function {name} exists",
                   evidence=f"runtime {cfg.get('Runtime')}, state {cfg.get('State', '?')}")]
    timeout = int(cfg.get("Timeout") or 0)
    memory = int(cfg.get("MemorySize") or 0)
    out.append(finding(AREA, "timeout-low", Status.OK if timeout >= LAMBDA_TIMEOUT_SECONDS else Status.FAIL,
                       f"timeout {timeout} s" + ("" if timeout >= LAMBDA_TIMEOUT_SECONDS
                                                 else f" is below {LAMBDA_TIMEOUT_SECONDS} s: runs get cut off"),
                       evidence=f"Timeout={timeout}", fix=f"brewsync lambda tune --timeout {LAMBDA_TIMEOUT_SECONDS}"))
    out.append(finding(AREA, "memory-low", Status.OK if memory >= LAMBDA_MIN_MEMORY_MB else Status.FAIL,
                       f"memory {memory} MB" + ("" if memory >= LAMBDA_MIN_MEMORY_MB
                                                else f" is below {LAMBDA_MIN_MEMORY_MB} MB: slow network and CPU"),
                       evidence=f"MemorySize={memory}", fix=f"brewsync lambda tune --memory {LAMBDA_DEFAULT_MEMORY_MB}"))
    out += attempt(AREA, "timed-out", lambda: _timed_out(dep, opts, timeout))
    out += attempt(AREA, "duration-near-timeout", lambda: _duration(dep, opts, timeout))
    out += attempt(AREA, "errors", lambda: _errors(dep, opts))
    out += attempt(AREA, "routing-invalid", lambda: _routing(dep))
    return out


def _timed_out(dep, opts, timeout: int) -> Finding:
    events = log_events(dep, dep.names.lambda_log_group, '"Task timed out"', hours=7 * 24, now=opts.clock())
    if not events:
        return finding(AREA, "timed-out", Status.OK, "no 'Task timed out' in the last 7 days")
    sample = events[-1]["message"].strip()[:120]
    return finding(AREA, "timed-out", Status.FAIL,
                   f"{len(events)} run(s) timed out in the last 7 days: work is not handed to ECS in time",
                   evidence=sample,
                   fix=timed_out_fix(timeout))


def timed_out_fix(timeout: int) -> str:
    """Below the maximum, raise the timeout; at it, only handing more work to ECS helps."""
    if timeout < LAMBDA_TIMEOUT_SECONDS:
        return f"brewsync lambda tune --timeout {LAMBDA_TIMEOUT_SECONDS}"
    return "terraform apply -var size_threshold_gb=10  (runs above it go to ECS; the timeout is already the maximum)"


def _duration(dep, opts, timeout: int) -> Finding:
    events = log_events(dep, dep.names.lambda_log_group, "REPORT", hours=7 * 24, now=opts.clock())
    durations = report_durations_ms(events)
    if not durations or not timeout:
        return finding(AREA, "duration-near-timeout", Status.OK, "no runs in the last 7 days to measure")
    worst = max(durations)
    ratio = worst / (timeout * 1000)
    bad = ratio > DURATION_WARN_RATIO
    return finding(AREA, "duration-near-timeout", Status.WARN if bad else Status.OK,
                   f"longest run {worst / 1000:.0f} s is {ratio:.0%} of the {timeout} s timeout",
                   evidence=f"{len(durations)} run(s), max {worst:.0f} ms",
                   fix="terraform apply -var size_threshold_gb=10  (runs above it go to ECS)"
                   if bad else None)


def _errors(dep, opts) -> Finding:
    cw = dep.client("cloudwatch")
    now = opts.clock()
    stats = call(cw.get_metric_statistics, "cloudwatch get-metric-statistics",
                 Namespace="AWS/Lambda", MetricName="Errors",
                 Dimensions=[{"Name": "FunctionName", "Value": dep.names.lambda_function}],
                 StartTime=since(24, now), EndTime=now, Period=3600, Statistics=["Sum"])
    total = sum(p.get("Sum", 0) for p in stats.get("Datapoints", []))
    if total:
        return finding(AREA, "errors", Status.FAIL, f"{total:.0f} error(s) in the last 24 h",
                       evidence="AWS/Lambda Errors Sum (24 h)",
                       fix=f"aws logs filter-log-events --log-group-name {dep.names.lambda_log_group} "
                           f"--filter-pattern ERROR")
    return finding(AREA, "errors", Status.OK, "no errors in the last 24 h")


def _routing(dep) -> Finding:
    env = dep.env()
    problems = [f"{k} missing" for k in REQUIRED_ROUTING if not env.get(k)]
    raw = env.get("SIZE_THRESHOLD_GB")
    if raw:
        try:
            if float(raw) <= 0:
                problems.append(f"SIZE_THRESHOLD_GB={raw} must be > 0")
        except ValueError:
            problems.append(f"SIZE_THRESHOLD_GB={raw!r} is not a number")
    if env.get("ECS_CLUSTER") and env["ECS_CLUSTER"] != dep.names.ecs_cluster:
        clusters = call(dep.client("ecs").describe_clusters, "ecs describe-clusters",
                        clusters=[env["ECS_CLUSTER"]]).get("clusters", [])
        if not any(c.get("status") == "ACTIVE" for c in clusters):
            problems.append(f"ECS_CLUSTER={env['ECS_CLUSTER']} is not an active cluster")
    if problems:
        return finding(AREA, "routing-invalid", Status.FAIL,
                       "routing settings are missing or invalid: large runs cannot go to ECS",
                       evidence="; ".join(problems), fix="brewsync doctor --only lambda --fix")
    return finding(AREA, "routing-invalid", Status.OK, "routing settings present",
                   evidence=f"threshold {env['SIZE_THRESHOLD_GB']} GB → {env['ECS_CLUSTER']}/{env['TASK_DEFINITION']}")
