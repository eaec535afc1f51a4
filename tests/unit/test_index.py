"""bottles_hash.json: validation names the first bad field; merge; legacy placement."""

import json

import pytest

from sync_runtime.errors import IndexInvalid
from sync_runtime.index import Entry, Index, merge, parse_legacy, validate_index

SHA = "b" * 64
NOW = "2026-11-29T03:00:00Z"


def entry(name="wget", version="1.25.0_2", rebuild=1, tag="arm64_sonoma", sha=SHA):
    return Entry(name, version, rebuild, tag, sha, 1234, f"v2/homebrew/core/{name}/blobs/sha256:{sha}", NOW)


def test_roundtrip_is_stable_and_valid():
    idx = Index({entry().filename: entry()}, NOW)
    raw = idx.to_json()
    again = Index.from_json(raw)
    assert again.bottles == idx.bottles
    assert again.to_json() == raw
    data = json.loads(raw)
    assert data["schema_version"] == 1 and "wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz" in data["bottles"]


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.pop("bottles"), "bottles: missing"),
    (lambda d: d.update(bottles=[]), "bottles: must be an object"),
    (lambda d: d.pop("last_updated"), "last_updated: missing"),
    (lambda d: d.update(last_updated="yesterday"), "last_updated"),
    (lambda d: d.update(schema_version=7), "schema_version"),
    (lambda d: d["bottles"]["wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"].update(sha256="XYZ"), r"bottles\['wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz'\].sha256"),
    (lambda d: d["bottles"]["wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"].pop("size"), r"\.size: missing"),
    (lambda d: d["bottles"]["wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"].update(rebuild=True), r"\.rebuild"),
    (lambda d: d["bottles"]["wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"].update(key="../x"), r"\.key"),
    (lambda d: d["bottles"].update({"other": d["bottles"]["wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"]}), "key does not match"),
])
def test_validation_names_the_first_bad_field(mutate, message):
    data = Index({entry().filename: entry()}, NOW).to_dict()
    mutate(data)
    with pytest.raises(IndexInvalid, match=message):
        validate_index(data)


def test_not_json_and_legacy_are_told_apart():
    with pytest.raises(IndexInvalid, match="not JSON: .* line 1"):
        Index.from_json(b"{oops")
    legacy = {"last_updated": "x", "bottles": {"curl-8.0.0-arm64_sonoma": {"sha256": SHA, "download_date": "2025-07-21", "file_size": 5}}}
    with pytest.raises(IndexInvalid, match="legacy"):
        validate_index(legacy)


def test_merge_keeps_others_entries_and_removes_only_exact_matches():
    mine, theirs = entry("mine"), entry("theirs")
    current = Index({theirs.filename: theirs}, NOW)
    merged = merge(current, {mine.filename: mine})
    assert set(merged.bottles) == {mine.filename, theirs.filename}
    rebuilt = entry("theirs", sha="c" * 64)
    merged2 = merge(Index({rebuilt.filename: rebuilt}), removed=[theirs])
    assert merged2.bottles[rebuilt.filename].sha256 == "c" * 64


def test_legacy_keys_with_dashes_at_and_plus_are_placed_by_the_formula_index():
    data = {"bottles": {
        "aarch64-elf-gcc-14.2.0-arm64_sonoma": {"sha256": SHA, "download_date": "2025-07-21", "file_size": 9},
        "openssl@3-3.4.1-monterey": {"sha256": SHA, "download_date": "2025-07-21", "file_size": 9},
        "gtk+3-3.24.43-arm64_sonoma": {"sha256": SHA, "download_date": "2025-07-21", "file_size": 9},
        "mystery-1.0-arm64_sonoma": {"sha256": SHA, "download_date": "2025-07-21"},
        "x-1-nosuchtag": {"sha256": SHA, "download_date": "2025-07-21"},
    }}
    known = {"aarch64-elf-gcc": {"14.2.0"}, "aarch64-elf": {"9"}, "openssl@3": {"3.4.1"}, "gtk+3": {"3.24.43"}}
    placed, unplaced = parse_legacy(data, known, ["arm64_sonoma", "monterey"])
    assert {(p.name, p.version, p.tag) for p in placed} == {
        ("aarch64-elf-gcc", "14.2.0", "arm64_sonoma"), ("openssl@3", "3.4.1", "monterey"),
        ("gtk+3", "3.24.43", "arm64_sonoma")}
    assert dict(unplaced) == {"mystery-1.0-arm64_sonoma": "no formula in the index matches",
                              "x-1-nosuchtag": "unknown tag 'nosuchtag'"}
