"""`brewsync metrics [--since 24h]`: what the sync did and what the mirror costs.

- The runtime's custom metrics (namespace HomebrewSync, no dimensions: BottlesDownloaded,
  BytesDownloaded, BottlesFailed, SyncDuration, PlanBytes), the orchestrator's Lambda metrics, the
  workers' ECS metrics and the ECS failure rule's matches, each as a total and a sparkline.
- The mirror's size and weekly growth: from the index (``bottles_hash.json``: entry sizes and
  ``synced_at``) and from S3's daily storage metrics (BucketSizeBytes, NumberOfObjects), with the
  monthly storage cost at S3 Standard's list price (stated in the output; the price is a constant
  here, not looked up: brewsync never reaches the internet on its own).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import typer

from sync_runtime.names import INDEX_KEY, METRICS_NAMESPACE

from ._common import JSON_OPT, QUERY_OPT, deployment, preflight
from .logs import parse_since, sparkline

# S3 Standard storage, US East (N. Virginia), first 50 TB per month; AWS bills GB as 2^30 bytes.
S3_STANDARD_USD_PER_GB_MONTH = 0.023
PRICE_NOTE = ("S3 Standard storage at $0.023 per GB-month (us-east-1 list price, first 50 TB; other regions "
              "and tiers differ; requests and transfer not included)")
GIB = 2 ** 30
WEEKS = 8


@dataclass(frozen=True)
class MetricSpec:
    section: str
    namespace: str
    name: str
    stat: str
    dimensions: tuple[tuple[str, str], ...] = ()
    unit: str = "count"   # count, bytes, seconds, ms, percent
    label: str = ""


def metric_specs(names, bucket: str | None) -> list[MetricSpec]:
    from ..checks.monitoring import ecs_failure_rule_name

    fn = (("FunctionName", names.lambda_function),)
    cluster = (("ClusterName", names.ecs_cluster),)
    ns = METRICS_NAMESPACE
    return [
        MetricSpec("sync", ns, "BottlesDownloaded", "Sum"),
        MetricSpec("sync", ns, "BytesDownloaded", "Sum", unit="bytes"),
        MetricSpec("sync", ns, "BottlesFailed", "Sum"),
        MetricSpec("sync", ns, "SyncDuration", "Maximum", unit="seconds"),
        MetricSpec("sync", ns, "SyncDuration", "SampleCount", label="completed runs"),
        MetricSpec("sync", ns, "PlanBytes", "Maximum", unit="bytes"),
        MetricSpec("lambda", "AWS/Lambda", "Invocations", "Sum", fn),
        MetricSpec("lambda", "AWS/Lambda", "Errors", "Sum", fn),
        MetricSpec("lambda", "AWS/Lambda", "Throttles", "Sum", fn),
        MetricSpec("lambda", "AWS/Lambda", "Duration", "Maximum", fn, unit="ms"),
        MetricSpec("ecs", "AWS/ECS", "CPUUtilization", "Maximum", cluster, unit="percent"),
        MetricSpec("ecs", "AWS/ECS", "MemoryUtilization", "Maximum", cluster, unit="percent"),
        MetricSpec("ecs", "AWS/Events", "MatchedEvents", "Sum", (("RuleName", ecs_failure_rule_name(names)),),
                   label="failed tasks"),
    ]


def storage_specs(bucket: str) -> list[MetricSpec]:
    return [
        MetricSpec("storage", "AWS/S3", "BucketSizeBytes", "Average",
                   (("BucketName", bucket), ("StorageType", "StandardStorage")), unit="bytes"),
        MetricSpec("storage", "AWS/S3", "NumberOfObjects", "Average",
                   (("BucketName", bucket), ("StorageType", "AllStorageTypes"))),
    ]


def choose_period(start: datetime, end: datetime, buckets: int = 24) -> int:
    """A period (multiple of 60 s) that splits the window into about ``buckets`` points."""
    seconds = (end - start).total_seconds() / buckets
    for nice in (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400):
        if seconds <= nice * 1.05:  # a window a little over 24 h still gets hourly points
            return nice
    return int(math.ceil(seconds / 86400) * 86400)


def fetch_series(cw, spec: MetricSpec, start: datetime, end: datetime, period: int) -> dict:
    """Values per period (None where no datapoint) and their total/max/latest."""
    from ..checks._base import as_cannot_ask

    out: dict[str, Any] = {"section": spec.section, "namespace": spec.namespace, "metric": spec.name,
                           "stat": spec.stat, "label": spec.label or spec.name, "unit": spec.unit,
                           "dimensions": dict(spec.dimensions), "period": period}
    try:
        answer = cw.get_metric_statistics(Namespace=spec.namespace, MetricName=spec.name,
                                          Dimensions=[{"Name": k, "Value": v} for k, v in spec.dimensions],
                                          StartTime=start, EndTime=end, Period=period, Statistics=[spec.stat])
    except Exception as exc:  # noqa: BLE001
        cannot = as_cannot_ask(exc, f"cloudwatch get-metric-statistics {spec.namespace}/{spec.name}")
        if cannot is None:
            raise
        out.update(values=[], error=cannot.reason)
        return out
    n = max(1, int(math.ceil((end - start).total_seconds() / period)))
    values: list[float | None] = [None] * n
    start_s = start.timestamp()
    for point in answer.get("Datapoints", []):
        ts = point["Timestamp"]
        ts = ts.timestamp() if hasattr(ts, "timestamp") else float(ts)
        i = min(n - 1, max(0, int((ts - start_s) // period)))
        v = float(point.get(spec.stat, 0.0))
        values[i] = v if values[i] is None else (values[i] + v if spec.stat in ("Sum", "SampleCount")
                                                 else max(values[i], v))
    present = [v for v in values if v is not None]
    out["values"] = values
    out["datapoints"] = len(present)
    out["total"] = sum(present) if spec.stat in ("Sum", "SampleCount") and present else None
    out["max"] = max(present) if present else None
    out["latest"] = present[-1] if present else None
    return out


def monthly_cost(size_bytes: float) -> float:
    return round(size_bytes / GIB * S3_STANDARD_USD_PER_GB_MONTH, 2)


def index_growth(index, now: datetime, weeks: int = WEEKS) -> dict:
    """Size of the mirror by the index, and bytes/bottles added per week for the last ``weeks``."""
    total = sum(e.size for e in index.bottles.values())
    added_bytes = [0] * weeks
    added_count = [0] * weeks
    undated = 0
    for entry in index.bottles.values():
        when = _parse(entry.synced_at)
        if when is None:
            undated += 1
            continue
        age_weeks = int((now - when).total_seconds() // (7 * 86400))
        if 0 <= age_weeks < weeks:
            i = weeks - 1 - age_weeks  # oldest first
            added_bytes[i] += entry.size
            added_count[i] += 1
    last_week = added_bytes[-1]
    return {"bottles": len(index.bottles), "bytes": total, "last_updated": index.last_updated,
            "weekly_added_bytes": added_bytes, "weekly_added_bottles": added_count,
            "added_last_7d_bytes": last_week, "added_last_7d_bottles": added_count[-1],
            "undated_entries": undated, "monthly_cost_usd": monthly_cost(total),
            "monthly_cost_added_per_week_usd": monthly_cost(last_week),
            "projected_monthly_cost_in_a_year_usd": monthly_cost(total + 52 * (sum(added_bytes) / weeks))}


def _stamp(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def read_index(dep) -> tuple[Any, str | None]:
    from sync_runtime.index import Index

    try:
        body = dep.client("s3").get_object(Bucket=dep.bucket(), Key=INDEX_KEY)["Body"].read()
        return Index.from_json(body), None
    except Exception as exc:  # noqa: BLE001 - the rest of the report still helps
        from ..checks._base import error_code

        return None, f"{INDEX_KEY}: {error_code(exc) or type(exc).__name__}: {str(exc)[:120]}"


def collect(dep, start: datetime, end: datetime) -> dict:
    cw = dep.client("cloudwatch")
    period = choose_period(start, end)
    try:
        bucket = dep.bucket()
    except Exception:  # noqa: BLE001
        bucket = None
    specs = metric_specs(dep.names, bucket)
    # S3 storage metrics are daily: look at two weeks whatever --since says, to see a week's growth
    s_start = min(start, end - timedelta(days=15))
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(fetch_series, cw, s, start, end, period) for s in specs]
        storage_f = [pool.submit(fetch_series, cw, s, s_start, end, 86400) for s in storage_specs(bucket)] if bucket else []
        index_f = pool.submit(read_index, dep)
        series = [f.result() for f in futures]
        storage = [f.result() for f in storage_f]
        index, index_error = index_f.result()
    size_series = next((s for s in storage if s["metric"] == "BucketSizeBytes"), None)
    storage_out: dict[str, Any] = {"bucket": bucket, "series": storage}
    if size_series and size_series.get("datapoints"):
        vals = [v for v in size_series["values"] if v is not None]
        storage_out["size_bytes"] = vals[-1]
        storage_out["monthly_cost_usd"] = monthly_cost(vals[-1])
        days = size_series["values"]
        week_ago = next((v for v in reversed(days[:-7]) if v is not None), None) if len(days) > 7 else None
        storage_out["growth_7d_bytes"] = (vals[-1] - week_ago) if week_ago is not None else None
    now = end
    mirror = index_growth(index, now) if index is not None else {"error": index_error}
    return {"since": _stamp(start), "until": _stamp(end),
            "period_seconds": period, "metrics": series, "storage": storage_out, "mirror": mirror,
            "price": {"usd_per_gb_month": S3_STANDARD_USD_PER_GB_MONTH, "note": PRICE_NOTE}}


def _fmt(value: float | None, unit: str) -> str:
    from ..render import human_bytes

    if value is None:
        return "—"
    if unit == "bytes":
        return human_bytes(value)
    if unit == "seconds":
        return f"{value:.0f} s"
    if unit == "ms":
        return f"{value / 1000:.1f} s"
    if unit == "percent":
        return f"{value:.0f}%"
    return f"{value:g}"


def render(data: dict, console) -> None:
    from rich.table import Table

    from ..render import human_bytes

    titles = {"sync": f"Sync ({METRICS_NAMESPACE})", "lambda": "Orchestrator (AWS/Lambda)",
              "ecs": "Workers (AWS/ECS, failure rule)"}
    for section, title in titles.items():
        t = Table(title=f"{title} since {data['since']} (period {data['period_seconds']} s)", title_justify="left")
        for col in ("metric", "stat", "total", "max", "latest", "trend"):
            t.add_column(col, overflow="fold")
        for s in (m for m in data["metrics"] if m["section"] == section):
            if s.get("error"):
                t.add_row(s["label"], s["stat"], f"[magenta]unknown: {s['error']}[/]", "", "", "")
                continue
            t.add_row(s["label"], s["stat"], _fmt(s.get("total"), s["unit"]), _fmt(s.get("max"), s["unit"]),
                      _fmt(s.get("latest"), s["unit"]), sparkline(s["values"]) if s.get("datapoints") else "no data")
        console.print(t)
    mirror, storage = data["mirror"], data["storage"]
    t = Table(title="Mirror size and growth", title_justify="left")
    for col in ("source", "size", "objects/bottles", "added last 7 days", f"weekly growth ({WEEKS} wk)", "cost / month"):
        t.add_column(col, overflow="fold")
    if "error" in mirror:
        t.add_row(f"index ({INDEX_KEY})", f"[magenta]unknown: {mirror['error']}[/]", "", "", "", "")
    else:
        t.add_row(f"index ({INDEX_KEY})", human_bytes(mirror["bytes"]), str(mirror["bottles"]),
                  f"{human_bytes(mirror['added_last_7d_bytes'])} ({mirror['added_last_7d_bottles']} bottles)",
                  sparkline(mirror["weekly_added_bytes"]), f"${mirror['monthly_cost_usd']:.2f}")
    if storage.get("size_bytes") is not None:
        objects = next((s for s in storage["series"] if s["metric"] == "NumberOfObjects"), {})
        growth = storage.get("growth_7d_bytes")
        size_series = next(s for s in storage["series"] if s["metric"] == "BucketSizeBytes")
        t.add_row("S3 storage metrics", human_bytes(storage["size_bytes"]), _fmt(objects.get("latest"), "count"),
                  human_bytes(growth) if growth is not None else "—", sparkline(size_series["values"]),
                  f"${storage['monthly_cost_usd']:.2f}")
    else:
        t.add_row("S3 storage metrics", "no data (S3 reports storage once a day)", "", "", "", "")
    console.print(t)
    if "error" not in mirror:
        console.print(f"growth adds ${mirror['monthly_cost_added_per_week_usd']:.2f}/month each week like the last; "
                      f"in a year at this pace: ${mirror['projected_monthly_cost_in_a_year_usd']:.2f}/month")
    console.print(f"[dim]price: {PRICE_NOTE}[/dim]")


def metrics(ctx: typer.Context,
            since: str = typer.Option("24h", "--since", help="How far back: 1h, 24h, 7d, 1w or an ISO time."),
            as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Custom, Lambda and ECS metrics with trends; the mirror's size, weekly growth and storage cost."""
    from ..render import check_query, emit_json, stdout_console

    check_query(query)
    start = parse_since(since)
    dep = deployment(ctx)
    preflight(dep)
    data = collect(dep, start, datetime.now(timezone.utc))
    if as_json or query:
        emit_json(data, query)
    else:
        render(data, stdout_console())


def register(root: typer.Typer) -> None:
    root.command("metrics")(metrics)
