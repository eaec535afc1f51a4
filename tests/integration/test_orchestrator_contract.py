"""The environment contract: what Terraform sets, what the dev stack provisions and what
sync_runtime/config.py reads must agree exactly (names, formats, the worker's command).

A worker task started by the orchestrator gets the task definition's environment plus the RunTask
overrides; that union, nothing else, must configure it. The dev stack is checked the same way, so a
variable missing there (the worker would fall back to formulae.brew.sh instead of the local
registry) fails here rather than in a 3 a.m. run.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from brewsync_ops.commands.package import DOCKERFILE
from brewsync_ops.devstack.stack import provision
from sync_runtime.config import RuntimeConfig, WorkerConfig
from sync_runtime.errors import ConfigError
from sync_runtime.orchestrator import run_task_request

ROOT = Path(__file__).resolve().parents[2]
WORKER_COMMAND = ["python", "-m", "sync_runtime.worker"]
# Read by boto3 / Python itself, not by config.py.
PLATFORM_VARS = {"AWS_DEFAULT_REGION", "TMPDIR"}
# Set with enable_efs_scratch; nothing in sync_runtime reads it (S3Store streams in constant memory).
UNUSED_BY_DESIGN = {"SCRATCH_DIR"}


def terraform_environment_keys(module: str) -> set[str]:
    """The keys of `locals { environment = merge(...) }` in terraform/modules/<module>/main.tf."""
    text = (ROOT / "terraform" / "modules" / module / "main.tf").read_text()
    start = text.index("environment = merge(")
    depth, i = 0, text.index("(", start)
    for i in range(i, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            break
    block = text[start:i]
    keys = set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", block))
    assert keys, f"no environment keys found in {module}/main.tf"
    return keys


def terraform_worker_command() -> list[str]:
    text = (ROOT / "terraform" / "modules" / "worker" / "main.tf").read_text()
    (raw,) = re.findall(r"^\s*command\s*=\s*\[([^\]]*)\]", text, re.M)
    return re.findall(r'"([^"]*)"', raw)


class Recording(dict):
    """A mapping that remembers every variable config.py asks for."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


ORCH_ENV = {
    "BUCKET": "homebrew-sync-bottles-123456789012", "TAGS": "arm64_sonoma,monterey",
    "SIZE_THRESHOLD_GB": "20", "SHARD_COUNT": "4", "ECS_CLUSTER": "homebrew-sync",
    "TASK_DEFINITION": "homebrew-bottles-sync", "SUBNETS": "subnet-0123abcd,subnet-4567abcd",
    "SECURITY_GROUPS": "sg-0123abcd", "SLACK_SECRET_ID": "homebrew-sync/slack-webhook",
    "API_URL": "https://formulae.brew.sh/api", "BREWSYNC_PREFIX": "homebrew-sync", "PRUNE_AFTER_DAYS": "30",
}
WORKER_ENV = {"BUCKET": "homebrew-sync-bottles-123456789012", "SLACK_SECRET_ID": "homebrew-sync/slack-webhook",
              "API_URL": "https://formulae.brew.sh/api", "BREWSYNC_PREFIX": "homebrew-sync",
              "RUN_ID": "20261129T030000Z-abcdef", "SHARD": "1"}


def required(cls, env: dict) -> set[str]:
    out = set()
    for key in env:
        try:
            cls.from_env({k: v for k, v in env.items() if k != key})
        except ConfigError as exc:
            assert key in exc.message
            out.add(key)
    return out


def asked(cls, env: dict) -> set[str]:
    rec = Recording(env)
    cls.from_env(rec)
    return rec.asked


def test_terraform_orchestrator_environment_matches_config():
    tf = terraform_environment_keys("orchestrator")
    assert required(RuntimeConfig, ORCH_ENV) <= tf, "config.py requires a variable Terraform does not set"
    assert tf <= asked(RuntimeConfig, ORCH_ENV), "Terraform sets a variable config.py never reads (misspelt?)"


def test_terraform_worker_environment_plus_overrides_matches_config():
    tf = terraform_environment_keys("worker")
    overrides = {e["name"] for e in run_task_request(RuntimeConfig.from_env(ORCH_ENV), "r-1", 0)
                 ["overrides"]["containerOverrides"][0]["environment"]}
    assert overrides == {"RUN_ID", "SHARD"}
    assert required(WorkerConfig, WORKER_ENV) <= tf | overrides
    assert tf - PLATFORM_VARS - UNUSED_BY_DESIGN <= asked(WorkerConfig, WORKER_ENV)
    # The orchestrator's settings a worker needs must reach it through its own task definition.
    assert {"BUCKET", "SLACK_SECRET_ID", "API_URL", "BREWSYNC_PREFIX"} <= tf


def test_worker_command_is_the_same_in_terraform_and_the_image():
    assert terraform_worker_command() == WORKER_COMMAND
    assert 'CMD ["python", "-m", "sync_runtime.worker"]' in DOCKERFILE


@pytest.fixture
def stack(moto_server):
    prefix = f"ct-{uuid.uuid4().hex[:6]}"
    return provision(moto_server, prefix=prefix, bucket=f"{prefix}-bottles",
                     api_url="http://127.0.0.1:9/registry-api")


def test_dev_stack_provisions_what_terraform_sets(stack, aws):
    fn = aws.client("lambda").get_function_configuration(FunctionName=stack.names.lambda_function)
    lambda_env = fn["Environment"]["Variables"]
    assert set(lambda_env) == terraform_environment_keys("orchestrator") - {"PRUNE_AFTER_DAYS"}
    cfg = RuntimeConfig.from_env(lambda_env)
    assert cfg.api_url == stack.api_url and cfg.bucket == stack.bucket

    (container,) = aws.client("ecs").describe_task_definition(
        taskDefinition=stack.names.task_family)["taskDefinition"]["containerDefinitions"]
    assert container["name"] == stack.names.container_name == run_task_request(cfg, "r", 0)[
        "overrides"]["containerOverrides"][0]["name"]
    assert container["command"] == WORKER_COMMAND
    task_env = {e["name"]: e["value"] for e in container["environment"]}
    assert set(task_env) == terraform_environment_keys("worker") - UNUSED_BY_DESIGN
    # The worker a RunTask would start: task definition environment + the overrides, nothing else.
    for e in run_task_request(cfg, "20261129T030000Z-abcdef", 1)["overrides"]["containerOverrides"][0]["environment"]:
        task_env[e["name"]] = e["value"]
    worker = WorkerConfig.from_env(task_env)
    assert (worker.bucket, worker.api_url, worker.slack_secret_id, worker.prefix) == (
        cfg.bucket, cfg.api_url, cfg.slack_secret_id, cfg.prefix)
    assert (worker.run_id, worker.shard) == ("20261129T030000Z-abcdef", 1)
