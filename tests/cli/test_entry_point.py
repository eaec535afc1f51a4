"""The real entry point in a subprocess: exit codes reach the shell, never a traceback.

CliRunner turns any exception into exit code 1, so a command that exits the wrong way can look
right there; these run `python -m brewsync_ops` as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def brewsync(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "brewsync_ops", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1", **(env or {})})


def test_doctor_with_findings_exits_1_cleanly(moto_reset):
    r = brewsync("doctor", "--only", "schedule", env={"AWS_ENDPOINT_URL": moto_reset})
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "schedule.rule-missing" in r.stdout


def test_alarms_status_with_findings_exits_1_cleanly(moto_reset):
    r = brewsync("alarms", "status", env={"AWS_ENDPOINT_URL": moto_reset})
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [["sync", "--concurrency", "0", "--to", "x"], ["nope"], ["--prefix", "BAD PREFIX", "doctor"]])
def test_usage_errors_exit_2_with_one_line(args):
    r = brewsync(*args)
    assert r.returncode == 2
    assert r.stderr.startswith("brewsync: error: ") and "Traceback" not in r.stderr


def test_no_aws_access_exits_4():
    r = brewsync("doctor", "--only", "schedule", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert r.returncode == 4, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
