"""`--from-terraform DIR` learns bucket, region and prefix from `terraform output -json`."""

from __future__ import annotations

import json
import os
import stat

from typer.testing import CliRunner

from brewsync_ops.cli import app


def fake_terraform(tmp_path, outputs: dict, monkeypatch, rc: int = 0):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    body = json.dumps({k: {"sensitive": False, "type": "string", "value": v} for k, v in outputs.items()})
    script.write_text(f"#!/bin/sh\n[ \"$1\" = output ] || exit 1\ncat <<'EOF'\n{body}\nEOF\nexit {rc}\n"
                      if rc == 0 else "#!/bin/sh\necho 'Error: no state' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "tf").mkdir()
    return str(tmp_path / "tf")


def test_settings_come_from_terraform_outputs(tmp_path, monkeypatch, moto_reset):
    import boto3

    boto3.client("s3", endpoint_url=moto_reset, region_name="us-east-1").create_bucket(Bucket="tf-mirror")
    tf = fake_terraform(tmp_path, {"bucket": "tf-mirror", "region": "us-east-1", "prefix": "acme-sync"}, monkeypatch)
    r = CliRunner().invoke(app, ["--endpoint-url", moto_reset, "--from-terraform", tf, "hash", "show", "--json"])
    # The bucket came from Terraform: it is the one asked (and it has no index yet).
    assert "tf-mirror" in (r.stdout + r.stderr)
    r = CliRunner().invoke(app, ["--endpoint-url", moto_reset, "--from-terraform", tf, "schedule", "status", "--json"])
    assert "acme-sync-schedule" in r.stdout  # the prefix came from Terraform too


def test_terraform_failure_is_one_line_exit_2(tmp_path, monkeypatch):
    tf = fake_terraform(tmp_path, {}, monkeypatch, rc=1)
    r = CliRunner().invoke(app, ["--from-terraform", tf, "doctor"])
    assert r.exit_code == 2
    assert r.stderr.startswith("brewsync: error: terraform output failed") and "no state" in r.stderr
    r = CliRunner().invoke(app, ["--from-terraform", str(tmp_path / "nope"), "doctor"])
    assert r.exit_code == 2 and "not a directory" in r.stderr
