"""Runtime configuration of the deployed sync, read once from the environment Terraform sets.

The Lambda orchestrator gets every variable of ``terraform/modules/orchestrator`` (BUCKET, TAGS,
SIZE_THRESHOLD_GB, SHARD_COUNT, ECS_CLUSTER, TASK_DEFINITION, SUBNETS, SECURITY_GROUPS,
SLACK_SECRET_ID, API_URL, BREWSYNC_PREFIX, optional PRUNE_AFTER_DAYS and LAYOUT); an ECS worker
gets the smaller set of ``terraform/modules/worker`` plus RUN_ID and SHARD from the RunTask
overrides. A missing or invalid variable fails fast with a `ConfigError` that names it, before
anything is read or written.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from .bottle import TAG_RE
from .engine import LAYOUTS
from .errors import ConfigError
from .names import DEFAULT_API_URL, DEFAULT_PREFIX, DEFAULT_SIZE_THRESHOLD_GB, Names

GB = 1_000_000_000
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SUBNET_RE = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_SG_RE = re.compile(r"^sg-[0-9a-f]{8,17}$")
_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_SHARDS = 100


def _hint(var: str) -> str:
    return f"set {var} in the function/task environment (Terraform sets it; see terraform/modules)"


class _Env:
    """Typed accessors over a mapping; each error names the variable."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def raw(self, var: str, default: str | None = None, *, required: bool = True) -> str | None:
        value = self.env.get(var)
        if value is None or not value.strip():
            if default is not None or not required:
                return default
            raise ConfigError(f"environment variable {var} is missing", hint=_hint(var))
        return value.strip()

    def bad(self, var: str, value: object, why: str) -> ConfigError:
        shown = str(value)[:80]
        return ConfigError(f"environment variable {var}={shown!r} is invalid: {why}", hint=_hint(var))

    def integer(self, var: str, default: int | None = None, *, low: int = 0, high: int | None = None,
                required: bool = True) -> int | None:
        value = self.raw(var, None if default is None else str(default), required=required)
        if value is None:
            return None
        try:
            n = int(value)
        except ValueError:
            raise self.bad(var, value, "expected a whole number") from None
        if n < low or (high is not None and n > high):
            raise self.bad(var, value, f"expected {low} to {high}" if high is not None else f"expected at least {low}")
        return n

    def number(self, var: str, default: float) -> float:
        value = self.raw(var, str(default))
        try:
            x = float(value)
        except ValueError:
            raise self.bad(var, value, "expected a number") from None
        if not x > 0 or x != x or x == float("inf"):
            raise self.bad(var, value, "expected a positive number")
        return x

    def listing(self, var: str, pattern: re.Pattern, what: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.raw(var, required=required)
        if value is None:
            return ()
        items = tuple(p.strip() for p in value.split(",") if p.strip())
        if not items and required:
            raise self.bad(var, value, f"expected a comma-separated list of {what}")
        for item in items:
            if not pattern.match(item):
                raise self.bad(var, value, f"{item!r} is not a valid {what}")
        return items

    def bucket(self) -> str:
        value = self.raw("BUCKET")
        if not _BUCKET_RE.match(value) or ".." in value:
            raise self.bad("BUCKET", value, "not a valid S3 bucket name")
        return value

    def url(self, var: str, default: str) -> str:
        value = self.raw(var, default)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.bad(var, value, "expected an http(s) URL")
        return value.rstrip("/")

    def prefix(self) -> str:
        value = self.raw("BREWSYNC_PREFIX", DEFAULT_PREFIX)
        try:
            Names(value)
        except ValueError as exc:
            raise self.bad("BREWSYNC_PREFIX", value, str(exc)) from None
        return value

    def choice(self, var: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.raw(var, default)
        if value not in choices:
            raise self.bad(var, value, f"expected one of {', '.join(choices)}")
        return value


@dataclass(frozen=True)
class RuntimeConfig:
    """What the orchestrator needs. Workers fill only the shared part (see `WorkerConfig`)."""

    bucket: str
    tags: tuple[str, ...]
    size_threshold_gb: float
    shard_count: int
    ecs_cluster: str
    task_definition: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    slack_secret_id: str
    api_url: str
    prefix: str
    layout: str = "both"
    prune_after_days: int | None = None
    concurrency: int = 8
    reserve_seconds: int = 90          # kept free at the end of the Lambda for commit + hand-off
    endpoint_url: str | None = None    # AWS_ENDPOINT_URL (a moto server in tests, none in AWS)

    @property
    def names(self) -> Names:
        return Names(self.prefix)

    @property
    def size_threshold_bytes(self) -> int:
        return int(self.size_threshold_gb * GB)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "RuntimeConfig":
        e = _Env(os.environ if env is None else env)
        prefix = e.prefix()
        tags = e.listing("TAGS", TAG_RE, "bottle tag")
        return cls(
            bucket=e.bucket(),
            tags=tags,
            size_threshold_gb=e.number("SIZE_THRESHOLD_GB", DEFAULT_SIZE_THRESHOLD_GB),
            shard_count=e.integer("SHARD_COUNT", low=1, high=MAX_SHARDS),
            ecs_cluster=e.raw("ECS_CLUSTER"),
            task_definition=e.raw("TASK_DEFINITION"),
            subnets=e.listing("SUBNETS", _SUBNET_RE, "subnet id (subnet-…)"),
            security_groups=e.listing("SECURITY_GROUPS", _SG_RE, "security group id (sg-…)"),
            slack_secret_id=e.raw("SLACK_SECRET_ID", Names(prefix).slack_secret),
            api_url=e.url("API_URL", DEFAULT_API_URL),
            prefix=prefix,
            layout=e.choice("LAYOUT", "both", LAYOUTS),
            prune_after_days=e.integer("PRUNE_AFTER_DAYS", low=1, high=3650, required=False),
            concurrency=e.integer("CONCURRENCY", 8, low=1, high=64),
            reserve_seconds=e.integer("LAMBDA_RESERVE_SECONDS", 90, low=0, high=900),
            endpoint_url=e.raw("AWS_ENDPOINT_URL", required=False),
        )


@dataclass(frozen=True)
class WorkerConfig:
    """An ECS worker: where the mirror is, and which shard of which run it owns."""

    bucket: str
    run_id: str
    shard: int
    slack_secret_id: str
    api_url: str
    prefix: str
    concurrency: int = 8
    endpoint_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "WorkerConfig":
        e = _Env(os.environ if env is None else env)
        prefix = e.prefix()
        run_id = e.raw("RUN_ID")
        if not _RUN_ID_RE.match(run_id):
            raise e.bad("RUN_ID", run_id, "expected letters, digits, '-' or '_' (a run id)")
        return cls(
            bucket=e.bucket(),
            run_id=run_id,
            shard=e.integer("SHARD", low=0, high=MAX_SHARDS - 1),
            slack_secret_id=e.raw("SLACK_SECRET_ID", Names(prefix).slack_secret),
            api_url=e.url("API_URL", DEFAULT_API_URL),
            prefix=prefix,
            concurrency=e.integer("CONCURRENCY", 8, low=1, high=64),
            endpoint_url=e.raw("AWS_ENDPOINT_URL", required=False),
        )


def check_run_id(run_id: object) -> str:
    if not isinstance(run_id, str) or not _RUN_ID_RE.match(run_id):
        raise ConfigError(f"run id {str(run_id)[:70]!r} is not valid")
    return run_id
