"""`brewsync trigger` and `brewsync recover` against the local stack: invoking the orchestrator
really runs a sync (devstack/lambda_runner.py), on the moto server, from the local registry."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack import lambda_runner
from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry
from brewsync_ops.devstack.stack import clients, provision, reset_moto
from brewsync_ops.devstack.webhook import WebhookReceiver
from sync_runtime.names import INDEX_KEY



@pytest.fixture(scope="module")
def registry():
    with LocalRegistry(generate_catalog(count=8, seed=5)) as reg:
        yield reg


@pytest.fixture(scope="module")
def webhook():
    with WebhookReceiver() as rec:
        yield rec


@pytest.fixture
def stack(moto_server, registry, webhook):
    reset_moto(moto_server)
    webhook.reset()
    webhook.clear()
    registry.reset_stats()
    info = provision(moto_server, webhook_url=webhook.url, api_url=registry.api_url)
    runner = lambda_runner.install(info)
    yield info, runner
    runner.join()
    lambda_runner.uninstall(info.names.lambda_function)


def run(info, *args, **kw):
    env = {"AWS_ENDPOINT_URL": info.endpoint, "BREWSYNC_BUCKET": info.bucket, "BREWSYNC_API_URL": info.api_url}
    return CliRunner().invoke(app, list(args), env=env, **kw)


def s3(info):
    return clients(info.endpoint, info.region)("s3")


def keys(info, prefix=""):
    pages = s3(info).get_paginator("list_objects_v2").paginate(Bucket=info.bucket, Prefix=prefix)
    return {o["Key"] for p in pages for o in p.get("Contents", [])}


def index(info) -> dict:
    return json.loads(s3(info).get_object(Bucket=info.bucket, Key=INDEX_KEY)["Body"].read())


def test_trigger_wait_runs_a_whole_sync_on_the_local_stack(stack, webhook):
    info, runner = stack
    assert not keys(info, "v2/")
    result = run(info, "trigger", "--wait")
    assert result.exit_code == 0, result.output
    assert "completed" in result.stdout and "copied" in result.stdout
    (inv,) = runner.invocations
    assert json.loads(inv["event"]) == {"source": "manual", "rebuild_hash": False, "dry_run": False, "formulae": []}
    run_id = inv["result"]["run_id"]
    # bottles landed, the index and the report were written, the log lines were followed
    blobs = [k for k in keys(info, "v2/") if "/blobs/" in k]
    assert blobs and len(index(info)["bottles"]) >= len(blobs)
    assert f"runs/{run_id}/report.json" in keys(info, "runs/")
    assert f"Run {run_id} (manual) started" in result.stderr
    assert "REPORT RequestId" in result.stderr
    assert any("succeeded" in m["text"] for m in webhook.messages)
    # the JSON outcome of a second run: nothing new to copy
    again = run(info, "trigger", "--wait", "--json")
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["status"] == "completed" and data["report"]["copied"] == 0


def test_trigger_rebuild_sends_exactly_the_runbook_payload(stack):
    info, runner = stack
    result = run(info, "trigger", "--rebuild", "--dry-run", "--formula", "openssl@3", "--formula", "gtk+3",
                 "--wait", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invocations[-1]["event"]) == {
        "source": "manual", "rebuild_hash": True, "dry_run": True, "formulae": ["openssl@3", "gtk+3"]}
    assert json.loads(result.stdout)["status"] == "dry-run"
    run(info, "trigger", "--rebuild", "--wait")
    assert json.loads(runner.invocations[-1]["event"]) == {
        "source": "manual", "rebuild_hash": True, "dry_run": False, "formulae": []}


def test_trigger_without_wait_is_asynchronous_and_still_runs(stack):
    info, runner = stack
    result = run(info, "trigger")
    assert result.exit_code == 0, result.output
    assert "invoked asynchronously" in result.stdout
    runner.join()
    assert runner.invocations and not runner.invocations[-1]["error"]
    assert [k for k in keys(info, "v2/") if "/blobs/" in k]


def test_trigger_bad_formula_name_is_refused_before_invoking(stack):
    info, runner = stack
    result = run(info, "trigger", "--formula", "../etc", "--wait")
    assert result.exit_code == 2 and "not a valid Homebrew formula name" in result.stderr
    assert runner.invocations == []


def test_a_failed_run_exits_1_with_its_reason(stack):
    info, runner = stack
    s3(info).put_object(Bucket=info.bucket, Key=INDEX_KEY, Body=b"{broken")
    result = run(info, "trigger", "--wait")
    assert result.exit_code == 1, result.output
    assert "run failed" in result.stdout and "not JSON" in result.stdout


def test_recover_yes_on_a_deleted_index(stack, registry):
    info, runner = stack
    assert run(info, "trigger", "--wait").exit_code == 0
    before = index(info)["bottles"]
    s3(info).delete_object(Bucket=info.bucket, Key=INDEX_KEY)

    result = run(info, "recover", "--yes")
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invocations[-1]["event"])["source"] == "recovery"
    after = index(info)["bottles"]
    assert set(after) >= set(before)  # every bottle back, nothing downloaded again
    assert run(info, "hash", "validate", "--against-store").exit_code == 0
    run_id = runner.invocations[-1]["result"]["run_id"]
    report = json.loads(s3(info).get_object(Bucket=info.bucket, Key=f"runs/{run_id}/report.json")["Body"].read())
    assert report["failed"] == 0 and report["copied"] == 0
    assert "completed" in result.stdout


def test_wait_ends_when_every_worker_task_stopped_without_a_report(tmp_path, monkeypatch):
    """Workers that die (image pull, OOM) never write the report: --wait must say so, not wait
    out its whole --timeout (an hour by default)."""
    import time as _time

    from brewsync_ops.commands import trigger as trig
    from sync_runtime.stores import FolderStore

    class FakeEcs:
        def __init__(self):
            self.calls = 0

        def describe_tasks(self, cluster, tasks):
            self.calls += 1
            status = "RUNNING" if self.calls == 1 else "STOPPED"
            return {"tasks": [{"taskArn": f"arn:aws:ecs:r:1:task/c/{t}", "lastStatus": status,
                               "stoppedReason": "CannotPullContainerError: pull access denied",
                               "containers": [{"exitCode": None}]} for t in tasks]}

    class Ctx:
        ecs = FakeEcs()

        def client(self, name):
            assert name == "ecs"
            return self.ecs

    class Dep:
        def __init__(self, actx):
            pass

        def cluster(self):
            return "homebrew-sync"

    monkeypatch.setattr("brewsync_ops.checks.Deployment", Dep)
    actx = Ctx()
    store = FolderStore(tmp_path)
    started = _time.monotonic()
    with pytest.raises(trig.RunStopped, match="CannotPullContainerError"):
        trig.wait_for_report(actx, "20261129T030000Z-abcdef", timeout=60, poll_s=0.01, store=store,
                             stopped=lambda: trig.tasks_stopped(actx, ["t1", "t2"]), stopped_every=0.05)
    assert _time.monotonic() - started < 5 and actx.ecs.calls == 2
    # a report written by the last shard just before it stopped still wins
    store.put_bytes("runs/20261129T030000Z-abcdef/report.json", b'{"failed": 0}')
    assert trig.wait_for_report(actx, "20261129T030000Z-abcdef", timeout=60, poll_s=0.01, store=store,
                                stopped=lambda: "all stopped", stopped_every=0.0) == {"failed": 0}
