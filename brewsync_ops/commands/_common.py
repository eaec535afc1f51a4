"""What the ops commands share: the AppContext, a pre-flight "can we reach AWS at all", option
parsing that fails in one line (exit 2), and running a set of checks into rendered findings."""

from __future__ import annotations

from typing import Iterable

import typer

from sync_runtime.errors import AccessError, InputError

from ..exit_codes import ExitCode


def app_context(ctx: typer.Context):
    obj = ctx.find_root().obj
    if obj is None:  # invoked without the root callback (tests of a sub-app)
        from ..context import AppContext

        obj = ctx.find_root().obj = AppContext()
    return obj


def deployment(ctx: typer.Context):
    from ..checks import Deployment

    return Deployment(app_context(ctx))


def preflight(dep) -> None:
    """Exit 4 when AWS cannot be asked at all (no credentials, endpoint unreachable)."""
    from ..checks._base import CannotAsk

    try:
        dep.account_id()
    except CannotAsk as exc:
        if exc.no_access:
            raise AccessError(exc.reason, hint="configure credentials (aws configure, AWS_PROFILE), "
                                               "check --endpoint-url, or start a local stack: brewsync dev up") from None
        # STS itself refused (AccessDenied): the checks still say what they can.


def parse_areas(values: Iterable[str] | None) -> list[str] | None:
    from ..checks import AREAS

    if not values:
        return None
    areas: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part not in AREAS:
                raise InputError(f"--only {part!r}: unknown area (choose from {', '.join(AREAS)})")
            if part not in areas:
                areas.append(part)
    return areas or None


def int_option(name: str, value: str | None, lo: int, hi: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{name} {value!r}: not a whole number") from None
    if not lo <= number <= hi:
        raise InputError(f"{name} {number}: must be between {lo} and {hi}")
    return number


def no_access(findings) -> bool:
    return bool(findings) and all(f.details.get("no_access") for f in findings)


def run_checks(ctx: typer.Context, areas: list[str], *, as_json: bool, query: str | None,
               title: str | None = None, **options) -> None:
    """Run the checks of ``areas``, render them, exit 1 when there is anything to act on."""
    from ..checks import CheckOptions, run_all
    from ..render import check_query, emit_findings

    check_query(query)
    dep = deployment(ctx)
    preflight(dep)
    opts = CheckOptions(deployment=dep, **options)
    findings = run_all(app_context(ctx), only=areas, options=opts)
    if no_access(findings):
        raise AccessError("no check could reach AWS", hint="check credentials and --endpoint-url")
    nothing_checked(findings)
    show_findings(findings, as_json=as_json, query=query, title=title)
    finish(findings)


def finish(findings) -> None:
    if any(f.status.is_problem for f in findings):
        raise typer.Exit(int(ExitCode.FINDINGS))


def nothing_checked(findings) -> None:
    """Exit 4 when not one check could ask AWS (every finding *unknown*): saying "healthy" then
    would be a false pass — typically a profile that is refused everywhere."""
    from ..findings import Status

    if findings and all(f.status is Status.UNKNOWN for f in findings):
        reasons = sorted({f.evidence or f.summary for f in findings})
        raise AccessError(f"no check could ask AWS ({len(findings)} unknown): {reasons[0]}",
                          hint="check the IAM permissions of your profile, --region and --endpoint-url")


def for_display(finding):
    """A copy of ``finding`` whose text is safe to put in a rich table: AWS text (a stoppedReason,
    an exception) may contain ``[...]``, which rich would read as markup — and crash on ``[/x]``."""
    from dataclasses import replace

    from rich.markup import escape

    return replace(finding, summary=escape(finding.summary), evidence=escape(finding.evidence or ""),
                   fix=escape(finding.fix) if finding.fix else finding.fix)


def verdict_line(findings, hidden_ok: int = 0) -> str:
    """The one-line verdict; never "healthy" when nothing passed, and says what was hidden."""
    from collections import Counter

    from ..render import verdict

    counts = Counter(f.status.value for f in findings)
    line = verdict(findings)
    if not counts.get("fail") and not counts.get("warn") and counts.get("unknown"):
        line = (f"no problem found: {counts.get('ok', 0)} checks passed, {counts['unknown']} could not be "
                "checked (the unknown rows say why)")
    if hidden_ok:
        line += f"; {hidden_ok} ok row(s) not shown (--all shows every row)"
    return line


def show_findings(findings, *, as_json: bool = False, query: str | None = None, title: str | None = None,
                  show_ok: bool = True, **extra) -> None:
    """Findings on stdout: complete JSON with --json/--query; else a table (the problems and
    unknowns only, unless ``show_ok``) and the verdict line."""
    from ..render import emit_findings, findings_table, stdout_console
    from ..findings import Status

    if as_json or query:
        emit_findings(findings, as_json=as_json, query=query, title=title, **extra)
        return
    shown = [for_display(f) for f in findings if show_ok or f.status is not Status.OK]
    hidden = len(findings) - len(shown)
    console = stdout_console()
    if shown:
        console.print(findings_table(shown, title))
    console.print(verdict_line(findings, hidden), markup=False)


def done(message: str, *, as_json: bool = False, query: str | None = None, **data) -> None:
    """Report a completed action: a line on stdout, or JSON."""
    from ..render import check_query, emit_json

    check_query(query)
    if as_json or query:
        emit_json({"result": message, **data}, query)
    else:
        from sync_runtime.redact import redact

        typer.echo(redact(message))


JSON_OPT = typer.Option(False, "--json", help="Machine-readable output (stable, sorted JSON).")
QUERY_OPT = typer.Option(None, "--query", help="JMESPath filter of the JSON output (implies --json).")
