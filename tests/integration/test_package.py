"""`brewsync package`: the Lambda zip runs its handler in a clean virtualenv with only boto3.

The virtualenv is created once per test session (``python -m venv`` + ``pip install boto3``,
no system site-packages); when pip cannot install boto3 the test skips and says why.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.webhook import WebhookReceiver
from sync_runtime.aws import AwsClients

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, os, sys
zip_path = sys.argv[1]
sys.path.insert(0, zip_path)
import importlib.util
for absent in ("typer", "rich", "moto", "brewsync_ops"):
    assert importlib.util.find_spec(absent) is None, absent + " must not be importable here"
import requests, sync_runtime.orchestrator as orch, sync_runtime.worker  # noqa: F401
assert requests.__file__.startswith(zip_path), requests.__file__
assert orch.__file__.startswith(zip_path), orch.__file__
import boto3  # from the venv, as in Lambda
assert "site-packages" in boto3.__file__

class Ctx:
    aws_request_id = "req-zip"
    def get_remaining_time_in_millis(self):
        return 900_000

out = {"rejected": orch.handler({"source": "manual", "bogus": 1}, Ctx()),
       "test": orch.handler({"source": "notification-test"}, Ctx())}
print("RESULT " + json.dumps(out))
"""


@pytest.fixture(scope="session")
def boto3_only_venv(tmp_path_factory) -> Path:
    """A virtualenv with boto3 and nothing else (cached for the session)."""
    venv = tmp_path_factory.mktemp("lambda-venv") / "venv"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot create a virtualenv: {exc}")
    python = venv / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "boto3"], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.skip(f"pip could not install boto3 into a clean virtualenv (no package index?): "
                    f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    return python


def test_package_builds_a_small_reproducible_zip_and_the_worker_context(tmp_path):
    out = tmp_path / "dist" / "brewsync-lambda.zip"
    worker = tmp_path / "dist" / "worker"
    result = CliRunner().invoke(app, ["package", "--out", str(out), "--worker-dir", str(worker), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["zip_bytes"] == out.stat().st_size < 5 * 1024 * 1024
    assert data["handler"] == "sync_runtime.orchestrator.handler"
    names = zipfile.ZipFile(out).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"sync_runtime", "requests", "urllib3", "idna", "charset_normalizer", "certifi"}
    assert "sync_runtime/orchestrator.py" in names and "certifi/cacert.pem" in names
    assert not [n for n in names if n.endswith((".pyc", ".so")) or "__pycache__" in n]
    first = out.read_bytes()
    CliRunner().invoke(app, ["package", "--out", str(out), "--no-worker"])
    assert out.read_bytes() == first  # reproducible
    dockerfile = (worker / "Dockerfile").read_text()
    assert "-slim" in dockerfile.split("FROM ", 1)[1].splitlines()[0]
    assert "USER 10001" in dockerfile and "useradd" in dockerfile
    assert 'CMD ["python", "-m", "sync_runtime.worker"]' in dockerfile
    assert (worker / "sync_runtime" / "worker.py").is_file()
    assert {line.split("==")[0] for line in (worker / "requirements.txt").read_text().split()} == {"boto3", "requests"}


def test_the_zip_runs_its_handler_with_only_boto3(tmp_path, boto3_only_venv, moto_server):
    out = tmp_path / "brewsync-lambda.zip"
    result = CliRunner().invoke(app, ["package", "--out", str(out), "--no-worker"])
    assert result.exit_code == 0, result.output
    aws = AwsClients(endpoint_url=moto_server, region="us-east-1")
    with WebhookReceiver() as receiver:
        secret = f"zip-test-{uuid.uuid4().hex[:8]}/slack-webhook"
        aws.client("secretsmanager").create_secret(Name=secret, SecretString=receiver.url)
        env = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "PATH", "HOME", "LANG"))}
        env.update({"AWS_ENDPOINT_URL": moto_server, "BUCKET": "zip-test-bucket", "TAGS": "arm64_sonoma",
                    "SHARD_COUNT": "1", "ECS_CLUSTER": "homebrew-sync", "TASK_DEFINITION": "homebrew-bottles-sync",
                    "SUBNETS": "subnet-0123abcd", "SECURITY_GROUPS": "sg-0123abcd", "SLACK_SECRET_ID": secret,
                    "PYTHONNOUSERSITE": "1"})
        proc = subprocess.run([str(boto3_only_venv), "-I", "-c", PROBE, str(out)], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr[-2000:]
        (line,) = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        got = json.loads(line[len("RESULT "):])
        assert got["rejected"]["status"] == "rejected" and "bogus" in got["rejected"]["error"]
        assert got["test"] == {"ok": True, "status": "sent"}
        assert len(receiver.messages) == 1 and "test message" in receiver.messages[0]["text"]
        assert receiver.path not in proc.stdout + proc.stderr
