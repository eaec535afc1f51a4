"""`brewsync bundle`: one .tar.gz with doctor, 24 h of both log groups, configurations, Terraform
outputs and versions — and no secret anywhere in it (grepped after extraction)."""

from __future__ import annotations

import json
import os
import stat
import tarfile
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.commands.bundle import mask_secret_keys, secret_values
from brewsync_ops.devstack.stack import clients, provision, put_log_lines, reset_moto
from sync_runtime.names import Names

N = Names()
TOKEN = "bundleSECRETtoken0123456789"
WEBHOOK = f"https://hooks.slack.com/services/T0BUNDLE0/B0BUNDLE0/{TOKEN}"


@pytest.fixture(scope="module")
def stack(moto_server):
    reset_moto(moto_server)
    info = provision(moto_server, webhook_url=WEBHOOK)
    client = clients(moto_server)
    now = datetime.now(timezone.utc)
    put_log_lines(client, N.lambda_log_group, "2026/11/29/[$LATEST]leak", [
        '{"level": "ERROR", "message": "could not post to ' + WEBHOOK + '"}',
        f"raw token in a line: {TOKEN}",
        "REPORT RequestId: cafe\tDuration: 1000.00 ms\tBilled Duration: 1000 ms\tMemory Size: 2048 MB\tMax Memory Used: 100 MB",
    ], now - timedelta(hours=2))
    put_log_lines(client, N.ecs_log_group, "worker/worker/1", ['{"level": "INFO", "message": "Downloaded bottle '
                                                               'wget-1.25.0.arm64_sonoma.bottle.tar.gz (10 bytes, ab)"}'],
                  now - timedelta(hours=1))
    put_log_lines(client, N.ecs_log_group, "worker/worker/old", ["older than a day"], now - timedelta(hours=30))
    # a secret that leaked into the function's environment under a telling name
    lam = client("lambda")
    env = lam.get_function_configuration(FunctionName=N.lambda_function)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=N.lambda_function,
                                      Environment={"Variables": {**env, "SLACK_WEBHOOK_URL": WEBHOOK}})
    return info


@pytest.fixture
def fake_terraform(tmp_path, monkeypatch):
    """A `terraform` on PATH that answers `output -json` (one sensitive output holds the secret)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    outputs = {"bucket": {"sensitive": False, "type": "string", "value": "homebrew-sync-bottles-123456789012"},
               "slack_webhook": {"sensitive": True, "type": "string", "value": WEBHOOK}}
    script = bin_dir / "terraform"
    script.write_text("#!/bin/sh\nif [ \"$1\" = output ]; then cat <<'EOF'\n" + json.dumps(outputs)
                      + "\nEOF\nelse echo '{\"terraform_version\": \"1.9.0\"}'; fi\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    tf_dir = tmp_path / "tf"
    tf_dir.mkdir()
    return tf_dir


def test_bundle_has_every_member_and_no_secret(stack, tmp_path, fake_terraform):
    out = tmp_path / "support.tar.gz"
    result = CliRunner().invoke(app, ["bundle", "--terraform", str(fake_terraform), "-o", str(out), "--json"],
                                env={"AWS_ENDPOINT_URL": stack.endpoint, "BREWSYNC_BUCKET": stack.bucket})
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    with tarfile.open(out) as tar:
        names = tar.getnames()
        root = names[0].split("/")[0]
        assert root.startswith("brewsync-bundle-") and all(n.startswith(root + "/") for n in names)
        tar.extractall(tmp_path / "x", filter="data")
    files = {p.relative_to(tmp_path / "x" / root).as_posix(): p.read_text()
             for p in (tmp_path / "x" / root).rglob("*") if p.is_file()}
    expected = {"doctor.json", "logs/lambda.log", "logs/ecs.log", "config/lambda-function.json",
                "config/lambda-policy.json", "config/ecs-task-definition.json", "config/ecs-cluster.json",
                "config/eventbridge-rules.json", "config/s3-bucket.json", "config/iam-roles.json",
                "config/alarms.json", "config/slack-secret-metadata.json", "terraform-outputs.json",
                "versions.json", "manifest.json"}
    assert expected <= set(files), sorted(expected - set(files))
    assert summary["errors"] == {}, summary["errors"]

    # no secret: not the value, not its token, not any webhook URL
    for name, text in files.items():
        assert WEBHOOK not in text, name
        assert TOKEN not in text, name
        assert "T0BUNDLE0/B0BUNDLE0" not in text, name
        assert "hooks.slack.com/services/" not in text, name
    assert "aws_secret_access_key" not in files["versions.json"].lower()

    doctor = json.loads(files["doctor.json"])
    assert "findings" in doctor and {f["area"] for f in doctor["findings"]} >= {"schedule", "lambda", "s3", "monitoring"}
    assert "could not post to" in files["logs/lambda.log"] and "REPORT RequestId: cafe" in files["logs/lambda.log"]
    assert "Downloaded bottle wget" in files["logs/ecs.log"] and "older than a day" not in files["logs/ecs.log"]
    fn = json.loads(files["config/lambda-function.json"])
    env = fn["Configuration"]["Environment"]["Variables"]
    assert env["SLACK_WEBHOOK_URL"] == "…redacted" and env["SLACK_SECRET_ID"] == N.slack_secret
    assert "Location" not in fn.get("Code", {})
    td = json.loads(files["config/ecs-task-definition.json"])
    assert td["taskDefinition"]["family"] == N.task_family
    rules = json.loads(files["config/eventbridge-rules.json"])
    assert rules[N.schedule_rule]["rule"]["ScheduleExpression"] == "cron(0 3 ? * SUN *)"
    bucket = json.loads(files["config/s3-bucket.json"])
    assert bucket["versioning"]["Status"] == "Enabled" and bucket["bucket"] == stack.bucket
    iam = json.loads(files["config/iam-roles.json"])
    assert set(iam) == {N.lambda_role, N.ecs_task_role, N.ecs_execution_role}
    assert all(iam[r]["inline_policies"] for r in iam)
    alarms = json.loads(files["config/alarms.json"])
    assert {a["AlarmName"] for a in alarms["alarms"]} == set(N.alarms)
    tf = json.loads(files["terraform-outputs.json"])
    assert tf["bucket"]["value"] == "homebrew-sync-bottles-123456789012"
    assert tf["slack_webhook"] == {"sensitive": True, "value": "…redacted"}
    versions = json.loads(files["versions.json"])
    assert versions["brewsync"] and versions["boto3"] and versions["python"] and versions["terraform"] == "1.9.0"
    assert json.loads(files["manifest.json"])["errors"] == {}


def test_bundle_default_name_and_human_output(stack, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["bundle"], env={"AWS_ENDPOINT_URL": stack.endpoint,
                                                      "BREWSYNC_BUCKET": stack.bucket})
    assert result.exit_code == 0, result.output
    made = list(tmp_path.glob("brewsync-bundle-*.tar.gz"))
    assert len(made) == 1 and f"wrote {made[0].name}" in result.stdout


def test_bundle_bad_terraform_dir_is_one_line_exit_2(stack, tmp_path):
    result = CliRunner().invoke(app, ["bundle", "--terraform", str(tmp_path / "nope"), "-o", str(tmp_path / "b.tgz")],
                                env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 2
    assert result.stderr.startswith("brewsync: error: --terraform") and not (tmp_path / "b.tgz").exists()


def test_redaction_helpers():
    assert secret_values(WEBHOOK)[0] == WEBHOOK and TOKEN in secret_values(WEBHOOK)
    assert secret_values(None) == []
    data = {"Variables": {"SLACK_SECRET_ID": "x/slack-webhook", "API_TOKEN": "abc", "BUCKET": "b"},
            "environment": [{"name": "DB_PASSWORD", "value": "pw"}, {"name": "TAGS", "value": "t"}]}
    masked = mask_secret_keys(data)
    assert masked["Variables"] == {"SLACK_SECRET_ID": "x/slack-webhook", "API_TOKEN": "…redacted", "BUCKET": "b"}
    assert masked["environment"] == [{"name": "DB_PASSWORD", "value": "…redacted"}, {"name": "TAGS", "value": "t"}]


def test_a_json_secret_is_redacted_by_its_url():
    """The notifier accepts the secret as JSON {"webhook_url": …}: the URL inside it (on a host the
    generic patterns do not know) must not reach the bundle."""
    from brewsync_ops.commands.bundle import Bundle

    url = "https://chat.example.net/incoming/T0CORP/jsonSECRETtoken987654"
    secret = json.dumps({"webhook_url": url})
    b = Bundle("root", secret_values(secret))
    b.add_text("logs/lambda.log", f"ERROR could not post to {url}: HTTP 500\nretrying jsonSECRETtoken987654\n")
    text = b.members["logs/lambda.log"].decode()
    assert url not in text and "jsonSECRETtoken987654" not in text and "…redacted" in text
