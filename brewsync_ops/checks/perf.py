"""Performance: Lambda duration, ECS CPU/memory utilisation, EFS throughput mode — each with the
runbook's tuning advice. Warnings here mean "tune", never "broken"."""

from __future__ import annotations

from sync_runtime.names import LAMBDA_TIMEOUT_SECONDS

from ..findings import Finding, Status
from ._base import CheckOptions, attempt, call, finding, guarded, log_events, report_durations_ms, since

AREA = "perf"
DAYS = 7


def _stats(dep, opts, namespace: str, metric: str, dims: list[dict]) -> tuple[float | None, float | None]:
    now = opts.clock()
    got = call(dep.client("cloudwatch").get_metric_statistics, "cloudwatch get-metric-statistics",
               Namespace=namespace, MetricName=metric, Dimensions=dims, StartTime=since(DAYS * 24, now),
               EndTime=now, Period=86400, Statistics=["Average", "Maximum", "SampleCount"])["Datapoints"]
    if not got:
        return None, None
    n = sum(p.get("SampleCount", 1) for p in got) or 1
    avg = sum(p.get("Average", 0) * p.get("SampleCount", 1) for p in got) / n
    return avg, max(p.get("Maximum", 0) for p in got)


@guarded(AREA, "perf.lambda-duration")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    out = attempt(AREA, "lambda-duration", lambda: _lambda(dep, opts))
    out += attempt(AREA, "ecs-cpu", lambda: _ecs(dep, opts, "CPUUtilization", "ecs-cpu", "CPU"))
    out += attempt(AREA, "ecs-memory", lambda: _ecs(dep, opts, "MemoryUtilization", "ecs-memory", "memory"))
    out += attempt(AREA, "efs-throughput", lambda: _efs(dep))
    return out


def _lambda(dep, opts) -> Finding:
    cfg = dep.function_config()
    timeout = (cfg or {}).get("Timeout") or LAMBDA_TIMEOUT_SECONDS
    avg, worst = _stats(dep, opts, "AWS/Lambda", "Duration",
                        [{"Name": "FunctionName", "Value": dep.names.lambda_function}])
    source = "AWS/Lambda Duration"
    if avg is None:
        durations = report_durations_ms(log_events(dep, dep.names.lambda_log_group, "REPORT",
                                                   hours=DAYS * 24, now=opts.clock()))
        if durations:
            avg, worst, source = sum(durations) / len(durations), max(durations), "REPORT log lines"
    if avg is None:
        return finding(AREA, "lambda-duration", Status.OK, f"no orchestrator runs in {DAYS} days to measure")
    slow = avg > timeout * 1000 * 0.5
    return finding(AREA, "lambda-duration", Status.WARN if slow else Status.OK,
                   f"orchestrator avg {avg / 1000:.0f} s, max {worst / 1000:.0f} s of {timeout} s"
                   + (": runs use most of their budget" if slow else ""),
                   evidence=source,
                   fix="more memory buys CPU and network: brewsync lambda tune --memory 3008; "
                       "or lower SIZE_THRESHOLD_GB so ECS takes large runs")


def _ecs(dep, opts, metric: str, fid: str, label: str) -> Finding:
    avg, worst = _stats(dep, opts, "AWS/ECS", metric, [{"Name": "ClusterName", "Value": dep.cluster()}])
    if avg is None:
        return finding(AREA, fid, Status.OK, f"no ECS {label} data in {DAYS} days")
    high = avg > 80 or worst >= 95
    return finding(AREA, fid, Status.WARN if high else Status.OK,
                   f"ECS {label} avg {avg:.0f} %, max {worst:.0f} %" + (": tasks are starved" if high else ""),
                   evidence=f"AWS/ECS {metric}",
                   fix=f"raise the task {label} (terraform variable worker_{'cpu' if label == 'CPU' else 'memory'}) "
                       "or add shards (SHARD_COUNT)")


def _efs(dep) -> Finding:
    efs = dep.client("efs")
    systems = call(efs.describe_file_systems, "efs describe-file-systems").get("FileSystems", [])
    ours = [f for f in systems if (f.get("Name") or "").startswith(dep.names.prefix)]
    if not ours:
        return finding(AREA, "efs-throughput", Status.OK, "no EFS file system in use")
    bursting = [f["FileSystemId"] for f in ours if f.get("ThroughputMode") == "bursting"]
    return finding(AREA, "efs-throughput", Status.WARN if bursting else Status.OK,
                   "EFS in bursting mode: large syncs drain the burst credits" if bursting
                   else "EFS throughput mode is " + ", ".join(sorted({f.get('ThroughputMode', '?') for f in ours})),
                   evidence=", ".join(bursting or [f["FileSystemId"] for f in ours]),
                   fix="aws efs update-file-system --file-system-id <id> --throughput-mode elastic")
