"""What the on-call engineer meets at 3 a.m.: problems first, no false "healthy", no crash on odd
AWS text, fixes that work on real AWS (not only on moto). Each test would have caught a bug.

Most run the real `brewsync doctor` command with the checks replaced by canned findings (no AWS
needed); the ECS, network and Lambda ones call the check/remedy functions with fake clients."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from brewsync_ops.checks._base import CheckOptions, finding
from brewsync_ops.cli import app
from brewsync_ops.findings import Status

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1"}


@pytest.fixture
def canned(monkeypatch):
    """`brewsync doctor` with run_all returning the given findings and no pre-flight call."""
    from brewsync_ops import checks
    from brewsync_ops.commands import doctor

    holder: dict = {"findings": []}
    monkeypatch.setattr(doctor, "preflight", lambda dep: None)
    monkeypatch.setattr(checks, "run_all", lambda *a, **k: list(holder["findings"]))

    def use(*findings):
        holder["findings"] = list(findings)

    return use


def run(*args: str):
    return CliRunner().invoke(app, ["doctor", *args], env=ENV)


OK_ROWS = [finding("schedule", f"ok-{i}", Status.OK, f"fine number {i}") for i in range(5)]
DISABLED = finding("schedule", "rule-disabled", Status.FAIL, "the schedule rule is disabled",
                   evidence="State=DISABLED", fix="brewsync schedule enable")
QUOTA = finding("ecs", "fargate-quota", Status.UNKNOWN, "could not read the Fargate vCPU quota",
                evidence="service-quotas: NoSuchResource")


def test_table_shows_problems_and_unknowns_first_ok_rows_only_counted(canned):
    canned(*OK_ROWS, DISABLED, QUOTA)
    result = run()
    assert result.exit_code == 1, result.output
    assert "schedule.rule-disabled" in result.stdout and "brewsync schedule enable" in result.stdout
    assert "ecs.fargate-quota" in result.stdout  # unknown: the person must know what was not checked
    assert "fine number" not in result.stdout
    last = result.stdout.rstrip().splitlines()[-1]
    assert last.startswith("1 finding(s) to act on") and "5 ok row(s) not shown (--all" in last


@pytest.mark.parametrize("flag", ["--all", "--verbose"])
def test_all_shows_every_row_and_json_is_always_complete(canned, flag):
    canned(*OK_ROWS, DISABLED)
    full = run(flag)
    assert full.exit_code == 1 and all(f"fine number {i}" in full.stdout for i in range(5))
    assert "not shown" not in full.stdout
    data = json.loads(run("--json").stdout)
    assert len(data["findings"]) == 6


def test_all_unknown_is_not_healthy_but_no_access(canned):
    """A profile refused everywhere (AccessDenied, not 'no credentials') used to give exit 0 and
    'healthy: 0 checks passed'."""
    canned(*[finding(a, "x", Status.UNKNOWN, "could not check: access denied (AccessDenied)",
                     evidence="events describe-rule: access denied (AccessDenied)") for a in ("schedule", "s3")])
    result = run()
    assert result.exit_code == 4, result.output
    assert "healthy" not in result.output
    assert "access denied" in result.stderr


def test_unknown_rows_make_the_verdict_say_so_not_healthy(canned):
    canned(*OK_ROWS, QUOTA)
    result = run()
    assert result.exit_code == 0, result.output
    last = result.stdout.rstrip().splitlines()[-1]
    assert not last.startswith("healthy") and "1 could not be checked" in last


def test_aws_text_with_brackets_does_not_crash_the_table(canned):
    """rich reads '[...]' as markup: a stoppedReason like '... [/app] ...' raised MarkupError."""
    odd = finding("ecs", "task-failed", Status.FAIL, "1 task failed [/app]",
                  evidence="abc: exit 1 (Essential container [/app] exited [bold])", fix="brewsync ecs tasks")
    canned(odd)
    result = run()
    assert result.exit_code == 1, result.output
    assert "[/app]" in result.stdout and "[bold]" in result.stdout


def test_failed_remedy_message_is_printed_verbatim_not_as_markup(canned, monkeypatch):
    from brewsync_ops.checks import fixes

    def boom(_dep):
        raise RuntimeError("conflict on [/fn] [bold]")

    monkeypatch.setitem(fixes.REMEDIES, "schedule.rule-disabled", fixes.Remedy("enable", boom))
    canned(DISABLED)
    result = run("--fix", "--yes")
    assert result.exit_code == 1, result.output
    assert "could not fix schedule.rule-disabled: RuntimeError: conflict on [/fn] [bold]" in result.stderr


# ---- checks ---------------------------------------------------------------------------------

class FakeEcs:
    def __init__(self, stopped=(), running=()):
        self.tasks = {"STOPPED": list(stopped), "RUNNING": list(running)}

    def list_tasks(self, cluster, desiredStatus, maxResults):
        return {"taskArns": [t["taskArn"] for t in self.tasks[desiredStatus]]}

    def describe_tasks(self, cluster, tasks):
        every = self.tasks["STOPPED"] + self.tasks["RUNNING"]
        return {"tasks": [t for t in every if t["taskArn"] in tasks]}


def test_task_that_failed_to_start_is_a_failed_task():
    """CannotPullContainerError & co. stop a task with no exit code: it used to read 'no failed tasks'."""
    from brewsync_ops.checks.ecs import _tasks

    task = {"taskArn": "arn:aws:ecs:us-east-1:1:task/c/0123456789abcdef", "lastStatus": "STOPPED",
            "stopCode": "TaskFailedToStart",
            "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
            "containers": [{"name": "worker", "reason": "CannotPullContainerError"}]}
    opts = CheckOptions(now=datetime.now(timezone.utc))
    found = {f.id: f for f in _tasks(None, FakeEcs(stopped=[task]), "c", opts)}
    assert found["ecs.task-failed"].status is Status.FAIL
    assert "CannotPullContainerError" in found["ecs.task-failed"].evidence


def _dep_without_subnets():
    return SimpleNamespace(subnets=lambda: [], names=SimpleNamespace(prefix="homebrew-sync"),
                           client=lambda service: pytest.fail(f"no {service} call expected"))


def test_routes_are_unknown_not_ok_when_the_task_subnets_are_not_known():
    from brewsync_ops.checks.network import _routes

    f = _routes(_dep_without_subnets(), "vpc-1", {"nat-1"})
    assert f.status is Status.UNKNOWN


def test_efs_mounts_are_unknown_not_ok_when_the_task_subnets_are_not_known():
    from brewsync_ops.checks.ecs import _efs

    td = {"volumes": [{"name": "cache", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]}
    assert _efs(_dep_without_subnets(), td).status is Status.UNKNOWN


@pytest.mark.parametrize("timeout, wanted", [(300, "brewsync lambda tune --timeout 900"),
                                              (900, "size_threshold_gb")])
def test_timed_out_fix_is_not_a_no_op_at_the_maximum_timeout(timeout, wanted):
    from brewsync_ops.checks.lambda_ import timed_out_fix

    assert wanted in timed_out_fix(timeout)


class FakeLambda:
    """AWS refuses an update while the previous one is in progress (moto does not)."""

    def __init__(self):
        self.in_progress = 0
        self.updates: list[dict] = []

    def get_function_configuration(self, FunctionName):
        status = "InProgress" if self.in_progress else "Successful"
        self.in_progress = max(0, self.in_progress - 1)
        return {"FunctionName": FunctionName, "LastUpdateStatus": status,
                "Environment": {"Variables": {"SIZE_THRESHOLD_GB": "x"}}}

    def update_function_configuration(self, FunctionName, **kwargs):
        if self.in_progress:
            raise ClientError({"Error": {"Code": "ResourceConflictException", "Message": "in progress"}},
                              "UpdateFunctionConfiguration")
        self.updates.append(kwargs)
        self.in_progress = 2
        return {}


def test_fix_timeout_memory_and_routing_in_a_row_waits_for_each_update(monkeypatch):
    from brewsync_ops.checks import fixes
    from sync_runtime.names import Names

    monkeypatch.setattr("time.sleep", lambda _s: None)
    lam = FakeLambda()
    dep = SimpleNamespace(names=Names("homebrew-sync"), client=lambda service: lam)
    for fid in ("lambda.timeout-low", "lambda.memory-low", "lambda.routing-invalid"):
        fixes.REMEDIES[fid].apply(dep)
    assert [sorted(u) for u in lam.updates] == [["Timeout"], ["MemorySize"], ["Environment"]]
    assert lam.updates[-1]["Environment"]["Variables"]["SIZE_THRESHOLD_GB"] != "x"


def test_fix_without_an_answer_applies_nothing_and_still_reports(canned, monkeypatch):
    """`doctor --fix --json` with stdin closed (a pipe, cron) ended in 'Aborted.' with no report."""
    from brewsync_ops.checks import fixes

    monkeypatch.setitem(fixes.REMEDIES, "schedule.rule-disabled",
                        fixes.Remedy("enable", lambda _d: pytest.fail("applied without an answer")))
    canned(DISABLED)
    result = CliRunner().invoke(app, ["doctor", "--fix", "--json"], env=ENV, input="")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout[result.stdout.index("{"):])
    assert data["fixes"] == [{"id": "schedule.rule-disabled", "remedy": "enable", "applied": False,
                              "result": "skipped"}]
    assert "no answer" in result.stderr


def test_a_broken_index_names_the_version_to_restore(moto_reset):
    """hash.not-json's fix is the exact restore command of the newest valid version."""
    import json as _json

    import boto3
    from typer.testing import CliRunner

    from brewsync_ops.cli import app

    s3 = boto3.client("s3", endpoint_url=moto_reset, region_name="us-east-1")
    s3.create_bucket(Bucket="idx")
    s3.put_bucket_versioning(Bucket="idx", VersioningConfiguration={"Status": "Enabled"})
    good = s3.put_object(Bucket="idx", Key="bottles_hash.json", Body=_json.dumps(
        {"schema_version": 1, "last_updated": "2026-11-29T03:00:00Z", "bottles": {}}).encode())["VersionId"]
    s3.put_object(Bucket="idx", Key="bottles_hash.json", Body=b'{"half": ')
    r = CliRunner().invoke(app, ["doctor", "--only", "hash", "--json"],
                           env={"AWS_ENDPOINT_URL": moto_reset, "BREWSYNC_BUCKET": "idx"})
    found = {f["id"]: f for f in _json.loads(r.stdout)["findings"]}
    assert found["hash.not-json"]["status"] == "fail"
    assert found["hash.not-json"]["fix"] == f"brewsync hash restore --version {good}"
