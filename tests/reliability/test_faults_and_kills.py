"""Reliability: a sync under a storm of faults, killed with SIGKILL, or racing another sync.

Marked `reliability` (run alone with `pytest -m reliability`); part of the default suite.
What must hold every time: no byte that fails its sha256 is visible, the index lists exactly
verified objects and stays valid, nothing is left half-done, and a rerun converges.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry
from sync_runtime.index import Index, validate_index
from sync_runtime.names import INDEX_KEY
from sync_runtime.stores import S3Store
from sync_runtime.tags import select_tags

from ..integration.conftest import TAGS, make_engine

pytestmark = pytest.mark.reliability
ROOT = Path(__file__).resolve().parents[2]


def expected(catalog) -> dict[str, str]:
    """filename -> sha256 the full mirror must hold (computed from the catalogue)."""
    out = {}
    for f in catalog.formulae:
        files = (f.get("bottle") or {}).get("stable", {}).get("files", {})
        rev, rebuild = f.get("revision", 0), (f.get("bottle") or {}).get("stable", {}).get("rebuild", 0)
        ver = f["versions"]["stable"] + (f"_{rev}" if rev else "")
        for tag in select_tags(TAGS, files):
            out[f"{f['name']}-{ver}.{tag}.bottle{'.%d' % rebuild if rebuild else ''}.tar.gz"] = files[tag]["sha256"]
    return out


def audit(s3, bucket: str, want: dict[str, str]) -> Index | None:
    """Every visible bottle byte is verified; the index lists only verified objects."""
    keys = {o["Key"]: o["Size"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in p.get("Contents", [])}
    for key in keys:
        if "/blobs/sha256:" in key:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert hashlib.sha256(body).hexdigest() == key.rsplit(":", 1)[1], f"bad bytes visible at {key}"
        elif key.startswith("bottles/") and key.endswith(".tar.gz"):
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            assert hashlib.sha256(body).hexdigest() == want[key[len("bottles/"):]], f"bad bytes visible at {key}"
    if INDEX_KEY not in keys:
        return None
    data = json.loads(s3.get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read())
    validate_index(data)
    index = Index.from_dict(data)
    for fn, entry in index.bottles.items():
        assert want[fn] == entry.sha256
        assert entry.key in keys, f"index lists {fn} but {entry.key} is missing"
        head = s3.head_object(Bucket=bucket, Key=entry.key)
        assert head["Metadata"]["sha256"] == entry.sha256 and head["ContentLength"] == entry.size
    return index


def test_fault_storm_then_convergence(aws, bucket):
    fault_storm(aws, bucket, count=110, at_least=250)


@pytest.mark.slow
def test_fault_storm_large(aws, bucket):
    """The long variant: ~1,000 bottles through the same storm (pytest -m slow)."""
    fault_storm(aws, bucket, count=420, at_least=1000)


def fault_storm(aws, bucket, *, count: int, at_least: int) -> None:
    catalog = generate_catalog(count=count, seed=21)
    want = expected(catalog)
    assert len(want) >= at_least
    s3 = aws.client("s3")
    with LocalRegistry(catalog) as registry:
        for i, (kind, rate) in enumerate([("5xx", 0.15), ("reset", 0.1), ("truncate", 0.1),
                                          ("wrong_bytes", 0.1), ("expired_redirect", 0.15), ("slow", 0.1)]):
            registry.set_fault(kind, rate=rate, seed=i)
        store = S3Store(bucket, "", aws)
        first = make_engine(registry, store, concurrency=8).run()
        stats = registry.stats
        assert sum(v for k, v in stats.items() if k.startswith("fault_")) > 50  # the storm happened
        index = audit(s3, bucket, want)
        assert index is not None
        good = {r.bottle.filename for r in first.copied}
        assert set(index.bottles) == good                      # exactly the verified ones
        assert len(good) + len(first.failed) == len(want)       # every bottle accounted for
        assert all(r.reason for r in first.failed)
        registry.clear_faults()
        second = make_engine(registry, store).run()
        assert second.ok
        final = audit(s3, bucket, want)
        assert set(final.bottles) == set(want)
        assert {r.bottle.filename for r in second.copied} == set(want) - good
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def _sync_cmd(endpoint: str, api_url: str, bucket: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "brewsync_ops", "--endpoint-url", endpoint, "sync", "--to", f"s3://{bucket}",
            "--api-url", api_url, "--concurrency", "4", "--json", *extra]


def _env() -> dict:
    return {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)}


def test_sigkill_at_random_points_then_rerun_converges(aws, bucket, moto_server):
    # Several blobs above the 8 MiB part size, so kills land inside multipart uploads.
    catalog = generate_catalog(count=12, seed=4, min_size=300_000, max_size=24_000_000)
    want = expected(catalog)
    s3 = aws.client("s3")
    rng = random.Random(1234)
    orphans_seen = 0
    with LocalRegistry(catalog) as registry:
        registry.set_fault("slow", rate=0.3, seed=1)
        for round_ in range(5):
            proc = subprocess.Popen(_sync_cmd(moto_server, registry.api_url, bucket), env=_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.8, 3.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            audit(s3, bucket, want)  # valid or absent, never a lie, after every kill
            orphans_seen = max(orphans_seen, len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])))
        registry.clear_faults()
        done = subprocess.run(_sync_cmd(moto_server, registry.api_url, bucket), env=_env(),
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
    final = audit(s3, bucket, want)
    assert set(final.bottles) == set(want)
    assert orphans_seen > 0  # the kills did interrupt multipart uploads...
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []  # ...and none remain


def test_two_syncs_started_together_lose_no_entry(aws, bucket, moto_server):
    catalog = generate_catalog(count=30, seed=9)
    want = expected(catalog)
    names = sorted({f["name"] for f in catalog.formulae if (f.get("bottle") or {}).get("stable")})
    half_a = [a for n in names[::2] for a in ("--formula", n)]
    half_b = [a for n in names[1::2] for a in ("--formula", n)]
    with LocalRegistry(catalog) as registry:
        procs = [subprocess.Popen(_sync_cmd(moto_server, registry.api_url, bucket, *half), env=_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for half in (half_a, half_b, [])]
        outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [o[1][-400:] for o in outs]
    final = audit(aws.client("s3"), bucket, want)
    assert set(final.bottles) == set(want)
