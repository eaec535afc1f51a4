"""Pruning on the moto server: the pure decision, and `brewsync prune` against a synced mirror."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.fixtures import bump_version, generate_catalog
from sync_runtime import prune
from sync_runtime.index import Entry, Index
from sync_runtime.names import INDEX_KEY

from .conftest import make_engine

NOW = datetime(2026, 11, 29, 3, 0, tzinfo=timezone.utc)


def entry(name, version, tag, sha, key=None):
    fn = f"{name}-{version}.{tag}.bottle.tar.gz"
    return Entry(name, version, 0, tag, sha, 10, key or f"v2/homebrew/core/{name}/blobs/sha256:{sha}", "2026-01-01T00:00:00Z")


def test_decide_grace_shared_blob_and_blocked():
    a_old = entry("a", "1.0", "monterey", "1" * 64)
    a_old_2 = entry("a", "1.0", "arm64_ventura", "1" * 64)  # same blob, still desired
    b_old = entry("b", "1.0", "monterey", "2" * 64)
    c_new = entry("c", "2.0", "monterey", "3" * 64)
    index = Index({e.filename: e for e in (a_old, a_old_2, b_old, c_new)})
    desired = {a_old_2.filename, c_new.filename}
    first = prune.decide(index, desired, {}, now=NOW, grace=timedelta(days=30))
    assert first.remove == [] and set(first.waiting) == {a_old.filename, b_old.filename}
    assert first.stale_since[a_old.filename] == "2026-11-29T03:00:00Z"
    later = prune.decide(index, desired, first.stale_since, now=NOW + timedelta(days=31), grace=timedelta(days=30))
    assert [e.filename for e in later.remove] == sorted([a_old.filename, b_old.filename])
    assert a_old.key in later.kept_keys            # the blob a still-desired tag uses stays
    assert b_old.key in later.delete_keys
    blocked = prune.decide(index, desired, first.stale_since, now=NOW + timedelta(days=31),
                           grace=timedelta(days=30), blocked="the newest run had 1 failed bottle(s)")
    assert blocked.remove == [] and blocked.delete_keys == [] and len(blocked.waiting) == 2
    back = prune.decide(index, desired | {b_old.filename}, first.stale_since, now=NOW, grace=timedelta(days=30))
    assert b_old.filename not in back.stale_since   # it came back: its clock is gone


@pytest.mark.parametrize("text, want", [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("2w", timedelta(weeks=2))])
def test_parse_duration(text, want):
    assert prune.parse_duration(text) == want


def test_parse_duration_refuses_junk():
    with pytest.raises(Exception, match="expected a number of days"):
        prune.parse_duration("soon")


@pytest.fixture(scope="module")
def catalog():
    return generate_catalog(count=8, seed=9)


def test_prune_cli_after_a_version_bump(registry, catalog, s3_store, aws, bucket, moto_server):
    assert make_engine(registry, s3_store).run().ok
    old = json.loads(aws.client("s3").get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read())["bottles"]
    registry.set_catalog(bump_version(catalog, "wget"))
    assert make_engine(registry, s3_store).run().ok
    stale = sorted(k for k in old if k.startswith("wget-"))
    assert stale
    env = {"BREWSYNC_API_URL": registry.api_url}
    cli = lambda *a: CliRunner().invoke(app, ["--endpoint-url", moto_server, "--bucket", bucket, "prune", *a], env=env)  # noqa: E731

    first = cli("--dry-run", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["remove"] == [] and sorted(json.loads(first.stdout)["waiting"]) == stale
    assert cli("--json").exit_code == 0  # starts the clock in runs/prune-state.json
    state = json.loads(aws.client("s3").get_object(Bucket=bucket, Key=prune.STATE_KEY)["Body"].read())
    assert sorted(state["stale_since"]) == stale

    refused = cli("--older-than", "0d")
    assert refused.exit_code == 2 and "--yes" in refused.stderr  # nothing deleted without --yes
    done = cli("--older-than", "0d", "--yes", "--json")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["remove"] == stale and data["delete_keys"]
    index = json.loads(aws.client("s3").get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read())["bottles"]
    assert not set(stale) & set(index) and len(index) == len(old)  # the bumped versions replaced them
    s3 = aws.client("s3")
    for key in data["delete_keys"]:
        assert s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) == 0
    assert CliRunner().invoke(app, ["--endpoint-url", moto_server, "--bucket", bucket, "hash", "validate",
                                    "--against-store"]).exit_code == 0


def test_prune_never_after_a_run_with_failures(registry, catalog, s3_store, aws, bucket, moto_server):
    assert make_engine(registry, s3_store).run().ok
    registry.set_catalog(bump_version(catalog, "wget"))
    s3_store.put_bytes("runs/20991231T000000Z-abcdef/run.json", b"{}")
    s3_store.put_bytes("runs/20991231T000000Z-abcdef/report.json", json.dumps({"failed": 2}).encode())
    env = {"BREWSYNC_API_URL": registry.api_url}
    result = CliRunner().invoke(app, ["--endpoint-url", moto_server, "--bucket", bucket, "prune", "--older-than", "0d",
                                      "--yes"], env=env)
    assert result.exit_code == 0, result.output
    assert "nothing pruned: the newest run 20991231T000000Z-abcdef had 2 failed" in result.stdout


def test_orchestrator_prunes_after_a_successful_scheduled_run(registry, catalog, s3_store, aws, bucket):
    """PRUNE_AFTER_DAYS wired: the clock starts on one scheduled run, a later one removes."""
    from sync_runtime.config import RuntimeConfig
    from sync_runtime.homebrew import HomebrewClient
    from sync_runtime.orchestrator import Orchestrator, Request

    from .conftest import TAGS

    cfg = RuntimeConfig(bucket=bucket, tags=TAGS, size_threshold_gb=20, shard_count=1, ecs_cluster="c",
                        task_definition="t", subnets=(), security_groups=(), slack_secret_id="brewsync-test/none",
                        api_url=registry.api_url, prefix="homebrew-sync", prune_after_days=7, concurrency=4)

    def scheduled(source="schedule"):
        return Orchestrator(cfg, aws=aws, store=s3_store, client=HomebrewClient(registry.api_url, backoff=0.01)).handle(
            Request(source), None)

    assert scheduled()["pruned"] == {"removed": 0, "deleted_objects": 0, "waiting": 0, "blocked": None}
    registry.set_catalog(bump_version(catalog, "wget"))
    first = scheduled()
    stale = sorted(json.loads(s3_store.get_bytes(prune.STATE_KEY)[0])["stale_since"])
    assert first["pruned"]["waiting"] == len(stale) > 0 and first["pruned"]["removed"] == 0
    assert "pruned" not in scheduled("manual")  # only scheduled runs prune
    long_ago = (datetime.now(timezone.utc) - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    s3_store.put_bytes(prune.STATE_KEY, json.dumps({"schema": 1, "stale_since": {k: long_ago for k in stale}}).encode())
    second = scheduled()
    assert second["pruned"]["removed"] == len(stale) and second["pruned"]["deleted_objects"] > 0
    index = json.loads(s3_store.get_bytes(INDEX_KEY)[0])["bottles"]
    assert not set(stale) & set(index)


def test_decide_refuses_when_nothing_the_mirror_holds_is_wanted():
    """Wrong --tags or an empty formula index must not start the clock on the whole mirror."""
    a = entry("a", "1.0", "monterey", "1" * 64)
    index = Index({a.filename: a})
    for desired in (set(), {"other-1.0.x86_64_linux.bottle.tar.gz"}):
        d = prune.decide(index, desired, {a.filename: "2020-01-01T00:00:00Z"}, now=NOW, grace=timedelta(days=1))
        assert d.remove == [] and d.delete_keys == [] and "wants none" in d.blocked


def test_prune_cli_keeps_the_previous_index_of_a_folder_mirror(registry, catalog, tmp_path):
    from sync_runtime.stores import FolderStore

    store = FolderStore(tmp_path)
    registry.set_catalog(catalog)
    assert make_engine(registry, store).run().ok
    registry.set_catalog(bump_version(catalog, "wget"))
    assert make_engine(registry, store).run().ok
    env = {"BREWSYNC_API_URL": registry.api_url, "BREWSYNC_BUCKET": ""}
    done = CliRunner().invoke(app, ["prune", "--to", str(tmp_path), "--older-than", "0d", "--yes", "--json"], env=env)
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["remove"] and data["snapshot"]
    versions = json.loads(CliRunner().invoke(app, ["hash", "versions", "--to", str(tmp_path), "--json"],
                                             env=env).stdout)["versions"]
    assert next(v for v in versions if v["id"] == data["snapshot"])["valid"]
    stamp = data["snapshot"].removeprefix("snapshot-")
    kept = json.loads((tmp_path / "index-history" / f"bottles_hash.{stamp}.json").read_bytes())["bottles"]
    assert set(data["remove"]) <= set(kept)  # the pruned entries stay recoverable
    assert not set(data["remove"]) & set(json.loads((tmp_path / INDEX_KEY).read_bytes())["bottles"])
