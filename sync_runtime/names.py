"""The one place that owns every default name, schedule and setting of a deployment.

Everything is derived from one prefix (default ``homebrew-sync``). The CLI, the runtime and
Terraform agree on these values; ``tests/terraform`` reads Terraform and compares them with this
module, so change a name here and there together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "homebrew-sync"
INDEX_KEY = "bottles_hash.json"
SCHEDULE_EXPRESSION = "cron(0 3 ? * SUN *)"
METRICS_NAMESPACE = "HomebrewSync"
DEFAULT_TAGS = ("arm64_sonoma", "arm64_ventura", "monterey")
DEFAULT_API_URL = "https://formulae.brew.sh/api"
DEFAULT_SIZE_THRESHOLD_GB = 20
LAMBDA_TIMEOUT_SECONDS = 900
LAMBDA_MIN_MEMORY_MB = 1024
LAMBDA_DEFAULT_MEMORY_MB = 2048
RUNBOOK_BASE = "runbooks"

_PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class Names:
    """Resource names of one deployment, all derived from ``prefix``."""

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        if not _PREFIX_RE.match(self.prefix):
            raise ValueError(
                f"prefix {self.prefix!r} must be 3-32 lowercase letters, digits or '-', "
                "starting and ending with a letter or digit"
            )

    @property
    def _base(self) -> str:
        # "homebrew-sync" -> "homebrew": the task family keeps its historical name
        # "homebrew-bottles-sync" while everything else is "<prefix>-…".
        return self.prefix.removesuffix("-sync") or self.prefix

    @property
    def lambda_function(self) -> str:
        return f"{self.prefix}-orchestrator"

    @property
    def lambda_log_group(self) -> str:
        return f"/aws/lambda/{self.lambda_function}"

    @property
    def lambda_role(self) -> str:
        return f"{self.prefix}-lambda-orchestrator-role"

    @property
    def ecs_cluster(self) -> str:
        return self.prefix

    @property
    def task_family(self) -> str:
        return f"{self._base}-bottles-sync"

    @property
    def ecr_repository(self) -> str:
        return self.task_family

    @property
    def ecs_log_group(self) -> str:
        return f"/aws/ecs/{self.prefix}"

    @property
    def ecs_task_role(self) -> str:
        return f"{self.prefix}-ecs-task-role"

    @property
    def ecs_execution_role(self) -> str:
        return f"{self.prefix}-ecs-execution-role"

    @property
    def container_name(self) -> str:
        return "worker"

    @property
    def schedule_rule(self) -> str:
        return f"{self.prefix}-schedule"

    @property
    def ecs_failure_rule(self) -> str:
        """EventBridge rule counting failed worker tasks (the ecs-failures alarm's metric)."""
        return f"{self.prefix}-ecs-task-failed"

    @property
    def slack_secret(self) -> str:
        return f"{self.prefix}/slack-webhook"

    @property
    def sns_topic(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def alarm_lambda_errors(self) -> str:
        return f"{self.prefix}-lambda-errors"

    @property
    def alarm_ecs_failures(self) -> str:
        return f"{self.prefix}-ecs-failures"

    @property
    def alarm_lambda_duration(self) -> str:
        return f"{self.prefix}-lambda-duration"

    @property
    def alarm_stale_mirror(self) -> str:
        return f"{self.prefix}-stale-mirror"

    @property
    def dashboard(self) -> str:
        return self.prefix

    @property
    def security_group(self) -> str:
        return f"{self.prefix}-tasks"

    @property
    def vpc(self) -> str:
        return self.prefix

    def bucket_default(self, account_id: str) -> str:
        """Default bucket name when none is configured (bucket names are global)."""
        return f"{self.prefix}-bottles-{account_id}"

    @property
    def alarms(self) -> tuple[str, ...]:
        return (
            self.alarm_lambda_errors,
            self.alarm_ecs_failures,
            self.alarm_lambda_duration,
            self.alarm_stale_mirror,
        )

    def as_dict(self) -> dict[str, str]:
        """Every name, for `brewsync config` output and the Terraform agreement test."""
        keys = [
            "prefix", "lambda_function", "lambda_log_group", "lambda_role", "ecs_cluster",
            "task_family", "ecr_repository", "ecs_log_group", "ecs_task_role",
            "ecs_execution_role", "container_name", "schedule_rule", "ecs_failure_rule", "slack_secret", "sns_topic",
            "alarm_lambda_errors", "alarm_ecs_failures", "alarm_lambda_duration",
            "alarm_stale_mirror", "dashboard", "security_group", "vpc",
        ]
        out = {k: getattr(self, k) for k in keys}
        out["index_key"] = INDEX_KEY
        out["schedule_expression"] = SCHEDULE_EXPRESSION
        out["metrics_namespace"] = METRICS_NAMESPACE
        return out
