"""`brewsync hash …` on a moto server, against a mirror synced from the local registry.

Corrupt → validate names it (exit 1) → versions lists the good one → restore → valid again;
rebuild after deleting the index with zero registry requests; legacy import placed against the
formula index; bad input is one line, exit 2, the index untouched."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.fixtures import generate_catalog
from sync_runtime.names import INDEX_KEY

from .conftest import make_engine



@pytest.fixture(scope="module")
def catalog():
    return generate_catalog(count=12, seed=3)


@pytest.fixture
def synced(registry, s3_store, aws, bucket):
    report = make_engine(registry, s3_store).run()
    assert report.ok
    return json.loads(aws.client("s3").get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read())


def cli(moto, bucket, *args, **kw):
    return CliRunner().invoke(app, ["--endpoint-url", moto, "--bucket", bucket, *args], **kw)


def put_index(aws, bucket, body: bytes):
    aws.client("s3").put_object(Bucket=bucket, Key=INDEX_KEY, Body=body)


def current(aws, bucket) -> bytes:
    return aws.client("s3").get_object(Bucket=bucket, Key=INDEX_KEY)["Body"].read()


def requests_made(registry) -> int:
    return sum(v for k, v in registry.stats.items() if k != "bytes_sent")


def _bad_entry(index: dict) -> bytes:
    data = json.loads(json.dumps(index))
    key = sorted(data["bottles"])[0]
    data["bottles"][key]["sha256"] = "NOT-A-DIGEST"
    return json.dumps(data).encode()


CORRUPTIONS = {
    "bad-json": (lambda index: b'{"schema_version": 1, "bottles": {', "is not JSON"),
    "missing-bottles": (lambda index: json.dumps({"schema_version": 1, "last_updated": None}).encode(),
                        "bottles: missing"),
    "bad-entry": (_bad_entry, ".sha256: 'NOT-A-DIGEST' is not 64 lowercase hex"),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupt_validate_versions_restore(corruption, synced, moto_server, bucket, aws):
    make, phrase = CORRUPTIONS[corruption]
    assert cli(moto_server, bucket, "hash", "validate").exit_code == 0
    put_index(aws, bucket, make(synced))

    bad = cli(moto_server, bucket, "hash", "validate")
    assert bad.exit_code == 1, bad.output
    assert phrase in bad.stdout

    listed = cli(moto_server, bucket, "hash", "versions", "--json")
    assert listed.exit_code == 0, listed.output
    versions = json.loads(listed.stdout)["versions"]
    assert versions[0]["latest"] and not versions[0]["valid"] and phrase in versions[0]["problem"]
    good = next(v for v in versions if v["valid"] and v["entries"] == len(synced["bottles"]))

    refused = cli(moto_server, bucket, "hash", "restore", "--version", versions[0]["id"])
    assert refused.exit_code == 2 and "not a valid index" in refused.stderr

    restored = cli(moto_server, bucket, "hash", "restore", "--version", good["id"], "--json")
    assert restored.exit_code == 0, restored.output
    changes = json.loads(restored.stdout)
    assert changes["restored"] == good["id"] and changes["valid"]
    if corruption == "bad-entry":  # same keys: nothing added or removed, one entry's digest back
        assert changes["added"] == [] and changes["removed"] == [] and len(changes["changed"]) == 1
    else:
        assert sorted(changes["added"]) == sorted(synced["bottles"]) and changes["removed"] == []
    ok = cli(moto_server, bucket, "hash", "validate", "--against-store")
    assert ok.exit_code == 0, ok.output
    assert json.loads(current(aws, bucket))["bottles"] == synced["bottles"]
    # the broken version is still recoverable: restoring made a new version, it deleted nothing
    after = json.loads(cli(moto_server, bucket, "hash", "versions", "--json").stdout)["versions"]
    assert len(after) == len(versions) + 1


def test_rebuild_after_delete_makes_no_registry_request(synced, moto_server, bucket, aws, registry):
    aws.client("s3").delete_object(Bucket=bucket, Key=INDEX_KEY)
    assert cli(moto_server, bucket, "hash", "validate").exit_code == 1
    registry.reset_stats()

    dry = cli(moto_server, bucket, "hash", "rebuild", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert sorted(json.loads(dry.stdout)["added"]) == sorted(synced["bottles"])
    with pytest.raises(Exception):
        current(aws, bucket)  # dry run wrote nothing

    result = cli(moto_server, bucket, "hash", "rebuild")
    assert result.exit_code == 0, result.output
    assert "nothing downloaded" in result.stdout
    rebuilt = json.loads(current(aws, bucket))["bottles"]
    assert set(rebuilt) == set(synced["bottles"])
    for k, e in synced["bottles"].items():
        assert (rebuilt[k]["sha256"], rebuilt[k]["key"], rebuilt[k]["size"]) == (e["sha256"], e["key"], e["size"])
    assert requests_made(registry) == 0, registry.stats
    assert cli(moto_server, bucket, "hash", "diff").exit_code == 0


def test_rebuild_without_history_uses_metadata_and_names(synced, moto_server, bucket, aws, registry):
    """No stored versions and no cached formula index: bottles/ objects are placed by name."""
    s3 = aws.client("s3")
    for v in s3.list_object_versions(Bucket=bucket, Prefix=INDEX_KEY).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=INDEX_KEY, VersionId=v["VersionId"])
    registry.reset_stats()
    result = cli(moto_server, bucket, "hash", "rebuild", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["formula_index_cached"] and data["history_entries"] == 0
    assert set(json.loads(current(aws, bucket))["bottles"]) == set(synced["bottles"])
    assert requests_made(registry) == 0


def test_bad_input_is_one_line_exit_2_and_index_untouched(synced, moto_server, bucket, aws, registry, tmp_path):
    before = current(aws, bucket)
    unreadable = tmp_path / "locked.json"
    unreadable.write_text("{}")
    unreadable.chmod(0)
    cases = [
        (["hash", "restore", "--version", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"], "does not exist"),
        (["hash", "restore", "--version", "snapshot-20200101T000000000000Z"], "does not exist"),
        (["hash", "import", str(tmp_path / "missing.json")], "cannot read"),
        (["hash", "import", str(tmp_path)], "cannot read"),
        (["hash", "import", f"{registry.api_url}/no-such-index.json"], "HTTP 404"),
        (["hash", "import", f"s3://{bucket}/no-such-key.json"], "NoSuchKey"),
    ]
    import os

    if os.geteuid() != 0:  # root reads anything
        cases.append((["hash", "import", str(unreadable)], "cannot read"))
    for args, phrase in cases:
        result = cli(moto_server, bucket, *args)
        assert result.exit_code == 2, (args, result.output)
        errors = [line for line in result.stderr.splitlines() if line.startswith("brewsync: error:")]
        assert len(errors) == 1 and phrase in errors[0], (args, result.stderr)
        assert "Traceback" not in result.output
    assert current(aws, bucket) == before


def _legacy_key(name, version, tag):
    return f"{name}-{version}-{tag}"


def test_legacy_import_places_names_with_at_plus_dash(registry, catalog, moto_server, bucket, aws, s3_store):
    """Objects of the original design (date folders, no revision/rebuild in the name)."""
    s3 = aws.client("s3")

    def obj(key, body):
        sha = hashlib.sha256(body).hexdigest()
        s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata={"sha256": sha})
        return sha

    ossl = catalog.formula("openssl@3")
    ossl_sha = ossl["bottle"]["stable"]["files"]["arm64_sonoma"]["sha256"]
    s3.put_object(Bucket=bucket, Key=f"v2/homebrew/core/openssl/3/blobs/sha256:{ossl_sha}", Body=b"x" * 10,
                  Metadata={"sha256": ossl_sha})
    gtk_sha = obj("2025-07-21/gtk+3-3.24.43.arm64_sonoma.bottle.tar.gz", b"old gtk bottle")
    gcc_sha = obj("2025-07-21/aarch64-elf-gcc-13.1.0.monterey.bottle.tar.gz", b"old gcc bottle")
    ca_sha = obj("2025-07-20/ca-certificates-2024-11-26.all.bottle.tar.gz", b"old ca bottle")
    legacy = {"last_updated": "2025-07-21T03:00:00", "bottles": {
        _legacy_key("openssl@3", "3.4.1", "arm64_sonoma"): {"sha256": ossl_sha, "download_date": "2025-07-21", "file_size": 10},
        _legacy_key("gtk+3", "3.24.43", "arm64_sonoma"): {"sha256": gtk_sha, "download_date": "2025-07-21", "file_size": 14},
        _legacy_key("aarch64-elf-gcc", "13.1.0", "monterey"): {"sha256": gcc_sha, "download_date": "2025-07-21", "file_size": 14},
        _legacy_key("ca-certificates", "2024-11-26", "all"): {"sha256": ca_sha, "download_date": "2025-07-20", "file_size": 13},
        _legacy_key("not-a-formula", "1.0", "arm64_sonoma"): {"sha256": "a" * 64, "download_date": "2025-07-21", "file_size": 1},
        _legacy_key("wget", "1.25.0", "arm64_sonoma"): {"sha256": "b" * 64, "download_date": "2025-07-21", "file_size": 1},
    }}
    s3.put_object(Bucket=bucket, Key="old/bottles_hash.json", Body=json.dumps(legacy).encode())

    result = cli(moto_server, bucket, "hash", "import", f"s3://{bucket}/old/bottles_hash.json", "--json",
                 env={"BREWSYNC_API_URL": registry.api_url})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["format"] == "legacy"
    assert sorted(data["imported"]) == sorted([
        "openssl@3-3.4.1_1.arm64_sonoma.bottle.2.tar.gz",  # revision + rebuild from the formula index
        "gtk+3-3.24.43.arm64_sonoma.bottle.tar.gz",
        "aarch64-elf-gcc-13.1.0.monterey.bottle.tar.gz",   # an older version: known name, exactly one split
        "ca-certificates-2024-11-26.all.bottle.tar.gz",    # a version with dashes
    ])
    unplaced = {u["key"]: u["why"] for u in data["unplaced"]}
    assert set(unplaced) == {"not-a-formula-1.0-arm64_sonoma", "wget-1.25.0-arm64_sonoma"}
    assert "no formula" in unplaced["not-a-formula-1.0-arm64_sonoma"]
    assert "no object" in unplaced["wget-1.25.0-arm64_sonoma"]
    assert {c["to"] for c in data["copied"]} == {
        "bottles/gtk+3-3.24.43.arm64_sonoma.bottle.tar.gz", "bottles/aarch64-elf-gcc-13.1.0.monterey.bottle.tar.gz",
        "bottles/ca-certificates-2024-11-26.all.bottle.tar.gz"}
    index = json.loads(current(aws, bucket))
    assert cli(moto_server, bucket, "hash", "validate", "--against-store").exit_code == 0
    assert index["bottles"]["gtk+3-3.24.43.arm64_sonoma.bottle.tar.gz"]["synced_at"] == "2025-07-21T00:00:00Z"

    # importing again changes nothing; a newer entry in the index is never overwritten
    again = json.loads(cli(moto_server, bucket, "hash", "import", f"s3://{bucket}/old/bottles_hash.json", "--json",
                           env={"BREWSYNC_API_URL": registry.api_url}).stdout)
    assert again["imported"] == [] and len(again["already_present"]) == 4


def test_import_never_overwrites_newer_entries(synced, moto_server, bucket, aws):
    older = json.loads(json.dumps(synced))
    key = sorted(older["bottles"])[0]
    newer_entry = dict(synced["bottles"][key])
    older["bottles"][key]["synced_at"] = "2020-01-01T00:00:00Z"
    older["bottles"][key]["sha256"] = "c" * 64  # would be a different object: must not win
    path = "/tmp/brewsync-import-older.json"
    with open(path, "w") as f:
        json.dump(older, f)
    result = cli(moto_server, bucket, "hash", "import", path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(current(aws, bucket))["bottles"][key] == newer_entry


def test_folder_mirror_keeps_snapshots(tmp_path):
    from sync_runtime.index import Entry, Index
    from sync_runtime.stores import FolderStore

    store = FolderStore(tmp_path)
    body = b"bottle"
    sha = hashlib.sha256(body).hexdigest()
    store.put_stream("bottles/a-1.0.monterey.bottle.tar.gz", [body], sha256=sha)
    e = Entry("a", "1.0", 0, "monterey", sha, len(body), "bottles/a-1.0.monterey.bottle.tar.gz", "2026-01-01T00:00:00Z")
    store.put_bytes(INDEX_KEY, Index({e.filename: e}, "2026-01-01T00:00:00Z").to_json())
    run = lambda *a: CliRunner().invoke(app, ["hash", *a, "--to", str(tmp_path)])  # noqa: E731
    store.put_bytes(INDEX_KEY, b"garbage")
    assert run("validate").exit_code == 1
    assert run("rebuild", "--yes").exit_code == 0  # the garbage is kept as a snapshot first
    versions = json.loads(run("versions", "--json").stdout)["versions"]
    assert len(versions) == 1 and not versions[0]["valid"]
    assert run("validate", "--against-store").exit_code == 0
