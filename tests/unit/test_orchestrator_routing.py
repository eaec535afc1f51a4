"""Routing, the time budget, sharding and the RunTask request (pure)."""

from __future__ import annotations

import pytest

from sync_runtime.bottle import Bottle
from sync_runtime.config import RuntimeConfig
from sync_runtime.engine import BottleResult
from sync_runtime.orchestrator import TimeBudget, choose_route, fits, run_task_request
from sync_runtime.plan import Item
from sync_runtime.shards import (UNKNOWN_SIZE_GUESS, RunInfo, ShardPlan, bottle_from_dict, bottle_to_dict,
                                 split_shards, summarize)
from sync_runtime.errors import InputError

MB = 1_000_000


def bottle(name: str, size: int | None, tag: str = "arm64_sonoma") -> Bottle:
    sha = (name.encode().hex() * 64)[:64]
    return Bottle(name, "1.0", 0, tag, sha, f"https://ghcr.io/v2/homebrew/core/{name}/blobs/sha256:{sha}", size)


def test_route_by_plan_bytes():
    assert choose_route(20_000 * MB, 20_000 * MB) == "ecs"
    assert choose_route(20_000 * MB - 1, 20_000 * MB) == "lambda"


@pytest.mark.parametrize("outstanding, left, bps, ok", [
    (100 * MB, 100.0, 10 * MB, True),     # 10 s × 1.5 = 15 s ≤ 100 s
    (100 * MB, 14.0, 10 * MB, False),     # 15 s > 14 s
    (1, 0.0, 10 * MB, False),             # no time left at all
    (1, -5.0, 10 * MB, False),
    (1, 10.0, 0.0, False),
])
def test_fits(outstanding, left, bps, ok):
    assert fits(outstanding, left, bps, 1.5) is ok


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_budget_counts_what_is_in_flight_and_measures_throughput():
    clock = Clock()
    remaining = {"ms": 100_000}
    budget = TimeBudget(lambda: remaining["ms"], reserve_s=40, assumed_bps=10 * MB, clock=clock)
    # 60 s usable, 10 MB/s assumed, ×1.5: up to 400 MB outstanding.
    a, b, c = bottle("a", 300 * MB), bottle("b", 100 * MB), bottle("c", 50 * MB)
    assert budget.should_stop(a) is False
    assert budget.should_stop(b) is False          # 400 MB in flight: exactly fits
    assert budget.should_stop(c) is True           # 450 MB would not
    # a finishes quickly: 300 MB in 3 s -> measured 100 MB/s
    clock.now = 3.0
    budget.advanced(a, 300 * MB)
    budget.finished(BottleResult(a, "copied", 300 * MB, 300 * MB))
    assert budget.throughput() == pytest.approx(100 * MB)
    assert budget.should_stop(c) is False
    remaining["ms"] = 40_500                        # 0.5 s usable: nothing more starts
    assert budget.should_stop(bottle("d", 1 * MB)) is True
    assert budget.stopped == 2


def test_budget_assumes_a_large_size_when_unknown():
    budget = TimeBudget(lambda: 100_000, reserve_s=90, assumed_bps=10 * MB, clock=Clock())
    # 10 s usable = 66 MB at 10 MB/s ×1.5; an unknown size counts as 100 MB.
    assert budget.should_stop(bottle("x", None)) is True
    assert budget.should_stop(bottle("y", 50 * MB)) is False
    assert UNKNOWN_SIZE_GUESS == 100 * MB


def test_split_shards_balances_bytes_and_never_makes_empty_shards():
    items = [Item(bottle(f"f{i}", size * MB), "new") for i, size in enumerate([90, 50, 40, 30, 20, 10, 5, 5])]
    shards = split_shards(items, 3)
    assert len(shards) == 3
    loads = sorted(sum(i.bottle.size for i in s) for s in shards)
    assert loads[-1] - loads[0] <= 10 * MB
    assert sorted(i.bottle.name for s in shards for i in s) == sorted(i.bottle.name for i in items)
    assert len(split_shards(items[:2], 5)) == 2
    assert split_shards([], 4) == []


def test_shard_plan_round_trip_and_validation():
    items = [Item(bottle("wget", 10), "new"), Item(bottle("openssl@3", None), "changed")]
    plan = ShardPlan("20261129T030000Z-abcdef", 1, 3, items, {"wget": "https://ghcr.io/v2/homebrew/core"})
    back = ShardPlan.from_json(plan.to_json())
    assert back.items == items and back.shard == 1 and back.shard_count == 3 and back.roots == plan.roots
    assert bottle_from_dict(bottle_to_dict(items[0].bottle)) == items[0].bottle
    for field, value, phrase in [("name", "../etc", "not a valid Homebrew formula name"),
                                 ("sha256", "x", "not 64 lowercase hex"), ("rebuild", -1, "rebuild"),
                                 ("tag", "ARM", "tag"), ("size", "big", "size"), ("url", "file:///x", "url")]:
        bad = {**bottle_to_dict(items[0].bottle), field: value}
        with pytest.raises(InputError, match=phrase):
            bottle_from_dict(bad)
    with pytest.raises(InputError, match="run id"):
        ShardPlan.from_json(plan.to_json().replace(b"20261129T030000Z-abcdef", b"../../x"))


def test_run_info_round_trip():
    info = RunInfo("r-1", "2026-11-29T03:00:00Z", "schedule", 2, ("arm64_sonoma",), "both",
                   {"new": 3}, {"copied": 1}, 123.5)
    assert RunInfo.from_json(info.to_json()) == info


def test_summarize_combines_parts_and_lists_failures():
    parts = {"lambda": {"copied": 2, "failed": 0, "bytes": 10, "results": []},
             "shard-0": {"copied": 3, "failed": 1, "bytes": 20,
                         "results": [{"filename": "x.tar.gz", "status": "failed", "reason": "HTTP 404"}]}}
    total = summarize(parts)
    assert total["copied"] == 5 and total["failed"] == 1 and total["bytes"] == 30
    assert total["failures"] == [{"filename": "x.tar.gz", "status": "failed", "reason": "HTTP 404", "where": "shard-0"}]


def test_run_task_request():
    cfg = RuntimeConfig.from_env({
        "BUCKET": "mirror", "TAGS": "arm64_sonoma", "SHARD_COUNT": "4", "ECS_CLUSTER": "homebrew-sync",
        "TASK_DEFINITION": "homebrew-bottles-sync", "SUBNETS": "subnet-0123abcd,subnet-4567abcd",
        "SECURITY_GROUPS": "sg-0123abcd"})
    req = run_task_request(cfg, "20261129T030000Z-abcdef", 3)
    assert req["launchType"] == "FARGATE" and req["startedBy"] == "20261129T030000Z-abcdef"
    assert req["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": ["subnet-0123abcd", "subnet-4567abcd"], "securityGroups": ["sg-0123abcd"],
        "assignPublicIp": "DISABLED"}
    assert req["overrides"]["containerOverrides"] == [{"name": "worker", "environment": [
        {"name": "RUN_ID", "value": "20261129T030000Z-abcdef"}, {"name": "SHARD", "value": "3"}]}]


class FakeEcs:
    """RunTask answers from a script: per call, 'ok', 'capacity' (200 + failure) or an exception."""

    def __init__(self, script):
        self.script = list(script)
        self.calls = []

    def run_task(self, **kw):
        self.calls.append(kw)
        what = self.script.pop(0) if self.script else "ok"
        if isinstance(what, Exception):
            raise what
        shard = kw["overrides"]["containerOverrides"][0]["environment"][1]["value"]
        if what == "capacity":
            return {"tasks": [], "failures": [{"reason": "Capacity is unavailable at this time"}]}
        return {"tasks": [{"taskArn": f"arn:aws:ecs:us-east-1:1:task/homebrew-sync/{shard}-{len(self.calls)}"}],
                "failures": []}


class FakeAws:
    def __init__(self, ecs):
        self.ecs = ecs

    def client(self, name):
        assert name == "ecs"
        return self.ecs


def hand_off_with(tmp_path, script):
    from sync_runtime.orchestrator import Orchestrator
    from sync_runtime.stores import FolderStore

    cfg = RuntimeConfig.from_env({
        "BUCKET": "mirror", "TAGS": "arm64_sonoma", "SHARD_COUNT": "3", "ECS_CLUSTER": "homebrew-sync",
        "TASK_DEFINITION": "homebrew-bottles-sync", "SUBNETS": "subnet-0123abcd", "SECURITY_GROUPS": "sg-0123abcd"})
    ecs = FakeEcs(script)
    orch = Orchestrator(cfg, aws=FakeAws(ecs), store=FolderStore(tmp_path), notifier=object(), retry_pause=0)
    items = [Item(bottle(f"f{i}", MB), "new") for i in range(3)]
    shards = split_shards(items, 3)
    info = RunInfo("20261129T030000Z-abcdef", "2026-11-29T03:00:00Z", "schedule", len(shards), ("arm64_sonoma",), "both")
    return orch, ecs, info, shards


def test_hand_off_asks_again_for_a_shard_fargate_could_not_place(tmp_path):
    orch, ecs, info, shards = hand_off_with(tmp_path, ["ok", "capacity", "ok", "ok"])
    tasks = orch.hand_off(info, shards, {})
    assert len(tasks) == 3 and len(ecs.calls) == 4
    started = [c["overrides"]["containerOverrides"][0]["environment"][1]["value"] for c in ecs.calls]
    assert started == ["0", "1", "2", "1"]  # only the missing shard is asked for again


def test_hand_off_that_cannot_start_a_shard_says_which_and_how_to_start_it(tmp_path):
    from botocore.exceptions import ClientError

    from sync_runtime.errors import BrewsyncError

    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "RunTask")
    orch, ecs, info, shards = hand_off_with(tmp_path, ["ok", "ok", denied])
    with pytest.raises(BrewsyncError) as err:
        orch.hand_off(info, shards, {})
    assert len(ecs.calls) == 3  # a permanent error is not retried
    assert "shard(s) 2 of 3" in err.value.message and "AccessDeniedException" in err.value.message
    hint = err.value.hint
    assert "aws ecs run-task --cluster homebrew-sync --task-definition homebrew-bottles-sync" in hint
    assert '"name":"SHARD","value":"2"' in hint and "subnets=[subnet-0123abcd]" in hint
    # The plan stays for the re-run.
    assert (tmp_path / "runs/20261129T030000Z-abcdef/plan/shard-2.json").is_file()
