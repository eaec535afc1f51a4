"""`brewsync dev`: the fault list, the Slack webhook receiver, and a detached stack end to end
(up → exports → break → doctor → reset → down) through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.faults import FAULTS
from brewsync_ops.devstack.webhook import WebhookReceiver

ENTRY = [sys.executable, "-c", "from brewsync_ops.cli import app; app()"]


def test_break_list_names_every_fault_first():
    result = CliRunner().invoke(app, ["dev", "break", "--list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(FAULTS)
    assert all(len(line.split(None, 1)) == 2 for line in lines)


def test_break_without_a_stack_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["dev", "break", "schedule.rule-disabled"],
                                env={"BREWSYNC_STATE_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert result.output.startswith("brewsync: error: no local stack running")


def test_webhook_receiver_records_and_misbehaves_on_request():
    with WebhookReceiver() as hook:
        assert requests.post(hook.url, json={"text": "hi"}, timeout=5).status_code == 200
        assert hook.messages == [{"text": "hi"}]
        hook.set_status(500)
        assert requests.post(hook.url, json={"text": "again"}, timeout=5).status_code == 500
        requests.post(hook.control_url, json={"status": 404}, timeout=5)
        assert requests.post(hook.url, json={"text": "x"}, timeout=5).status_code == 404
        hook.reset()
        hook.set_delay(0.3)
        with pytest.raises(requests.Timeout):
            requests.post(hook.url, json={"text": "slow"}, timeout=0.1)
        hook.set_delay(0)
        assert requests.post(hook.base_url + "/services/T1/B1/wrong", json={}, timeout=5).status_code == 404
        assert requests.post(hook.url, data=b"not json", timeout=5).status_code == 400


def test_detached_stack_end_to_end(tmp_path):
    env = dict(os.environ, BREWSYNC_STATE_DIR=str(tmp_path), NO_COLOR="1")
    for key in ("AWS_ENDPOINT_URL", "BREWSYNC_BUCKET"):
        env.pop(key, None)
    up = subprocess.run(ENTRY + ["dev", "up", "--detach"], capture_output=True, text=True, env=env, timeout=90)
    assert up.returncode == 0, up.stderr
    try:
        exports = dict(line.removeprefix("export ").split("=", 1) for line in up.stdout.strip().splitlines())
        assert list(exports) == ["AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                                 "AWS_SECRET_ACCESS_KEY", "BREWSYNC_BUCKET", "BREWSYNC_API_URL"]
        assert exports["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        assert json.loads((tmp_path / "dev.json").read_text())["ready"] is True
        stack_env = dict(env, **exports)

        broke = subprocess.run(ENTRY + ["dev", "break", "ecs.task-failed"], capture_output=True, text=True,
                               env=stack_env, timeout=30)
        assert broke.returncode == 0, broke.stderr
        doctor = CliRunner().invoke(app, ["doctor", "--only", "ecs", "--json"], env=exports)
        assert doctor.exit_code == 1, doctor.output
        failed = [f for f in json.loads(doctor.stdout)["findings"] if f["id"] == "ecs.task-failed"][0]
        assert failed["status"] == "fail" and "exit 137" in failed["evidence"]

        reset = subprocess.run(ENTRY + ["dev", "reset"], capture_output=True, text=True, env=stack_env, timeout=30)
        assert reset.returncode == 0, reset.stderr
        healthy = CliRunner().invoke(app, ["doctor", "--json"], env=exports)
        assert healthy.exit_code == 0, healthy.output
    finally:
        down = subprocess.run(ENTRY + ["dev", "down"], capture_output=True, text=True, env=env, timeout=30)
    assert down.returncode == 0, down.stderr
    assert not (tmp_path / "dev.json").exists()
