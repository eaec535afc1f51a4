"""`brewsync doctor`: every check at once, one table, one verdict; `--fix` applies safe remedies."""

from __future__ import annotations

from typing import List, Optional

import typer

from sync_runtime.errors import AccessError

from ._common import (JSON_OPT, QUERY_OPT, app_context, deployment, finish, no_access, nothing_checked, parse_areas,
                      preflight, show_findings)

app = typer.Typer(help="Diagnose the whole deployment.")


def doctor(
    ctx: typer.Context,
    only: Optional[List[str]] = typer.Option(None, "--only", help="Only these areas (repeat or comma-separate): "
                                             "schedule, lambda, ecs, s3, hash, slack, network, monitoring, perf."),
    fix: bool = typer.Option(False, "--fix", help="Apply the safe remedies (asks before each unless --yes)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before each remedy."),
    as_json: bool = JSON_OPT,
    query: Optional[str] = QUERY_OPT,
    write_probe: bool = typer.Option(False, "--write-probe", help="Also put and delete a probe object in the bucket."),
    send_test: bool = typer.Option(False, "--send-test", help="Also post a test message to the Slack webhook."),
    full: bool = typer.Option(False, "--full", help="Check every index entry against the store (default: a sample)."),
    show_all: bool = typer.Option(False, "--all", "--verbose", "-v",
                                  help="Show every row, the ok ones too (default: problems and unknowns; "
                                       "--json always has every finding)."),
) -> None:
    """Run every check concurrently; exit 0 healthy, 1 findings, 2 usage, 4 no AWS access.

    The table lists what needs attention (fail, warn, unknown); the verdict line counts the rest."""
    from ..checks import CheckOptions, Deployment, apply_fix, fixable, run_all
    from ..render import check_query, stderr_console
    from sync_runtime.redact import redact

    check_query(query)
    areas = parse_areas(only)
    actx = app_context(ctx)
    dep = deployment(ctx)
    preflight(dep)

    def check():
        opts = CheckOptions(write_probe=write_probe, send_test=send_test, full=full, deployment=Deployment(actx))
        return run_all(actx, only=areas, options=opts)

    findings = check()
    if no_access(findings):
        raise AccessError("no check could reach AWS", hint="check credentials and --endpoint-url")
    nothing_checked(findings)
    applied: list[dict] = []
    if fix:
        err = stderr_console()
        from ..checks.fixes import REMEDIES

        answering = True
        for f in fixable(findings):
            remedy = REMEDIES[f.id]
            if not yes:
                try:
                    agreed = answering and typer.confirm(f"{f.id}: {remedy.description}?", default=False, err=True)
                except typer.Abort:  # no answer (stdin closed, Ctrl-C): apply nothing more, still report
                    answering = agreed = False
                    err.print("\nno answer: no further remedy applied (--yes applies them without asking)",
                              markup=False)
                if not agreed:
                    applied.append({"id": f.id, "remedy": remedy.description, "applied": False,
                                    "result": "skipped"})
                    continue
            try:
                result = apply_fix(actx, f, dep)
                applied.append({"id": f.id, "remedy": remedy.description, "applied": True, "result": result})
                err.print(redact(f"fixed {f.id}: {result}"), markup=False)
            except Exception as exc:  # noqa: BLE001 - one remedy failing must not stop the others
                applied.append({"id": f.id, "remedy": remedy.description, "applied": False,
                                "result": f"failed: {type(exc).__name__}: {exc}"})
                err.print(redact(f"could not fix {f.id}: {type(exc).__name__}: {exc}"), markup=False)
        if not applied:
            err.print("nothing to fix automatically")
        elif any(a["applied"] for a in applied):
            findings = check()  # re-check: report the state after the remedies
    extra = {"fixes": applied} if fix else {}
    show_findings(findings, as_json=as_json, query=query, title="brewsync doctor", show_ok=show_all, **extra)
    finish(findings)


app.callback(invoke_without_command=True)(doctor)


def register(root: typer.Typer) -> None:
    root.command("doctor")(doctor)
