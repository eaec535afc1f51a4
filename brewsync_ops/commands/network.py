"""`brewsync network check|allow-egress|probe`: can the worker reach ghcr.io and formulae.brew.sh."""

from __future__ import annotations

from typing import Optional

import typer

from ._common import JSON_OPT, QUERY_OPT, deployment, done, int_option, preflight, run_checks

app = typer.Typer(help="The worker's network path.", no_args_is_help=True)


@app.command("check")
def check(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """NAT gateway, routes of the task subnets, security group egress."""
    run_checks(ctx, ["network"], as_json=as_json, query=query, title="network")


@app.command("allow-egress")
def allow_egress(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Allow HTTPS (443/tcp) and DNS (53/udp) egress from the task security group."""
    from ..checks.fixes import allow_egress as remedy

    dep = deployment(ctx)
    preflight(dep)
    done(remedy(dep), as_json=as_json, query=query)


@app.command("probe")
def probe(ctx: typer.Context,
          timeout: str = typer.Option("120", "--timeout", help="Seconds to wait for the probe task (5-900)."),
          as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Run a one-off worker task that resolves and fetches the formula index and a ghcr manifest."""
    from ..checks.network import run_probe
    from ._common import finish, show_findings

    seconds = int_option("--timeout", timeout, 1, 900)
    dep = deployment(ctx)
    preflight(dep)
    findings = run_probe(dep, timeout=seconds)
    show_findings(findings, as_json=as_json, query=query, title="network probe")
    finish(findings)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="network")
