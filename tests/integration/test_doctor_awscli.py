"""The real `aws` CLI against the same moto-server stack: the runbook's own commands answer
verbatim on a default stack, and a `doctor --fix` is visible to `aws` afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.faults import FAULTS
from brewsync_ops.devstack.stack import provision, reset_moto

pytestmark = pytest.mark.skipif(shutil.which("aws") is None, reason="the aws CLI is not installed")


@pytest.fixture(scope="module")
def stack(moto_server):
    reset_moto(moto_server)
    return provision(moto_server)


def aws(stack, *args: str) -> str:
    env = dict(os.environ, AWS_MAX_ATTEMPTS="1", AWS_DEFAULT_REGION=stack.region, AWS_PAGER="")
    proc = subprocess.run(["aws", "--endpoint-url", stack.endpoint, *args], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_runbook_commands_answer_verbatim(stack):
    functions = json.loads(aws(stack, "lambda", "list-functions", "--query",
                               "Functions[?contains(FunctionName, `homebrew`)]"))
    assert [f["FunctionName"] for f in functions] == ["homebrew-sync-orchestrator"]
    assert functions[0]["Timeout"] == 900 and functions[0]["MemorySize"] == 2048
    assert {"BUCKET", "SIZE_THRESHOLD_GB", "ECS_CLUSTER", "TASK_DEFINITION", "SUBNETS", "SECURITY_GROUPS",
            "SLACK_SECRET_ID", "API_URL", "BREWSYNC_PREFIX", "TAGS", "SHARD_COUNT"} <= set(
        functions[0]["Environment"]["Variables"])

    rule = json.loads(aws(stack, "events", "describe-rule", "--name", "homebrew-sync-schedule"))
    assert rule["ScheduleExpression"] == "cron(0 3 ? * SUN *)" and rule["State"] == "ENABLED"

    clusters = json.loads(aws(stack, "ecs", "list-clusters"))["clusterArns"]
    assert any(c.endswith("cluster/homebrew-sync") for c in clusters)

    assert stack.bucket in aws(stack, "s3", "ls")
    assert "bottles_hash.json" in aws(stack, "s3", "ls", f"s3://{stack.bucket}/")

    targets = json.loads(aws(stack, "events", "list-targets-by-rule", "--rule", "homebrew-sync-schedule"))
    assert targets["Targets"][0]["Arn"].endswith(":function:homebrew-sync-orchestrator")


def test_fix_lands_where_aws_sees_it(stack):
    FAULTS["schedule.rule-disabled"].inject(stack)
    assert json.loads(aws(stack, "events", "describe-rule", "--name", "homebrew-sync-schedule"))["State"] == "DISABLED"
    result = CliRunner().invoke(app, ["doctor", "--only", "schedule", "--fix", "--yes", "--json"],
                                env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 0, result.output
    assert json.loads(aws(stack, "events", "describe-rule", "--name", "homebrew-sync-schedule"))["State"] == "ENABLED"
