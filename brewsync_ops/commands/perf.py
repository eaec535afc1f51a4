"""`brewsync perf`: Lambda duration, ECS utilisation, EFS throughput, with tuning advice."""

from __future__ import annotations

from typing import Optional

import typer

from ._common import JSON_OPT, QUERY_OPT, run_checks


def perf(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Performance figures of the last 7 days and what to tune."""
    run_checks(ctx, ["perf"], as_json=as_json, query=query, title="perf")


app = typer.Typer(help="Performance figures and tuning advice.")
app.callback(invoke_without_command=True)(perf)


def register(root: typer.Typer) -> None:
    root.command("perf")(perf)
