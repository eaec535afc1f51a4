"""A full sync into S3 on a moto server, from the local Homebrew-like registry."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest

from sync_runtime.index import Entry, Index, IndexRepo, merge
from sync_runtime.names import INDEX_KEY
from sync_runtime.tags import select_tags

from .conftest import TAGS, make_engine


def expected_bottles(catalog):
    """(filename, sha256, image) the mirror must hold, computed from the catalogue itself."""
    out = {}
    for f in catalog.formulae:
        files = (f.get("bottle") or {}).get("stable", {}).get("files", {})
        if not files:
            continue
        rev = f.get("revision", 0)
        ver = f["versions"]["stable"] + (f"_{rev}" if rev else "")
        rebuild = f["bottle"]["stable"]["rebuild"]
        for tag in select_tags(TAGS, files):
            name = f["name"]
            fn = f"{name}-{ver}.{tag}.bottle{'.%d' % rebuild if rebuild else ''}.tar.gz"
            out[fn] = (files[tag]["sha256"], name.replace("@", "/").replace("+", "x"))
    return out


def s3_bytes(aws, bucket, key):
    return aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def test_full_sync_then_noop(registry, catalog, aws, bucket, s3_store):
    report = make_engine(registry, s3_store).run()
    want = expected_bottles(catalog)
    assert report.ok, report.to_dict()["failures"]
    assert len(report.copied) == len(want) > 20
    index = json.loads(s3_bytes(aws, bucket, INDEX_KEY))
    assert set(index["bottles"]) == set(want)
    s3 = aws.client("s3")
    for fn, (sha, image) in want.items():
        blob_key = f"v2/homebrew/core/{image}/blobs/sha256:{sha}"
        body = s3_bytes(aws, bucket, blob_key)
        assert hashlib.sha256(body).hexdigest() == sha
        assert s3.head_object(Bucket=bucket, Key=blob_key)["Metadata"]["sha256"] == sha
        assert s3_bytes(aws, bucket, f"bottles/{fn}") == body
        assert index["bottles"][fn]["key"] == blob_key and index["bottles"][fn]["size"] == len(body)
    # A blob shared by two tags is stored once under the artifact layout.
    blob_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="v2/")["Contents"] if "/blobs/" in o["Key"]]
    assert len(blob_keys) == len({sha for sha, _ in want.values()})
    # Manifests and the signed API files, byte for byte.
    for (image, mtag), raw in catalog.manifests.items():
        if any(img == image for _, img in want.values()):
            assert s3_bytes(aws, bucket, f"v2/homebrew/core/{image}/manifests/{mtag}") == raw
            assert s3_bytes(aws, bucket, f"bottles/{image}/manifests/{mtag}") == raw
    assert s3_bytes(aws, bucket, "api/formula.jws.json") == catalog.api_files["formula.jws.json"]

    # Second run: one conditional GET of the index, zero blob requests, index not rewritten.
    versions_before = s3.list_object_versions(Bucket=bucket, Prefix=INDEX_KEY)["Versions"]
    registry.reset_stats()
    again = make_engine(registry, s3_store).run()
    stats = registry.stats
    assert again.ok and again.copied == [] and len(again.plan.unchanged) == len(want)
    assert stats["blob"] == 0 and stats["blob_download"] == 0 and stats["manifest"] == 0
    assert stats["index_304"] == 1
    assert again.index_written is False
    assert s3.list_object_versions(Bucket=bucket, Prefix=INDEX_KEY)["Versions"] == versions_before


@pytest.mark.parametrize("fault", ["wrong_bytes", "truncate", "5xx"])
def test_a_bad_bottle_is_never_visible_and_the_rest_completes(fault, registry, catalog, aws, bucket, s3_store):
    want = expected_bottles(catalog)
    victim_fn, (victim_sha, victim_image) = sorted(want.items())[3]
    registry.set_fault(fault, match=victim_sha)  # every request for that blob misbehaves
    report = make_engine(registry, s3_store).run()
    assert [r.bottle.filename for r in report.failed] == [victim_fn]
    assert len(report.copied) == len(want) - 1
    s3 = aws.client("s3")
    keys = {o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in p.get("Contents", [])}
    assert f"v2/homebrew/core/{victim_image}/blobs/sha256:{victim_sha}" not in keys
    assert f"bottles/{victim_fn}" not in keys
    index = json.loads(s3_bytes(aws, bucket, INDEX_KEY))
    assert victim_fn not in index["bottles"] and len(index["bottles"]) == len(want) - 1
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # The fault goes away: the next run copies just that one.
    registry.clear_faults()
    fixed = make_engine(registry, s3_store).run()
    assert [r.bottle.filename for r in fixed.copied] == [victim_fn] and fixed.ok


def test_large_blob_streams_multipart_and_mismatch_aborts(aws, bucket, s3_store):
    """> one part: goes through the transfer manager; a wrong digest leaves nothing behind."""
    data = hashlib.sha256(b"seed").digest() * (20 * 1024 * 1024 // 32 + 7)
    good = hashlib.sha256(data).hexdigest()
    chunks = lambda: (data[i:i + 1_000_000] for i in range(0, len(data), 1_000_000))  # noqa: E731
    info = s3_store.put_stream("v2/x/blobs/sha256:" + good, chunks(), sha256=good, size=len(data))
    assert info.size == len(data)
    s3 = aws.client("s3")
    assert s3.head_object(Bucket=bucket, Key="v2/x/blobs/sha256:" + good)["Metadata"]["sha256"] == good
    # The bottle-domain copy of a multipart-sized blob keeps its sha256 metadata and type.
    s3_store.copy("v2/x/blobs/sha256:" + good, "bottles/x-1.0.all.bottle.tar.gz")
    head = s3.head_object(Bucket=bucket, Key="bottles/x-1.0.all.bottle.tar.gz")
    assert head["Metadata"]["sha256"] == good and head["ContentLength"] == len(data)
    from sync_runtime.errors import DigestMismatch

    with pytest.raises(DigestMismatch):
        s3_store.put_stream("v2/x/blobs/sha256:" + "0" * 64, chunks(), sha256="0" * 64)
    with pytest.raises(DigestMismatch):  # small path too, size unknown
        s3_store.put_stream("small", iter([b"abc"]), sha256="0" * 64)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {"v2/x/blobs/sha256:" + good, "bottles/x-1.0.all.bottle.tar.gz"}
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_concurrent_index_writers_lose_nothing(s3_store):
    repo_a, repo_b = IndexRepo(s3_store), IndexRepo(s3_store)
    sha = "d" * 64

    def writer(repo, prefix):
        for i in range(15):
            e = Entry(f"{prefix}{i}", "1.0", 0, "arm64_sonoma", sha, 1, f"k/{prefix}{i}", "2026-11-29T03:00:00Z")
            repo.update(lambda cur, e=e: merge(cur, {e.filename: e}))

    threads = [threading.Thread(target=writer, args=(r, p)) for r, p in ((repo_a, "a"), (repo_b, "b"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    index, _ = repo_a.load()
    assert isinstance(index, Index) and len(index.bottles) == 30


def test_store_prefix_keys_and_listing(aws, bucket):
    from sync_runtime.errors import InputError
    from sync_runtime.stores import S3Store

    store = S3Store(bucket, "mirror/", aws)
    store.put_bytes("v2/homebrew/core/a/blobs/sha256:" + "1" * 64, b"x")
    store.put_bytes("bottles/a-1.all.bottle.tar.gz", b"y")
    assert [o.key for o in store.list("v2/")] == ["v2/homebrew/core/a/blobs/sha256:" + "1" * 64]
    assert len(list(store.list())) == 2
    raw = aws.client("s3").list_objects_v2(Bucket=bucket)["Contents"]
    assert all(o["Key"].startswith("mirror/") for o in raw)
    for bad in ("../x", "/abs", "a//b", "a/./b"):
        with pytest.raises(InputError):
            store.put_bytes(bad, b"z")
