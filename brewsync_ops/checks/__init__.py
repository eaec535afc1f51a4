"""Every diagnostic of the runbook, one module per area, and `run_all` that runs them concurrently.

A check is ``check(ctx, opts) -> list[Finding]``; ``fixes.REMEDIES`` maps fixable finding ids to
safe remedies. Modules are imported lazily so `brewsync --help` stays fast.
"""

from __future__ import annotations

import importlib
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

from ..findings import Finding, Status
from ._base import CheckOptions, Deployment

AREAS: dict[str, str] = {
    "schedule": "schedule",
    "lambda": "lambda_",
    "ecs": "ecs",
    "s3": "s3",
    "hash": "hash",
    "slack": "slack",
    "network": "network",
    "monitoring": "monitoring",
    "perf": "perf",
}
_ORDER = {area: i for i, area in enumerate(AREAS)}


def check_for(area: str) -> Callable[..., list[Finding]]:
    return importlib.import_module(f"{__name__}.{AREAS[area]}").check


def run_all(ctx, only: Iterable[str] | None = None, options: CheckOptions | None = None,
            max_workers: int = 9) -> list[Finding]:
    """Run the checks of ``only`` (default: every area) concurrently; findings sorted by area."""
    opts = options or CheckOptions()
    if opts.deployment is None:
        opts.deployment = Deployment(ctx)
    areas = list(only or AREAS)
    unknown_areas = [a for a in areas if a not in AREAS]
    if unknown_areas:
        raise ValueError(f"unknown area(s): {', '.join(unknown_areas)}")
    checks = [check_for(a) for a in areas]
    with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(checks)))) as pool:
        results = list(pool.map(lambda fn: fn(ctx, opts), checks))
    findings = [f for batch in results for f in batch]
    return sorted(findings, key=lambda f: (_ORDER.get(f.area, 99), f.id))


def problems(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.status.is_problem]


def fixable(findings: Iterable[Finding]) -> list[Finding]:
    from .fixes import REMEDIES

    return [f for f in findings if f.status.is_problem and f.id in REMEDIES]


def apply_fix(ctx, finding: Finding, deployment: Deployment | None = None) -> str:
    from .fixes import REMEDIES

    return REMEDIES[finding.id].apply(deployment or Deployment(ctx))


__all__ = ["AREAS", "CheckOptions", "Deployment", "Finding", "Status", "run_all", "problems", "fixable",
           "apply_fix", "check_for"]
