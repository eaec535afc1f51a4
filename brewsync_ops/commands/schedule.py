"""`brewsync schedule status|enable|disable|set-cron`: the weekly EventBridge rule."""

from __future__ import annotations

from typing import Optional

import typer

from sync_runtime.errors import InputError

from ._common import JSON_OPT, QUERY_OPT, deployment, done, preflight, run_checks

app = typer.Typer(help="The weekly EventBridge schedule.", no_args_is_help=True)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Rule state, expression, target, permission and the last run."""
    run_checks(ctx, ["schedule"], as_json=as_json, query=query, title="schedule")


@app.command("enable")
def enable(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Enable the rule."""
    from ..checks.fixes import put_rule

    dep = deployment(ctx)
    preflight(dep)
    done(put_rule(dep, enabled=True), as_json=as_json, query=query)


@app.command("disable")
def disable(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Disable the rule (no weekly sync until enabled again)."""
    dep = deployment(ctx)
    preflight(dep)
    dep.client("events").disable_rule(Name=dep.names.schedule_rule)
    done(f"rule {dep.names.schedule_rule}: DISABLED", as_json=as_json, query=query)


@app.command("set-cron")
def set_cron(ctx: typer.Context, expression: str = typer.Argument(..., help="e.g. 'cron(0 3 ? * SUN *)'"),
             as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Set the schedule expression (validated here: AWS-compatible cron(...) or rate(...))."""
    from ..checks.cron import validate_schedule
    from ..checks.fixes import put_rule

    problem = validate_schedule(expression)
    if problem:
        raise InputError(f"invalid schedule expression: {problem}", hint="e.g. 'cron(0 3 ? * SUN *)'")
    dep = deployment(ctx)
    preflight(dep)
    done(put_rule(dep, expression=expression.strip()), as_json=as_json, query=query)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="schedule")
