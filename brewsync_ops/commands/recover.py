"""`brewsync recover [--yes]`: the runbook's complete-recovery procedure as one guided command.

1. doctor: every check; safe remedies applied (asking first unless --yes); a problem it cannot
   fix outside the index stops the recovery (exit 1) with the findings and their fixes.
2. the index: when doctor found it missing, unreadable or not matching the store, it is rebuilt
   from the objects' metadata (`brewsync hash rebuild`: nothing downloaded, the old one kept as a
   version) — never simply deleted as the original runbook did.
3. a run with ``{"source": "recovery"}``, followed until its report exists; the exit code is its
   outcome.
"""

from __future__ import annotations

import sys

import typer

from ..exit_codes import ExitCode
from ._common import app_context, deployment, preflight

INDEX_PROBLEMS = {"hash.index-missing", "hash.not-json", "hash.schema-invalid", "hash.entry-mismatch"}


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def run_doctor(actx, dep, *, yes: bool) -> tuple[list, list, list]:
    """(findings after remedies, remedies applied, problems recovery cannot handle)."""
    from ..checks import CheckOptions, Deployment, apply_fix, fixable, run_all
    from ..checks.fixes import REMEDIES

    def check():
        return run_all(actx, options=CheckOptions(deployment=Deployment(actx)))

    findings = check()
    applied = []
    for f in fixable(findings):
        if f.id in INDEX_PROBLEMS:
            continue  # step 2 rebuilds the index
        remedy = REMEDIES[f.id]
        if not yes and not typer.confirm(f"{f.id}: {remedy.description}?", default=False, err=True):
            continue
        applied.append(f"{f.id}: {apply_fix(actx, f, dep)}")
    if applied:
        findings = check()
    blocking = [f for f in findings if f.status.value == "fail" and f.id not in INDEX_PROBLEMS]
    return findings, applied, blocking


def recover(ctx: typer.Context,
            yes: bool = typer.Option(False, "--yes", "-y", help="Unattended: apply remedies and rebuild without asking."),
            timeout: float = typer.Option(3600, "--timeout", min=1, help="Give up following the run after this many seconds."),
            ) -> None:
    """Doctor, rebuild the index from the store, run a recovery sync and follow it to the end."""
    from sync_runtime.names import DEFAULT_TAGS
    from sync_runtime.stores import S3Store
    from sync_runtime.tags import parse_tags

    from ..render import emit_findings
    from . import hash as hash_ops
    from .trigger import invoke, payload, render

    actx = app_context(ctx)
    dep = deployment(ctx)
    preflight(dep)

    _say("step 1/3: doctor")
    findings, applied, blocking = run_doctor(actx, dep, yes=yes)
    for line in applied:
        _say(f"  fixed {line}")
    if blocking:
        _say(f"  {len(blocking)} problem(s) recovery cannot fix by itself; fix them, then run recover again:")
        emit_findings(blocking, title="brewsync recover: blocked")
        raise typer.Exit(int(ExitCode.FINDINGS))
    index_problems = sorted(f.id for f in findings if f.id in INDEX_PROBLEMS and f.status.is_problem)
    _say("  no blocking problem" + (f"; index: {', '.join(index_problems)}" if index_problems else ""))

    _say("step 2/3: index")
    if index_problems:
        store = S3Store(dep.bucket(), "", actx.aws)
        tags = parse_tags(dep.env().get("TAGS") or ",".join(DEFAULT_TAGS))
        rebuilt = hash_ops.rebuild(store, tags=tags, layout=dep.env().get("LAYOUT") or "both")
        removed = rebuilt.changes["removed"]
        if removed and not yes and not typer.confirm(
                f"the rebuilt index drops {len(removed)} entries whose object is missing; write it?", default=False, err=True):
            _say("  nothing written; stopping")
            raise typer.Exit(int(ExitCode.FINDINGS))
        snapshot = hash_ops.write_rebuilt(store, rebuilt)
        _say(f"  rebuilt from the store: {len(rebuilt.index.bottles)} entries "
             f"(+{len(rebuilt.changes['added'])} -{len(removed)}); nothing downloaded"
             + (f"; previous kept as {snapshot}" if snapshot else "; previous kept as a bucket version"))
    else:
        _say("  the index is valid and matches the store: kept")

    _say("step 3/3: recovery run")
    emit = lambda line: _say(f"  {line}")  # noqa: E731
    outcome = invoke(actx, payload("recovery"), wait=True, timeout=timeout, emit=emit)
    render(outcome, as_json=False)
    raise typer.Exit(outcome.exit_code)


def register(root: typer.Typer) -> None:
    root.command("recover")(recover)
