"""`brewsync doctor` and the per-area commands as a user meets them: exit codes, one-line usage
errors, no AWS access, unknown instead of a false pass, and the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app


@pytest.fixture(scope="module")
def stack(moto_server):
    import logging

    from brewsync_ops.devstack.stack import provision, reset_moto

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    reset_moto(moto_server)
    return provision(moto_server)


def run(*args: str, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(app, list(args), env=env or {}, input=input)


@pytest.mark.parametrize("args", [
    ["doctor", "--only", "nonsense"],
    ["doctor", "--query", "findings[?"],
    ["lambda", "tune", "--timeout", "abc"],
    ["lambda", "tune", "--timeout", "5000"],
    ["lambda", "tune"],
    ["lambda", "metrics", "--days", "0"],
    ["schedule", "set-cron", "cron(0 3 * * SUN *)"],
    ["schedule", "set-cron", "every sunday"],
    ["network", "probe", "--timeout", "-1"],
    ["dev", "break", "no.such-fault"],
    ["--prefix", "Bad_Prefix", "doctor"],
])
def test_bad_option_values_give_one_line_and_exit_2(stack, args):
    result = run(*args, env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("brewsync: error: "), result.output
    assert len([line for line in lines if not line.startswith("hint:")]) == 1, result.output


def test_no_aws_access_exits_4():
    result = run("doctor", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:1"})
    assert result.exit_code == 4, result.output
    assert "cannot reach AWS" in result.output


def test_cannot_ask_is_unknown_never_a_pass(stack, monkeypatch):
    """AccessDenied on IAM, and moto's HTTP 500 for what it does not implement, give unknown."""
    from botocore.exceptions import ClientError

    from brewsync_ops.checks import _base

    real = _base.Deployment.client

    class Refusing:
        def __init__(self, inner, code):
            self._inner, self._code = inner, code

        def __getattr__(self, name):
            def refuse(**_kw):
                raise ClientError({"Error": {"Code": self._code, "Message": "no"}}, name)
            return refuse

    def client(self, service):
        inner = real(self, service)
        return {"iam": Refusing(inner, "AccessDenied"), "efs": Refusing(inner, "500")}.get(service, inner)

    monkeypatch.setattr(_base.Deployment, "client", client)
    result = run("doctor", "--only", "s3,perf", "--json", env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 0, result.output
    found = {f["id"]: f for f in json.loads(result.stdout)["findings"]}
    assert found["s3.role-policy-missing"]["status"] == "unknown"
    assert "access denied" in found["s3.role-policy-missing"]["evidence"]
    assert found["perf.efs-throughput"]["status"] == "unknown"
    assert "not implemented" in found["perf.efs-throughput"]["evidence"]


@pytest.mark.parametrize("args", [
    ["schedule", "status"], ["lambda", "status"], ["ecs", "status"], ["s3", "check", "--write-probe"],
    ["s3", "region"], ["slack", "check"], ["network", "check"], ["perf"],
])
def test_area_commands_on_a_healthy_stack(stack, args):
    result = run(*args, "--json", env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["healthy"] and data["findings"]


def test_action_commands_round_trip(stack):
    env = {"AWS_ENDPOINT_URL": stack.endpoint}
    assert run("schedule", "disable", env=env).exit_code == 0
    assert run("schedule", "status", "--json", env=env).exit_code == 1
    assert run("schedule", "enable", env=env).exit_code == 0
    assert run("schedule", "set-cron", "cron(0 3 ? * SUN *)", env=env).exit_code == 0
    result = run("lambda", "tune", "--timeout", "900", "--memory", "2048", "--json", "--query", "result", env=env)
    assert result.exit_code == 0 and "Timeout=900" in result.stdout
    assert run("network", "allow-egress", env=env).exit_code == 0
    assert run("lambda", "metrics", "--json", env=env).exit_code == 0
    assert run("ecs", "capacity", "--json", env=env).exit_code == 0
    assert run("ecs", "tasks", "--json", env=env).exit_code == 0
    assert run("slack", "test", "--via-lambda", env=env).exit_code == 0
    policy = run("s3", "policy", "--json", "--query", "roles", env=env)
    assert policy.exit_code == 0 and all(all(v.values()) for v in json.loads(policy.stdout).values())


def test_set_webhook_never_echoes_the_url(stack):
    env = {"AWS_ENDPOINT_URL": stack.endpoint}
    url = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/s3cr3tT0kenValue42"
    result = run("slack", "set-webhook", env=env, input=url + "\n")
    assert result.exit_code == 0, result.output
    assert "s3cr3tT0kenValue42" not in result.output
    bad = run("slack", "set-webhook", "--url", "https://example.com/x", env=env)
    assert bad.exit_code == 2
    check = run("slack", "check", "--json", env=env)
    assert check.exit_code == 0 and "s3cr3tT0kenValue42" not in check.output


def test_network_probe_is_unknown_where_tasks_do_not_run(stack):
    result = run("network", "probe", "--timeout", "1", "--json", env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 0, result.output
    probe = json.loads(result.stdout)["findings"][0]
    assert probe["id"] == "network.probe" and probe["status"] == "unknown"


def test_help_of_the_real_entry_point_is_fast_and_lists_commands():
    proc = subprocess.run([sys.executable, "-c", "from brewsync_ops.cli import app; app()", "--help"],
                          capture_output=True, text=True, timeout=30, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    for command in ("doctor", "schedule", "lambda", "ecs", "s3", "slack", "network", "perf", "dev"):
        assert command in proc.stdout
    assert "boto3" not in proc.stderr
