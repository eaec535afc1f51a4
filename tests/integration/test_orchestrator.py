"""The deployed sync on a moto server: the Lambda handler, the ECS hand-off and the worker.

Everything runs in-process against the moto server, the local Homebrew-like registry and a local
Slack webhook receiver; nothing reaches the internet.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry
from brewsync_ops.devstack.webhook import WebhookReceiver
from sync_runtime import orchestrator, worker
from sync_runtime.aws import AwsClients
from sync_runtime.config import RuntimeConfig
from sync_runtime.errors import ConfigError
from sync_runtime.homebrew import HomebrewClient
from sync_runtime.names import INDEX_KEY, Names

from .conftest import TAGS
from .test_sync_s3 import expected_bottles

EVENTS = Path(__file__).resolve().parent.parent / "events"
NAMES = Names()


def event(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text())


class FakeContext:
    """What the Lambda runtime passes: a request id and the time left."""

    function_name = NAMES.lambda_function
    memory_limit_in_mb = 2048
    invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{NAMES.lambda_function}"

    def __init__(self, remaining_ms: int | None = 900_000, *, calls_before_low: int | None = None,
                 low_ms: int = 1_000, request_id: str = "req-0001"):
        self.aws_request_id = request_id
        self._remaining = remaining_ms
        self._calls_before_low = calls_before_low
        self._low = low_ms
        self.calls = 0

    def get_remaining_time_in_millis(self) -> int:
        self.calls += 1
        if self._calls_before_low is not None and self.calls > self._calls_before_low:
            return self._low
        return self._remaining


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def network(moto_server):
    """VPC (DNS hostnames on: moto's RunTask needs it), subnet, SG, cluster, task definition."""
    aws = AwsClients(endpoint_url=moto_server, region="us-east-1")
    ec2, ecs = aws.client("ec2"), aws.client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName=NAMES.security_group, Description="tasks", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName=NAMES.ecs_cluster)
    ecs.register_task_definition(
        family=NAMES.task_family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="1024", memory="2048",
        containerDefinitions=[{"name": NAMES.container_name, "image": "brewsync-worker:test",
                               "memory": 2048, "essential": True,
                               "command": ["python", "-m", "sync_runtime.worker"]}])
    return {"subnet": subnet, "sg": sg}


@pytest.fixture(scope="module")
def catalog():
    """Smaller than the shared one: these tests run many whole syncs."""
    return generate_catalog(count=12, seed=11)


@pytest.fixture(scope="module")
def _registry(catalog):
    with LocalRegistry(catalog) as reg:  # one per module, faults cleared per test
        yield reg


@pytest.fixture
def registry(_registry):
    _registry.clear_faults()
    _registry.reset_stats()
    yield _registry
    _registry.clear_faults()


@pytest.fixture(scope="module")
def _receiver():
    with WebhookReceiver() as rec:  # one per module: stopping one costs ~0.5 s
        yield rec


@pytest.fixture
def receiver(_receiver):
    _receiver.reset()
    _receiver.clear()
    yield _receiver


@pytest.fixture
def secret(aws, receiver):
    """A per-test secret holding the receiver's URL in the JSON form."""
    import uuid

    name = f"brewsync-test-{uuid.uuid4().hex[:8]}/slack-webhook"
    aws.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps({"webhook_url": receiver.url}))
    return name


@pytest.fixture
def env(monkeypatch, moto_server, bucket, registry, network, secret):
    values = {
        "BUCKET": bucket, "TAGS": ",".join(TAGS), "SIZE_THRESHOLD_GB": "20", "SHARD_COUNT": "2",
        "ECS_CLUSTER": NAMES.ecs_cluster, "TASK_DEFINITION": NAMES.task_family,
        "SUBNETS": network["subnet"], "SECURITY_GROUPS": network["sg"], "SLACK_SECRET_ID": secret,
        "API_URL": registry.api_url, "BREWSYNC_PREFIX": NAMES.prefix, "AWS_ENDPOINT_URL": moto_server,
        "CONCURRENCY": "4",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return values


@pytest.fixture
def run_task_calls(aws):
    """Every RunTask request the orchestrator sends, exactly as boto3 sends it."""
    calls: list[dict] = []
    aws.client("ecs").meta.events.register("provide-client-params.ecs.RunTask",
                                            lambda params, **_: calls.append(json.loads(json.dumps(params))))
    return calls


def keys(aws, bucket, prefix=""):
    pages = aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"] for p in pages for o in p.get("Contents", [])}


def read(aws, bucket, key):
    return json.loads(aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def emf(records: list[dict]) -> dict:
    """Metric name -> value over every EMF line (checking each is dimensionless HomebrewSync)."""
    out = {}
    for r in records:
        if "_aws" not in r:
            continue
        (directive,) = r["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "HomebrewSync" and directive["Dimensions"] == [[]]
        for m in directive["Metrics"]:
            out[m["Name"]] = r[m["Name"]]
    return out


def run_worker(env_values: dict, override: dict) -> int:
    worker_env = {k: env_values[k] for k in ("BUCKET", "SLACK_SECRET_ID", "API_URL", "BREWSYNC_PREFIX",
                                             "AWS_ENDPOINT_URL", "CONCURRENCY")}
    for var in override["environment"]:
        worker_env[var["name"]] = var["value"]
    return worker.main(env=worker_env)


# ------------------------------------------------------------------ the Lambda path

def test_scheduled_event_syncs_in_the_lambda(env, aws, bucket, catalog, receiver, capsys):
    result = orchestrator.handler(event("scheduled"), FakeContext())
    assert result["ok"] and result["status"] == "completed" and result["route"] == "lambda", result
    want = expected_bottles(catalog)
    assert result["copied"] == len(want) and result["failed"] == 0
    index = read(aws, bucket, INDEX_KEY)
    assert set(index["bottles"]) == set(want)
    stored = keys(aws, bucket)
    assert {f"bottles/{fn}" for fn in want} <= stored
    assert "api/formula.jws.json" in stored  # API files mirrored on the run
    run_id = result["run_id"]
    report = read(aws, bucket, f"runs/{run_id}/report.json")
    assert report["copied"] == len(want) and report["shards"] == 0
    # Slack: a start and a success message, Block Kit with a text fallback, no URL leaked.
    texts = [m["text"] for m in receiver.messages]
    assert len(texts) == 2 and "started" in texts[0] and "succeeded" in texts[1]
    assert all(m["blocks"] for m in receiver.messages)
    out = capsys.readouterr().out
    assert receiver.path not in out
    records = lines(out)
    metrics = emf(records)
    assert metrics["BottlesDownloaded"] == len(want) and metrics["BottlesFailed"] == 0
    assert metrics["SyncDuration"] >= 0 and metrics["PlanBytes"] > 0 and metrics["BytesDownloaded"] > 0
    downloaded = [r for r in records if str(r.get("message", "")).startswith("Downloaded bottle ")]
    assert len(downloaded) == len(want)
    assert all(r["run_id"] == run_id and r["request_id"] == "req-0001" for r in downloaded)

    # A second run: nothing to copy, still a report, a success message and a SyncDuration point.
    receiver.clear()
    again = orchestrator.handler(event("schedule_source"), FakeContext())
    assert again["status"] == "completed" and again["copied"] == 0 and again["plan"]["new"] == 0
    assert [m["text"].split(":")[0] for m in receiver.messages] == [f"Homebrew sync {again['run_id']} succeeded"]
    assert "SyncDuration" in emf(lines(capsys.readouterr().out))


def test_dry_run_writes_nothing(env, aws, bucket, receiver):
    result = orchestrator.handler(event("manual_dry_run"), FakeContext())
    assert result["status"] == "dry-run" and result["plan"]["new"] > 20 and result["would_copy"]
    assert keys(aws, bucket) == set() and receiver.messages == []


# ------------------------------------------------------------------ the ECS path

def test_over_threshold_hands_everything_to_ecs_then_workers_finish(
        env, aws, bucket, catalog, receiver, run_task_calls, network, monkeypatch, capsys):
    monkeypatch.setenv("SIZE_THRESHOLD_GB", "0.000001")  # 1 kB: any plan is "large"
    config = RuntimeConfig.from_env()
    result = orchestrator.Orchestrator(config, aws=aws).handle(orchestrator.parse_event(event("manual")), FakeContext())
    assert result["status"] == "handed-off" and result["route"] == "ecs" and result["copied"] == 0
    run_id, want = result["run_id"], expected_bottles(catalog)
    assert result["shards"] == 2 and len(result["tasks"]) == 2 and result["handed_off"] == len(want)
    assert INDEX_KEY not in keys(aws, bucket)  # nothing copied by the Lambda
    # RunTask: Fargate, awsvpc with our subnet/SG, startedBy = run id, RUN_ID/SHARD overrides.
    assert len(run_task_calls) == 2
    for n, call in enumerate(run_task_calls):
        assert call["launchType"] == "FARGATE" and call["startedBy"] == run_id
        assert call["cluster"] == NAMES.ecs_cluster and call["taskDefinition"] == NAMES.task_family
        assert call["networkConfiguration"]["awsvpcConfiguration"] == {
            "subnets": [network["subnet"]], "securityGroups": [network["sg"]], "assignPublicIp": "DISABLED"}
        (override,) = call["overrides"]["containerOverrides"]
        assert override["name"] == NAMES.container_name
        assert override["environment"] == [{"name": "RUN_ID", "value": run_id}, {"name": "SHARD", "value": str(n)}]
    listed = aws.client("ecs").list_tasks(cluster=NAMES.ecs_cluster, startedBy=run_id)["taskArns"]
    assert sorted(listed) == sorted(result["tasks"])
    plans = [read(aws, bucket, f"runs/{run_id}/plan/shard-{n}.json") for n in range(2)]
    assert sum(len(p["bottles"]) for p in plans) == len(want)
    assert set(plans[0]["bottles"][0]) >= {"name", "pkg_version", "rebuild", "tag", "sha256", "url", "size"}
    assert [m["text"] for m in receiver.messages][0].startswith(f"Homebrew sync {run_id} started")
    capsys.readouterr()

    # The containers, in-process, with exactly the overrides RunTask got.
    override0 = run_task_calls[0]["overrides"]["containerOverrides"][0]
    assert run_worker(env, override0) == 0
    assert f"runs/{run_id}/report.json" not in keys(aws, bucket)  # shard 1 still to come
    assert run_worker(env, run_task_calls[1]["overrides"]["containerOverrides"][0]) == 0
    report = read(aws, bucket, f"runs/{run_id}/report.json")
    assert report["copied"] == len(want) and report["failed"] == 0 and report["shards"] == 2
    assert set(read(aws, bucket, INDEX_KEY)["bottles"]) == set(want)
    assert "api/formula.jws.json" in keys(aws, bucket)
    summaries = [m["text"] for m in receiver.messages if "succeeded" in m["text"]]
    assert len(summaries) == 1 and "2 ECS shards" in summaries[0]
    out = capsys.readouterr().out
    records = lines(out)
    assert emf(records)["BottlesDownloaded"] == len(want)
    assert all(r.get("run_id") == run_id for r in records if r.get("logger", "").startswith("brewsync"))
    # Re-running a shard is safe: no download, nothing lost, the report and Slack left alone.
    before = read(aws, bucket, INDEX_KEY)["bottles"]
    n_messages = len(receiver.messages)
    assert run_worker(env, override0) == 0
    assert read(aws, bucket, INDEX_KEY)["bottles"].keys() == before.keys()
    assert read(aws, bucket, f"runs/{run_id}/results/shard-0.json")["bytes"] == 0
    assert len(receiver.messages) == n_messages


def test_two_shards_racing_on_the_index_lose_nothing(env, aws, bucket, catalog, receiver, run_task_calls, monkeypatch):
    monkeypatch.setenv("SIZE_THRESHOLD_GB", "0.000001")
    monkeypatch.setenv("SHARD_COUNT", "2")
    result = orchestrator.Orchestrator(RuntimeConfig.from_env(), aws=aws).handle(
        orchestrator.Request("schedule"), FakeContext())
    overrides = [c["overrides"]["containerOverrides"][0] for c in run_task_calls]
    codes: list[int] = []
    barrier = threading.Barrier(2)

    def go(o):
        barrier.wait()
        codes.append(run_worker(env, o))

    threads = [threading.Thread(target=go, args=(o,)) for o in overrides]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert codes == [0, 0]
    want = expected_bottles(catalog)
    assert set(read(aws, bucket, INDEX_KEY)["bottles"]) == set(want)
    assert read(aws, bucket, f"runs/{result['run_id']}/report.json")["copied"] == len(want)
    assert len([m for m in receiver.messages if "succeeded" in m["text"]]) == 1


def test_little_time_left_hands_off_instead_of_timing_out(env, aws, bucket, catalog, run_task_calls):
    config = RuntimeConfig.from_env()
    # 5 s left and a 90 s reserve: not one transfer may start in the Lambda.
    result = orchestrator.Orchestrator(config, aws=aws).handle(orchestrator.Request("schedule"), FakeContext(5_000))
    assert result["status"] == "handed-off" and result["route"] == "ecs" and result["copied"] == 0
    assert result["handed_off"] == len(expected_bottles(catalog)) and len(run_task_calls) == 2
    assert INDEX_KEY not in keys(aws, bucket)


def test_time_running_out_mid_run_copies_some_and_hands_off_the_rest(env, aws, bucket, catalog, receiver, run_task_calls):
    config = RuntimeConfig.from_env()
    ctx = FakeContext(900_000, calls_before_low=6)  # plenty of time for 6 decisions, then 1 s
    result = orchestrator.Orchestrator(config, aws=aws).handle(orchestrator.Request("schedule"), ctx)
    want = expected_bottles(catalog)
    assert result["status"] == "handed-off" and result["route"] == "mixed"
    assert result["copied"] == 6 and result["handed_off"] == len(want) - 6
    assert len(read(aws, bucket, INDEX_KEY)["bottles"]) == 6  # the Lambda's part is committed
    run_id = result["run_id"]
    for call in run_task_calls:
        assert run_worker(env, call["overrides"]["containerOverrides"][0]) == 0
    report = read(aws, bucket, f"runs/{run_id}/report.json")
    assert report["copied"] == len(want) and report["parts"]["lambda"]["copied"] == 6
    assert set(read(aws, bucket, INDEX_KEY)["bottles"]) == set(want)


# ------------------------------------------------------------------ recovery

def test_rebuild_hash_recreates_a_broken_index_without_downloading(env, aws, bucket, catalog, registry, receiver):
    first = orchestrator.handler(event("schedule_source"), FakeContext())
    good = read(aws, bucket, INDEX_KEY)["bottles"]
    aws.client("s3").put_object(Bucket=bucket, Key=INDEX_KEY, Body=b"{not json")
    with pytest.raises(orchestrator.SyncFailed, match="not JSON"):
        orchestrator.handler(event("schedule_source"), FakeContext())
    assert "runbooks/recovery.md" in receiver.messages[-1]["text"]
    registry.reset_stats()
    result = orchestrator.handler(event("recovery_rebuild_hash"), FakeContext())
    assert result["ok"] and result["rebuilt_entries"] == len(good) and result["copied"] == 0, result
    rebuilt = read(aws, bucket, INDEX_KEY)["bottles"]
    assert set(rebuilt) == set(good)
    assert all(rebuilt[k]["sha256"] == good[k]["sha256"] and rebuilt[k]["key"] == good[k]["key"] for k in good)
    assert registry.stats["blob_download"] == 0
    assert first["run_id"] != result["run_id"]


# ------------------------------------------------------------------ Slack, bad input, failures

def test_notification_test_sends_one_message(env, aws, bucket, receiver):
    result = orchestrator.handler(event("notification_test"), FakeContext())
    assert result == {"ok": True, "status": "sent"}
    assert len(receiver.messages) == 1 and "test message" in receiver.messages[0]["text"]
    assert keys(aws, bucket) == set()


@pytest.mark.parametrize("name, phrase", [
    ("bad_unknown_key", "unknown key(s) 'dryrun'"),
    ("bad_wrong_types", "'dry_run' must be true or false, got str"),
    ("bad_formula_name", "not a valid Homebrew formula name"),
])
def test_bad_input_is_rejected_and_nothing_changes(name, phrase, env, aws, bucket, receiver, capsys):
    result = orchestrator.handler(event(name), FakeContext())
    assert result["ok"] is False and result["status"] == "rejected"
    assert phrase in result["error"] and "Traceback" not in json.dumps(result)
    assert keys(aws, bucket) == set() and receiver.messages == []
    assert any(r.get("level") == "WARNING" and "Rejected event" in r["message"] for r in lines(capsys.readouterr().out))


def test_missing_variable_fails_fast_naming_it(env, aws, bucket, monkeypatch):
    monkeypatch.delenv("SUBNETS")
    with pytest.raises(ConfigError, match="SUBNETS is missing"):
        orchestrator.handler(event("scheduled"), FakeContext())
    monkeypatch.setenv("SUBNETS", "subnet-1234abcd")
    monkeypatch.setenv("SHARD_COUNT", "many")
    with pytest.raises(ConfigError, match="SHARD_COUNT='many' is invalid"):
        orchestrator.handler(event("scheduled"), FakeContext())
    assert keys(aws, bucket) == set()


def test_missing_secret_logs_and_the_sync_still_completes(env, aws, bucket, catalog, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_SECRET_ID", "homebrew-sync/does-not-exist")
    result = orchestrator.handler(event("schedule_source"), FakeContext())
    assert result["status"] == "completed" and result["copied"] == len(expected_bottles(catalog))
    warnings = [r["message"] for r in lines(capsys.readouterr().out) if r.get("level") == "WARNING"]
    assert any("secret homebrew-sync/does-not-exist does not exist" in w for w in warnings)
    test = orchestrator.handler(event("notification_test"), FakeContext())
    assert test["ok"] is False and "does not exist" in test["error"]


@pytest.mark.parametrize("how", ["404", "unreachable"])
def test_a_broken_webhook_is_logged_and_never_fails_the_sync(how, env, aws, bucket, catalog, receiver, capsys):
    if how == "404":
        receiver.set_status(404)
    else:  # nothing listens there
        from tests.conftest import free_port

        unreachable = f"http://127.0.0.1:{free_port()}{receiver.path}"
        aws.client("secretsmanager").put_secret_value(SecretId=env["SLACK_SECRET_ID"], SecretString=unreachable)
    result = orchestrator.handler(event("schedule_source"), FakeContext())
    assert result["status"] == "completed" and result["copied"] == len(expected_bottles(catalog))
    assert set(read(aws, bucket, INDEX_KEY)["bottles"]) == set(expected_bottles(catalog))
    out = capsys.readouterr().out
    warnings = [r["message"] for r in lines(out) if r.get("level") == "WARNING"]
    assert any("Slack message not delivered" in w for w in warnings)
    assert "/services/" not in out.replace("/services/…redacted", "")


def test_registry_down_fails_cleanly_with_the_bucket_unchanged(env, aws, bucket, registry, receiver):
    registry.set_fault("5xx")  # every request answers 503
    client = HomebrewClient(registry.api_url, retries=1, backoff=0.01)
    orch = orchestrator.Orchestrator(RuntimeConfig.from_env(), aws=aws, client=client)
    with pytest.raises(orchestrator.SyncFailed) as err:
        orch.handle(orchestrator.parse_event(event("scheduled")), FakeContext())
    assert "Traceback" not in str(err.value)
    assert keys(aws, bucket) == set()
    assert "failed" in receiver.messages[-1]["text"] and "runbooks/recovery.md" in receiver.messages[-1]["text"]


def test_worker_with_a_missing_shard_exits_1_and_says_why(env, aws, bucket, receiver, capsys):
    code = run_worker(env, {"environment": [{"name": "RUN_ID", "value": "20261129T030000Z-abcdef"},
                                            {"name": "SHARD", "value": "0"}]})
    assert code == 1
    errors = [r["message"] for r in lines(capsys.readouterr().out) if r.get("level") == "ERROR"]
    assert any("runs/20261129T030000Z-abcdef/run.json does not exist" in e for e in errors)
    assert keys(aws, bucket) == set()


def test_a_failing_bottle_gives_a_partial_failure_message_and_metric(env, aws, bucket, catalog, registry, receiver, capsys):
    want = expected_bottles(catalog)
    victim_fn, (victim_sha, _) = sorted(want.items())[2]
    registry.set_fault("wrong_bytes", match=victim_sha)
    orch = orchestrator.Orchestrator(RuntimeConfig.from_env(), aws=aws, retry_pause=0.01)
    result = orch.handle(orchestrator.parse_event(event("schedule_source")), FakeContext())
    assert result["status"] == "completed-with-failures" and result["failed"] == 1
    assert victim_fn not in read(aws, bucket, INDEX_KEY)["bottles"]
    report = read(aws, bucket, f"runs/{result['run_id']}/report.json")
    assert [f["filename"] for f in report["failures"]] == [victim_fn] and "sha256 mismatch" in report["failures"][0]["reason"]
    partial = receiver.messages[-1]
    assert "partially failed" in partial["text"] and victim_fn in partial["text"]
    assert "sha256 mismatch" in json.dumps(partial["blocks"])
    assert emf(lines(capsys.readouterr().out))["BottlesFailed"] == 1


def test_no_time_left_for_the_api_files_leaves_them_to_the_next_run(env, aws, bucket, catalog, capsys):
    first = orchestrator.handler(event("schedule_source"), FakeContext())
    assert first["status"] == "completed"
    aws.client("s3").delete_object(Bucket=bucket, Key="api/formula.jws.json")
    capsys.readouterr()
    # Nothing new to copy, 5 s left (under the 90 s reserve): finish now, never run into the timeout.
    again = orchestrator.handler(event("schedule_source"), FakeContext(5_000))
    assert again["status"] == "completed" and again["api_files"] is None
    assert "api/formula.jws.json" not in keys(aws, bucket)
    assert read(aws, bucket, f"runs/{again['run_id']}/report.json")["copied"] == 0
    warnings = [r["message"] for r in lines(capsys.readouterr().out) if r.get("level") == "WARNING"]
    assert any("API files not mirrored this run" in w for w in warnings)
    third = orchestrator.handler(event("schedule_source"), FakeContext())
    assert third["api_files"]["formula.jws.json"] == "updated" and "api/formula.jws.json" in keys(aws, bucket)
