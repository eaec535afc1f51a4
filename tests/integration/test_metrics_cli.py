"""`brewsync metrics`: custom/Lambda/ECS metrics from CloudWatch, the mirror's size and growth from the
index and S3 storage metrics, and the storage cost at the stated S3 Standard price."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.commands.metrics import (GIB, S3_STANDARD_USD_PER_GB_MONTH, choose_period, index_growth,
                                           monthly_cost)
from brewsync_ops.devstack.stack import clients, provision, reset_moto
from sync_runtime.index import Index
from sync_runtime.names import Names

N = Names()


@pytest.fixture(scope="module")
def stack(moto_server):
    reset_moto(moto_server)
    info = provision(moto_server)
    cw = clients(moto_server)("cloudwatch")
    now = datetime.now(timezone.utc)
    for hours_ago, bottles, size in ((20, 3, 3_000_000), (2, 5, 7_000_000)):
        cw.put_metric_data(Namespace="HomebrewSync", MetricData=[
            {"MetricName": "BottlesDownloaded", "Value": bottles, "Unit": "Count", "Timestamp": now - timedelta(hours=hours_ago)},
            {"MetricName": "BytesDownloaded", "Value": size, "Unit": "Bytes", "Timestamp": now - timedelta(hours=hours_ago)},
            {"MetricName": "SyncDuration", "Value": 300 + hours_ago, "Unit": "Seconds", "Timestamp": now - timedelta(hours=hours_ago)},
        ])
    cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": "Invocations", "Value": 1, "Dimensions": [{"Name": "FunctionName", "Value": N.lambda_function}],
         "Timestamp": now - timedelta(hours=2)}])
    # S3 storage metrics: daily, growing 1 GiB a day for two weeks
    for day in range(14):
        cw.put_metric_data(Namespace="AWS/S3", MetricData=[{
            "MetricName": "BucketSizeBytes", "Value": float((113 - day) * GIB),
            "Dimensions": [{"Name": "BucketName", "Value": info.bucket}, {"Name": "StorageType", "Value": "StandardStorage"}],
            "Timestamp": now - timedelta(days=day, hours=1)}])
    return info


def test_metrics_json(stack):
    result = CliRunner().invoke(app, ["metrics", "--since", "24h", "--json"],
                                env={"AWS_ENDPOINT_URL": stack.endpoint, "BREWSYNC_BUCKET": stack.bucket})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    by = {(m["metric"], m["stat"]): m for m in data["metrics"]}
    assert by[("BottlesDownloaded", "Sum")]["total"] == 8
    assert by[("BytesDownloaded", "Sum")]["total"] == 10_000_000
    assert by[("SyncDuration", "SampleCount")]["total"] == 2
    assert by[("SyncDuration", "Maximum")]["max"] == 320
    assert by[("Invocations", "Sum")]["total"] == 1
    assert by[("BottlesFailed", "Sum")]["datapoints"] == 0
    mirror = data["mirror"]
    assert mirror["bottles"] == 3 and mirror["added_last_7d_bottles"] == 3  # the stack's index, synced a day ago
    assert mirror["bytes"] == mirror["added_last_7d_bytes"] > 0
    storage = data["storage"]
    assert storage["size_bytes"] == 113 * GIB
    assert storage["growth_7d_bytes"] == 7 * GIB
    assert storage["monthly_cost_usd"] == round(113 * S3_STANDARD_USD_PER_GB_MONTH, 2)
    assert data["price"]["usd_per_gb_month"] == 0.023 and "S3 Standard" in data["price"]["note"]


def test_metrics_tables_with_sparklines_and_the_price(stack):
    result = CliRunner().invoke(app, ["metrics"], env={"AWS_ENDPOINT_URL": stack.endpoint,
                                                       "BREWSYNC_BUCKET": stack.bucket})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "BottlesDownloaded" in out and "Orchestrator (AWS/Lambda)" in out and "Mirror size and growth" in out
    assert any(ch in out for ch in "▁▂▃▄▅▆▇█")
    assert "$0.023 per GB-month" in out and "$2.60" in out  # 113 GiB at $0.023


def test_metrics_bad_since(stack):
    result = CliRunner().invoke(app, ["metrics", "--since", "soon"], env={"AWS_ENDPOINT_URL": stack.endpoint})
    assert result.exit_code == 2 and "--since" in result.stderr


def test_index_growth_and_cost_are_pure():
    now = datetime(2026, 11, 29, tzinfo=timezone.utc)
    bottles = {}
    for i, days in enumerate((1, 2, 9, 30, 100)):
        bottles[f"b{i}-1.0.arm64_sonoma.bottle.tar.gz"] = {
            "name": f"b{i}", "version": "1.0", "rebuild": 0, "tag": "arm64_sonoma", "sha256": "a" * 64,
            "size": GIB, "key": f"bottles/b{i}", "synced_at": (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    index = Index.from_dict({"schema_version": 1, "last_updated": "2026-11-28T00:00:00Z", "bottles": bottles})
    g = index_growth(index, now)
    assert g["bottles"] == 5 and g["bytes"] == 5 * GIB
    assert g["weekly_added_bottles"] == [0, 0, 0, 1, 0, 0, 1, 2]
    assert g["monthly_cost_usd"] == round(5 * 0.023, 2)
    assert monthly_cost(GIB * 1000) == 23.0
    assert choose_period(now - timedelta(hours=24), now) == 3600
    assert choose_period(now - timedelta(minutes=5), now) == 60
