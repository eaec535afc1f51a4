"""Formula index validation/selection and the pure plan."""

import json

import pytest

from sync_runtime.errors import InputError
from sync_runtime.formula_index import parse_formula_json, select_bottles
from sync_runtime.index import Entry, Index
from sync_runtime.plan import make_plan

ROOT = "https://ghcr.io/v2/homebrew/core"


def sha(i):
    return f"{i:064x}"


def formula(name, version="1.0", revision=0, rebuild=0, files=None):
    files = files if files is not None else {"arm64_sonoma": sha(1)}
    return {"name": name, "full_name": name, "versions": {"stable": version}, "revision": revision,
            "bottle": {"stable": {"rebuild": rebuild, "root_url": ROOT, "files": {
                t: {"cellar": ":any", "url": f"{ROOT}/{name}/blobs/sha256:{s}", "sha256": s}
                for t, s in files.items()}}}}


def test_selection_skips_formulae_without_bottles_and_keeps_fallbacks():
    index = [formula("wget", "1.25.0", 2, 1, {"arm64_sonoma": sha(1), "monterey": sha(2), "x86_64_linux": sha(3)}),
             {"name": "nobottle", "versions": {"stable": "1"}, "revision": 0, "bottle": {}},
             formula("old", files={"arm64_ventura": sha(4)}),
             formula("noarch", files={"all": sha(5)})]
    sel = select_bottles(index, ["arm64_sonoma", "arm64_ventura", "monterey"])
    got = sorted(b.filename for b in sel.bottles)
    assert got == ["noarch-1.0.all.bottle.tar.gz", "old-1.0.arm64_ventura.bottle.tar.gz",
                   "wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz", "wget-1.25.0_2.monterey.bottle.1.tar.gz"]
    assert sel.without_bottles == ["nobottle"]


@pytest.mark.parametrize("mutate,message", [
    (lambda f: f.update(name="../etc"), "not a valid Homebrew formula name"),
    (lambda f: f.update(name="a/b"), "not a valid Homebrew formula name"),
    (lambda f: f.update(name="a\x00b"), "not a valid Homebrew formula name"),
    (lambda f: f["bottle"]["stable"]["files"]["arm64_sonoma"].update(sha256="xyz"), "not 64 lowercase hex"),
    (lambda f: f["bottle"]["stable"]["files"]["arm64_sonoma"].update(url="file:///etc/passwd"), r"not an http\(s\) URL"),
    (lambda f: f.update(revision="2"), "revision"),
    (lambda f: f["bottle"]["stable"]["files"].update({"../x": {}}), "not a valid tag"),
    (lambda f: f["bottle"]["stable"]["files"].update({f"t{i}": {} for i in range(100)}), "refusing"),
])
def test_hostile_entries_refused_with_a_reason(mutate, message):
    f = formula("wget")
    mutate(f)
    with pytest.raises(InputError, match=message):
        select_bottles([f], ["arm64_sonoma"])


def test_duplicate_names_and_unknown_formula_filter():
    with pytest.raises(InputError, match="duplicate"):
        select_bottles([formula("a"), formula("a")], ["arm64_sonoma"])
    with pytest.raises(InputError, match="--formula 'zzz'"):
        select_bottles([formula("a")], ["arm64_sonoma"], only=["zzz"])


def test_malformed_json():
    with pytest.raises(InputError, match="not valid JSON"):
        parse_formula_json(b"[{")
    with pytest.raises(InputError, match="must be a JSON array"):
        parse_formula_json(json.dumps({"a": 1}).encode())


def test_plan_new_unchanged_changed_stale_with_sizes():
    sel = select_bottles([formula("a", files={"arm64_sonoma": sha(1)}),
                          formula("b", files={"arm64_sonoma": sha(2)}),
                          formula("c", files={"arm64_sonoma": sha(3)})], ["arm64_sonoma"])
    a, b, c = sorted(sel.bottles, key=lambda x: x.name)
    now = "2026-11-29T03:00:00Z"
    index = Index({
        a.filename: Entry.from_bottle(a, key=a.blob_key, size=10, synced_at=now),
        b.filename: Entry("b", "1.0", 0, "arm64_sonoma", sha(9), 5, "k", now),   # rebuilt upstream
        "gone-1.0.arm64_sonoma.bottle.tar.gz": Entry("gone", "1.0", 0, "arm64_sonoma", sha(7), 5, "k", now),
    })
    plan = make_plan(sel.bottles, index, {sha(2): 200, sha(3): 300})
    assert [x.filename for x in plan.unchanged] == [a.filename]
    assert [(i.bottle.name, i.reason, i.bottle.size) for i in plan.new] == [("c", "new", 300), ("b", "changed", 200)]
    assert [e.name for e in plan.stale] == ["gone"]
    assert plan.bytes_new == 500
    scoped = make_plan(sel.bottles, index, scope={"a"})
    assert scoped.stale == []
