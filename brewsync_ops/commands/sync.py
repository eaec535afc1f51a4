"""`brewsync sync` and `brewsync plan`: the sync engine on this machine, to S3 or a folder."""

from __future__ import annotations

from typing import List, Optional

import typer

from sync_runtime.names import DEFAULT_API_URL, DEFAULT_TAGS

from ..exit_codes import ExitCode

TO_HELP = "Destination: a folder path or s3://bucket\\[/prefix] (default: s3://$BREWSYNC_BUCKET)."


def _options(tags: str, formula: list[str] | None, layout: str, concurrency: int, dry_run: bool):
    from sync_runtime.engine import SyncOptions
    from sync_runtime.tags import parse_tags
    from sync_runtime.bottle import check_name

    for name in formula or []:
        check_name(name, "--formula")
    return SyncOptions(tags=parse_tags(tags), formulae=tuple(formula or ()), layout=layout,
                       concurrency=concurrency, dry_run=dry_run)


def _engine(ctx: typer.Context, to: str | None, api_url: str, options, progress=None):
    from sync_runtime.engine import SyncEngine
    from sync_runtime.errors import InputError
    from sync_runtime.homebrew import HomebrewClient
    from sync_runtime.stores import open_store

    app_ctx = ctx.obj
    dest = to or (f"s3://{app_ctx.bucket}" if app_ctx.bucket else None)
    if not dest:
        raise InputError("no destination", hint="pass --to ./mirror or --to s3://bucket (or set BREWSYNC_BUCKET)")
    store = open_store(dest, aws=app_ctx.aws)
    client = HomebrewClient(api_url, pool_size=max(16, options.concurrency * 2))
    return SyncEngine(client, store, options, progress)


def sync(
    ctx: typer.Context,
    to: Optional[str] = typer.Option(None, "--to", envvar="BREWSYNC_TO", help=TO_HELP),
    api_url: str = typer.Option(DEFAULT_API_URL, "--api-url", envvar="BREWSYNC_API_URL", help="Homebrew API base URL (formula.json lives there)."),
    tags: str = typer.Option(",".join(DEFAULT_TAGS), "--tags", envvar="BREWSYNC_TAGS", help="Client bottle tags to serve, comma separated."),
    formula: Optional[List[str]] = typer.Option(None, "--formula", help="Limit the run to this formula (repeatable)."),
    layout: str = typer.Option("both", "--layout", help="artifact | bottle-domain | both"),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=256, help="Parallel transfers."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan only; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the run report as JSON."),
    query: Optional[str] = typer.Option(None, "--query", help="JMESPath filter for --json output."),
) -> None:
    """Mirror the bottles for TAGS into DEST, verifying every sha256."""
    from ..progress import make_progress
    from ..render import emit_json

    options = _options(tags, formula, layout, concurrency, dry_run)
    with make_progress(quiet=as_json) as progress:
        engine = _engine(ctx, to, api_url, options, progress)
        report = engine.run()
    if as_json:
        emit_json(report.to_dict(), query)
    else:
        render_report(report, engine.store)
    raise typer.Exit(int(ExitCode.OK if report.ok else ExitCode.FINDINGS))


def plan(
    ctx: typer.Context,
    to: Optional[str] = typer.Option(None, "--to", envvar="BREWSYNC_TO", help=TO_HELP),
    api_url: str = typer.Option(DEFAULT_API_URL, "--api-url", envvar="BREWSYNC_API_URL", help="Homebrew API base URL."),
    tags: str = typer.Option(",".join(DEFAULT_TAGS), "--tags", envvar="BREWSYNC_TAGS", help="Client bottle tags to serve, comma separated."),
    formula: Optional[List[str]] = typer.Option(None, "--formula", help="Limit to this formula (repeatable)."),
    layout: str = typer.Option("both", "--layout", help="artifact | bottle-domain | both"),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    query: Optional[str] = typer.Option(None, "--query", help="JMESPath filter for --json output."),
) -> None:
    """Show what a sync would copy and why, with bytes. Writes nothing."""
    from ..render import emit_json, human_bytes, stdout_console, table

    options = _options(tags, formula, layout, 8, True)
    engine = _engine(ctx, to, api_url, options)
    _, _, the_plan = engine.prepare()
    data = {
        "summary": the_plan.summary(),
        "new": [{"filename": i.bottle.filename, "reason": i.reason, "size": i.bottle.size,
                 "key": i.bottle.blob_key} for i in the_plan.new],
        "stale": [e.filename for e in the_plan.stale],
    }
    if as_json:
        emit_json(data, query)
        return
    console = stdout_console()
    rows = [(i.bottle.filename, i.reason, human_bytes(i.bottle.size)) for i in the_plan.new[:200]]
    console.print(table("Would copy", ["bottle", "why", "size"], rows))
    if len(the_plan.new) > 200:
        console.print(f"… and {len(the_plan.new) - 200} more (use --json for all)")
    s = the_plan.summary()
    console.print(f"{s['new']} to copy ({human_bytes(s['bytes_new'])}"
                  + (f", {s['unknown_sizes']} of unknown size" if s["unknown_sizes"] else "")
                  + f"), {s['unchanged']} unchanged, {s['stale']} stale")


def render_report(report, store) -> None:
    from ..render import human_bytes, stdout_console, table

    console = stdout_console()
    d = report.to_dict()
    console.print(table("Sync summary", ["copied", "skipped", "failed", "bytes", "seconds", "MB/s"],
                        [(d["copied"], d["skipped"], d["failed"], human_bytes(d["bytes"]),
                          f"{d['seconds']:.1f}", f"{d['mb_per_s']:.1f}")]))
    if report.failed:
        console.print(table("Failed bottles", ["bottle", "reason"],
                            [(r.bottle.filename, r.reason) for r in report.failed]))
    for w in report.warnings:
        console.print(f"warning: {w}")
    console.print(f"mirror: {store.url}   index {'updated' if report.index_written else 'unchanged'}")


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
    app.command("plan")(plan)
