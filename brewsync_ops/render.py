"""The one place that prints: data on stdout (rich on a terminal, stable JSON with --json),
progress and diagnostics on stderr. Checks and actions return data; commands call these."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Iterable

from sync_runtime.errors import InputError
from sync_runtime.redact import redact
from sync_runtime.units import human_bytes  # noqa: F401 - re-exported for the commands

STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "unknown": "magenta"}


def stdout_console():
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def stderr_console():
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False, stderr=True)


def is_tty(stream=None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


def apply_query(data: Any, query: str | None) -> Any:
    """Filter data with a JMESPath expression, as the aws CLI's --query does."""
    if not query:
        return data
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        return jmespath.search(query, data)
    except JMESPathError as exc:
        raise InputError(f"--query {query!r} is not a valid JMESPath expression: {exc}") from None


def emit_json(data: Any, query: str | None = None) -> None:
    data = apply_query(data, query)
    text = json.dumps(data, indent=2, sort_keys=True, default=str)
    sys.stdout.write(redact(text) + "\n")
    sys.stdout.flush()


def table(title: str | None, columns: Iterable[str], rows: Iterable[Iterable[Any]]):
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    for col in columns:
        # fold, never "…": a version id or a key cut short is useless to copy.
        t.add_column(col, overflow="fold")
    for row in rows:
        t.add_row(*[redact(str(c)) if c is not None else "" for c in row])
    return t


# ---- findings (doctor and the per-area commands) ---------------------------------------------

def verdict(findings) -> str:
    """One line: healthy, or how many findings of each kind."""
    from collections import Counter

    counts = Counter(f.status.value for f in findings)
    problems = counts.get("fail", 0) + counts.get("warn", 0)
    unknown = counts.get("unknown", 0)
    tail = f"; {unknown} could not be checked" if unknown else ""
    if not problems:
        return f"healthy: {counts.get('ok', 0)} checks passed{tail}"
    return (f"{problems} finding(s) to act on: {counts.get('fail', 0)} fail, {counts.get('warn', 0)} warn, "
            f"{counts.get('ok', 0)} ok{tail}")


def findings_table(findings, title: str | None = None, *, show_ok: bool = True):
    """One rich table grouped by area: status, finding, evidence, fix, runbook."""
    from rich.table import Table

    t = Table(title=title, title_justify="left", show_lines=False)
    for col in ("area", "status", "finding", "evidence", "fix", "runbook"):
        t.add_column(col, overflow="fold")
    last_area = None
    for f in findings:
        if not show_ok and f.status.value == "ok":
            continue
        if last_area is not None and f.area != last_area:
            t.add_section()
        style = STATUS_STYLE.get(f.status.value, "")
        t.add_row(f.area if f.area != last_area else "", f"[{style}]{f.status.value}[/]",
                  redact(f"{f.id}: {f.summary}"), redact(f.evidence or ""), redact(f.fix or ""), f.runbook or "")
        last_area = f.area
    return t


def findings_data(findings, **extra) -> dict:
    data = {"findings": [f.to_dict() for f in findings], "verdict": verdict(findings),
            "healthy": not any(f.status.is_problem for f in findings)}
    data.update(extra)
    return data


def emit_findings(findings, *, as_json: bool = False, query: str | None = None, title: str | None = None,
                  **extra) -> None:
    """Findings on stdout: stable JSON (``--json``/``--query``) or a table plus the verdict line."""
    if as_json or query:
        emit_json(findings_data(findings, **extra), query)
        return
    console = stdout_console()
    console.print(findings_table(findings, title))
    console.print(verdict(findings))


def check_query(query: str | None) -> None:
    """Validate a --query before doing any work; the error is one line (jmespath's own is three)."""
    if not query:
        return
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(query)
    except JMESPathError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"--query {query!r} is not a valid JMESPath expression: {first}") from None
