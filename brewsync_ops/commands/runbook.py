"""`brewsync runbook [AREA|FINDING-ID]`: the troubleshooting guide in the terminal.

The guide lives in ``runbooks/`` at the top of the repository, one file per area, with explicit
anchors (``<a id="schedule-rule-disabled"></a>``) for every finding id the checks can emit
(``runbook_link(area, id)`` → ``runbooks/<area>.md#<id with dots as dashes>``). The installed CLI
finds the files as package data (``brewsync_ops/runbooks``, a link to ``../runbooks``), in a
source checkout, or where ``BREWSYNC_RUNBOOKS_DIR`` points.

``finding_ids()`` is the registry of every id the checks can emit, read from the checks' source
(calls of ``finding``/``attempt``/``unknown``/``guarded`` with a literal id) plus the ids built
from tables (network egress rules) and the remedies' keys; tests/unit/test_runbooks.py asserts
each one resolves to an anchor in the right file.
"""

from __future__ import annotations

import ast
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Optional

import typer

from sync_runtime.errors import ConfigError, InputError

from ._common import JSON_OPT

AREA_FILES = ("schedule", "lambda", "ecs", "s3", "hash", "slack", "network", "perf", "monitoring", "logs",
              "recovery")
ALIASES = {"performance": "perf", "lambda_": "lambda", "alarms": "monitoring", "metrics": "monitoring",
           "index": "hash", "recover": "recovery", "vpc": "network", "notifications": "slack"}
_ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def runbooks_dir() -> Path:
    """Where the runbook files are: $BREWSYNC_RUNBOOKS_DIR, the package data, or the checkout."""
    here = Path(__file__).resolve().parent.parent  # brewsync_ops/
    candidates = []
    if os.environ.get("BREWSYNC_RUNBOOKS_DIR"):
        candidates.append(Path(os.environ["BREWSYNC_RUNBOOKS_DIR"]))
    candidates += [here / "runbooks", here.parent / "runbooks"]
    for path in candidates:
        if (path / "lambda.md").is_file():
            return path
    raise ConfigError("the runbook files are not installed",
                      hint="reinstall brewsync, or set BREWSYNC_RUNBOOKS_DIR to a checkout's runbooks/ folder")


def read(area: str) -> str:
    return (runbooks_dir() / f"{area}.md").read_text(encoding="utf-8")


def anchors(text: str) -> list[str]:
    return _ANCHOR.findall(text)


def section(text: str, anchor: str) -> str | None:
    """The Markdown from ``<a id="anchor">`` to the next heading of the same or a higher level."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if f'<a id="{anchor}"></a>' in line), None)
    if start is None:
        return None
    level = None
    out: list[str] = []
    for line in lines[start:]:
        m = _HEADING.match(line)
        if m:
            if level is None:
                level = len(m.group(1))
            elif len(m.group(1)) <= level:
                break
        out.append(line)
    while out and (_ANCHOR.fullmatch(out[-1].strip()) or not out[-1].strip()):
        out.pop()  # the anchors of the next section
    return "\n".join(out).strip() + "\n"


def title(text: str) -> str:
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 1:
            return m.group(2).strip()
    return ""


def resolve(topic: str) -> tuple[str, str | None]:
    """AREA, FINDING-ID, anchor, ``area.md`` or ``runbooks/area.md#anchor`` → (area, anchor)."""
    raw = topic.strip()
    raw = raw.removeprefix("runbooks/")
    path, _, frag = raw.partition("#")
    path = path.removesuffix(".md").lower()
    area = ALIASES.get(path, path)
    if area in AREA_FILES:
        if frag:
            if frag not in anchors(read(area)):
                raise InputError(f"runbook {topic!r}: no section #{frag} in runbooks/{area}.md")
            return area, frag
        return area, None
    if frag:
        raise InputError(f"runbook {topic!r}: unknown area {path!r} (areas: {', '.join(AREA_FILES)})")
    anchor = raw.replace(".", "-").lower()
    first = raw.split(".", 1)[0].split("-", 1)[0].lower()
    first = ALIASES.get(first, first)
    order = ([first] if first in AREA_FILES else []) + [a for a in AREA_FILES if a != first]
    for a in order:
        if anchor in anchors(read(a)):
            return a, anchor
    raise InputError(f"runbook {topic!r}: unknown area or finding id (areas: {', '.join(AREA_FILES)}; "
                     "finding ids look like lambda.timed-out)")


# ---- the registry of finding ids -----------------------------------------------------------------

_CALLS = {"finding": 1, "attempt": 1, "unknown": 1, "guarded": 1}


@lru_cache(maxsize=1)
def finding_ids() -> dict[str, str]:
    """Every finding id the checks can emit → its area."""
    import importlib

    from .. import checks

    out: dict[str, str] = {}
    for area, module in checks.AREAS.items():
        path = Path(checks.__file__).parent / f"{module}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        area_const = area
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "AREA" for t in node.targets):
                if isinstance(node.value, ast.Constant):
                    area_const = node.value.value
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS):
                continue
            if len(node.args) < 2 or not isinstance(node.args[1], ast.Constant) or not isinstance(node.args[1].value, str):
                continue
            a = node.args[0]
            which = area_const if isinstance(a, ast.Name) and a.id == "AREA" else (
                a.value if isinstance(a, ast.Constant) else None)
            if which is None:
                continue
            fid = node.args[1].value
            out[fid if fid.startswith(which + ".") else f"{which}.{fid}"] = which
        mod = importlib.import_module(f"{checks.__name__}.{module}")
        for table in ("EGRESS_RULES",):  # ids built in a loop over a table
            for fid in getattr(mod, table, {}) or {}:
                out[f"{area_const}.{fid}"] = area_const
    from ..checks.fixes import REMEDIES

    for fid in REMEDIES:
        out.setdefault(fid, fid.split(".", 1)[0])
    return dict(sorted(out.items()))


# ---- the command ----------------------------------------------------------------------------------

def _markdown(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not _ANCHOR.fullmatch(line.strip()))


def runbook(topic: Optional[str] = typer.Argument(None, metavar="[AREA|FINDING-ID]",
                                                  help="An area (lambda, perf, recovery…) or a finding id (lambda.timed-out)."),
            as_json: bool = JSON_OPT) -> None:
    """Show the troubleshooting guide: the list of areas, one area, or the section of one finding."""
    from ..render import emit_json, stdout_console

    if topic is None:
        rows = []
        for area in AREA_FILES:
            text = read(area)
            rows.append({"area": area, "file": f"runbooks/{area}.md", "title": title(text),
                         "sections": len(anchors(text))})
        if as_json:
            emit_json({"areas": rows})
            return
        from ..render import table

        console = stdout_console()
        console.print(table("brewsync runbooks", ["area", "title", "sections", "file"],
                            [[r["area"], r["title"], r["sections"], r["file"]] for r in rows]))
        console.print("brewsync runbook AREA   or   brewsync runbook FINDING-ID (e.g. lambda.timed-out)")
        return
    area, anchor = resolve(topic)
    text = read(area)
    body = section(text, anchor) if anchor else text
    assert body is not None
    if as_json:
        emit_json({"area": area, "anchor": anchor, "file": f"runbooks/{area}.md" + (f"#{anchor}" if anchor else ""),
                   "markdown": _markdown(body)})
        return
    from rich.markdown import Markdown

    console = stdout_console()
    if anchor:
        console.print(f"[dim]runbooks/{area}.md#{anchor}[/dim]")
    console.print(Markdown(_markdown(body)))


def register(root: typer.Typer) -> None:
    root.command("runbook")(runbook)
