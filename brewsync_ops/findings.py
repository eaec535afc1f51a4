"""What a check reports: a `Finding` (never printed by the check; rendering is in render.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Status(str, Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"  # the check could not ask (AccessDenied, not implemented): say why

    @property
    def is_problem(self) -> bool:
        return self in (Status.WARN, Status.FAIL)


@dataclass(frozen=True)
class Finding:
    id: str                    # stable, e.g. "schedule.rule-disabled"; also the runbook anchor
    area: str                  # schedule, lambda, ecs, s3, hash, slack, network, monitoring, perf
    status: Status
    summary: str
    evidence: str = ""
    fix: str | None = None     # the one command that fixes it
    runbook: str | None = None  # "runbooks/<area>.md#<anchor>"
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status.value
        return data


def runbook_link(area: str, finding_id: str) -> str:
    """Runbook anchor of a finding id: runbooks/<area>.md#<id with dots as dashes>."""
    return f"runbooks/{area}.md#{finding_id.replace('.', '-')}"
