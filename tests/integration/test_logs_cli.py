"""`brewsync logs errors|perf|downloads|tail` against log groups on the moto server, seeded with
the lines the runtime really writes (JSON lines, EMF, Lambda START/END/REPORT, a timeout)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.commands.logs import LogReader, QUERIES, parse_since, sparkline
from brewsync_ops.devstack.stack import clients, lambda_report_lines, put_log_lines, reset_moto
from sync_runtime.errors import InputError
from sync_runtime.names import Names
from sync_runtime.observability import JsonFormatter, emf_record

N = Names()
WEBHOOK = "https://hooks.slack.com/services/T0LOGS000/B0LOGS000/logsecretvalue0123456789"


def json_line(level: int, message: str, **extra) -> str:
    record = logging.LogRecord("brewsync.engine", level, __file__, 1, message, None, None)
    for k, v in extra.items():
        setattr(record, k, v)
    return JsonFormatter().format(record)


@pytest.fixture(scope="module")
def seeded(moto_server):
    reset_moto(moto_server)
    client = clients(moto_server)
    logs = client("logs")
    for group in (N.lambda_log_group, N.ecs_log_group):
        logs.create_log_group(logGroupName=group)
    now = datetime.now(timezone.utc)
    lam = lambda_report_lines("aaaaaaaa-0000-0000-0000-000000000001", 61234.5)
    lam.insert(1, json_line(logging.INFO, "Downloaded bottle wget-1.25.0.arm64_sonoma.bottle.tar.gz "
                                          "(1234 bytes, " + "ab" * 32 + ")", run_id="run-1"))
    lam.insert(2, json_line(logging.ERROR, "index write failed: PreconditionFailed", run_id="run-1"))
    lam.insert(3, json_line(logging.INFO, f"posting to {WEBHOOK}", run_id="run-1"))
    put_log_lines(client, N.lambda_log_group, "2026/11/29/[$LATEST]aaa", lam, now - timedelta(minutes=30))
    timeout = ["START RequestId: bbbbbbbb-0000 Version: $LATEST",
               "2026-11-29T03:15:00.000Z bbbbbbbb-0000 Task timed out after 900.00 seconds",
               "END RequestId: bbbbbbbb-0000",
               "REPORT RequestId: bbbbbbbb-0000\tDuration: 900000.00 ms\tBilled Duration: 900000 ms\t"
               "Memory Size: 2048 MB\tMax Memory Used: 1900 MB"]
    put_log_lines(client, N.lambda_log_group, "2026/11/29/[$LATEST]bbb", timeout, now - timedelta(minutes=20))
    ecs = [json_line(logging.INFO, "Downloaded bottle jq-1.7.1.arm64_sonoma.bottle.1.tar.gz (2000 bytes, "
                                   + "cd" * 32 + ")", run_id="run-1", shard=0),
           json.dumps(emf_record({"BottlesDownloaded": 1, "BytesDownloaded": 2000}, {"run_id": "run-1"})),
           json_line(logging.ERROR, "shard 0 failed", run_id="run-1", shard=0, error_type="DigestMismatch"),
           "Traceback (most recent call last):"]
    put_log_lines(client, N.ecs_log_group, "worker/worker/abc123", ecs, now - timedelta(minutes=10))
    # an old line outside --since 1h
    put_log_lines(client, N.ecs_log_group, "worker/worker/old", [json_line(logging.ERROR, "old failure")],
                  now - timedelta(hours=5))
    return moto_server


def run(endpoint, *args):
    return CliRunner().invoke(app, ["logs", *args], env={"AWS_ENDPOINT_URL": endpoint})


def test_errors_finds_error_lines_timeout_and_traceback_in_both_groups(seeded):
    result = run(seeded, "errors", "--since", "1h", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # moto ignores the Insights filter: detected, and answered with filter-log-events + local filter
    assert data["source"] == "filter-log-events" and "ignored" in data["fallback_reason"]
    texts = [e.get("text", e["message"]) for e in data["events"]]
    assert "index write failed: PreconditionFailed" in texts
    assert "shard 0 failed" in texts
    assert any("Task timed out after 900.00 seconds" in t for t in texts)
    assert any(t.startswith("Traceback") for t in texts)
    assert "old failure" not in texts  # outside --since
    assert not any("Downloaded bottle" in t for t in texts)
    assert {e["group"] for e in data["events"]} == {"lambda", "ecs"}
    shard = next(e for e in data["events"] if e.get("text") == "shard 0 failed")
    assert shard["level"] == "ERROR" and shard["run_id"] == "run-1" and shard["error_type"] == "DigestMismatch"
    assert [e["timestamp"] for e in data["events"]] == sorted(e["timestamp"] for e in data["events"])


def test_errors_since_6h_includes_the_old_line_and_group_filter(seeded):
    result = run(seeded, "errors", "--since", "6h", "--group", "ecs", "--json", "--query", "events[].text")
    assert result.exit_code == 0, result.output
    texts = json.loads(result.stdout)
    assert "old failure" in texts and "index write failed: PreconditionFailed" not in texts


def test_perf_parses_report_lines(seeded):
    result = run(seeded, "perf", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [e["report"]["duration"] for e in data["events"]] == [61234.5, 900000.0]
    s = data["summary"]
    assert s["runs"] == 2 and s["max_ms"] == 900000.0 and s["max_percent_of_timeout"] == 100.0
    assert s["max_memory_used_mb"] == 1900


def test_downloads_lists_bottles_from_both_groups(seeded):
    result = run(seeded, "downloads", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert sorted(e["download"]["filename"] for e in data["events"]) == [
        "jq-1.7.1.arm64_sonoma.bottle.1.tar.gz", "wget-1.25.0.arm64_sonoma.bottle.tar.gz"]
    assert data["summary"] == {"bottles": 2, "bytes": 3234}


def test_human_tables(seeded):
    result = run(seeded, "perf")
    assert result.exit_code == 0, result.output
    assert "2 run(s)" in result.stdout and "100.0% of the 900 s timeout" in result.stdout
    result = run(seeded, "downloads")
    assert "jq-1.7.1.arm64_sonoma.bottle.1.tar.gz" in result.stdout and "2 bottle(s)" in result.stdout
    result = run(seeded, "errors")
    assert "shard 0 failed" in result.stdout and "filter-log-events" in result.stdout


def test_tail_redacts_webhooks_and_follow_polls(seeded):
    result = run(seeded, "tail", "--since", "1h", "--json")
    assert result.exit_code == 0, result.output
    assert "logsecretvalue" not in result.stdout and "B0LOGS000" not in result.stdout
    data = json.loads(result.stdout)
    assert data["count"] >= 12
    result = run(seeded, "tail", "--since", "1h", "--follow", "--polls", "2", "--interval", "0.01")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == data["count"]  # nothing repeated by the polls
    assert "logsecretvalue" not in result.stdout


def test_follow_picks_up_new_lines(seeded):
    client = clients(seeded)
    reader = LogReader(client("logs"), sleep=lambda s: None)
    start = int((datetime.now(timezone.utc) - timedelta(minutes=1)).timestamp() * 1000)
    got: list[dict] = []
    polls = {"n": 0}

    def sleep(_):
        polls["n"] += 1
        if polls["n"] == 1:
            put_log_lines(client, N.ecs_log_group, "worker/worker/new",
                          [json_line(logging.ERROR, "new failure while following")], datetime.now(timezone.utc))

    reader.sleep = sleep
    reader.follow(QUERIES["errors"], {"lambda": N.lambda_log_group, "ecs": N.ecs_log_group}, start, got.append,
                  polls=3, interval=0)
    assert [e.get("text") for e in got] == ["new failure while following"]


def test_bad_since_and_missing_groups(seeded):
    result = run(seeded, "errors", "--since", "yesterday")
    assert result.exit_code == 2
    assert result.stderr.count("\n") <= 2 and "--since 'yesterday'" in result.stderr
    result = CliRunner().invoke(app, ["--prefix", "nothing-here", "logs", "errors", "--json"],
                                env={"AWS_ENDPOINT_URL": seeded})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["count"] == 0 and len(data["missing_log_groups"]) == 2


def test_pure_helpers():
    now = datetime(2026, 11, 29, 12, tzinfo=timezone.utc)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2026-11-29T03:00:00Z", now) == datetime(2026, 11, 29, 3, tzinfo=timezone.utc)
    with pytest.raises(InputError):
        parse_since("0h", now)
    assert sparkline([1, 2, 3, None, 8]) == "▁▂▃ █"
    assert sparkline([]) == ""
