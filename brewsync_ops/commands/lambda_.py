"""`brewsync lambda status|tune|metrics`: the orchestrator function."""

from __future__ import annotations

from typing import Optional

import typer

from sync_runtime.errors import InputError

from ._common import JSON_OPT, QUERY_OPT, deployment, done, int_option, preflight, run_checks

app = typer.Typer(help="The Lambda orchestrator.", no_args_is_help=True)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Existence, timeout, memory, timeouts, duration, errors, routing settings."""
    run_checks(ctx, ["lambda"], as_json=as_json, query=query, title="lambda")


@app.command("tune")
def tune(ctx: typer.Context,
         timeout: Optional[str] = typer.Option(None, "--timeout", help="Seconds (1-900)."),
         memory: Optional[str] = typer.Option(None, "--memory", help="MB (128-10240)."),
         as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Set the orchestrator's timeout and/or memory."""
    from ..checks.fixes import tune_lambda

    t = int_option("--timeout", timeout, 1, 900)
    m = int_option("--memory", memory, 128, 10240)
    if t is None and m is None:
        raise InputError("lambda tune: give --timeout and/or --memory")
    dep = deployment(ctx)
    preflight(dep)
    done(f"{dep.names.lambda_function}: " + tune_lambda(dep, timeout=t, memory=m), as_json=as_json, query=query)


@app.command("metrics")
def metrics(ctx: typer.Context, days: str = typer.Option("7", "--days", help="Look back this many days (1-15)."),
            as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Invocations, errors, throttles and duration per day from CloudWatch."""
    from datetime import datetime, timedelta, timezone

    from ..render import emit_json, stdout_console, table

    n = int_option("--days", days, 1, 15)
    dep = deployment(ctx)
    preflight(dep)
    cw = dep.client("cloudwatch")
    now = datetime.now(timezone.utc)
    dims = [{"Name": "FunctionName", "Value": dep.names.lambda_function}]
    rows: dict[str, dict] = {}
    for metric, stat in (("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "Average"),
                         ("Duration", "Maximum")):
        got = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName=metric, Dimensions=dims,
                                       StartTime=now - timedelta(days=n), EndTime=now, Period=86400,
                                       Statistics=[stat])["Datapoints"]
        for p in got:
            day = p["Timestamp"].strftime("%Y-%m-%d")
            rows.setdefault(day, {"day": day})[f"{metric}{'' if metric != 'Duration' else '_' + stat}"] = p.get(stat)
    data = {"function": dep.names.lambda_function, "days": n, "metrics": [rows[d] for d in sorted(rows)]}
    if as_json or query:
        emit_json(data, query)
        return
    cols = ["day", "Invocations", "Errors", "Throttles", "Duration_Average", "Duration_Maximum"]
    stdout_console().print(table(f"{dep.names.lambda_function}, last {n} days", cols,
                                 [[r.get(c, "") if c == "day" else (f"{r[c]:.0f}" if c in r else "-") for c in cols]
                                  for r in data["metrics"]]))
    if not data["metrics"]:
        typer.echo("no datapoints")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="lambda")
