"""A run handed to ECS: its files under ``runs/<run-id>/`` and the pure steps around them.

    runs/<run-id>/run.json               what the orchestrator decided (shards, tags, layout,
                                         what the Lambda already copied)
    runs/<run-id>/plan/shard-<n>.json    the bottles of shard n (every Bottle field)
    runs/<run-id>/results/shard-<n>.json what shard n did (rewritten when the shard is re-run)
    runs/<run-id>/report.json            the run report, created once (IfNoneMatch) by the
                                         last shard to finish

Pure: `split_shards` (balanced by bytes), (de)serialisation with validation (a plan file is
input: every field is checked before a key is derived from it), `summarize` of the results.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .bottle import Bottle, check_name, check_sha256, check_version, TAG_RE
from .config import check_run_id
from .engine import BottleResult, LAYOUTS
from .errors import InputError, PreconditionFailed
from .plan import Item

SCHEMA = 1
UNKNOWN_SIZE_GUESS = 100_000_000  # bytes assumed for a bottle whose manifest gave no size


def run_prefix(run_id: str) -> str:
    return f"runs/{check_run_id(run_id)}"


def run_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}/run.json"


def shard_key(run_id: str, shard: int) -> str:
    return f"{run_prefix(run_id)}/plan/shard-{int(shard)}.json"


def result_key(run_id: str, shard: int | str) -> str:
    return f"{run_prefix(run_id)}/results/shard-{shard}.json"


def report_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}/report.json"


def item_bytes(item: Item) -> int:
    return item.bottle.size if item.bottle.size is not None else UNKNOWN_SIZE_GUESS


# ------------------------------------------------------------------ pure

def split_shards(items: Iterable[Item], count: int) -> list[list[Item]]:
    """At most ``count`` non-empty shards of about equal bytes (largest first to the lightest)."""
    items = sorted(items, key=lambda i: (-item_bytes(i), i.bottle.index_key))
    n = max(1, min(count, len(items)))
    shards: list[list[Item]] = [[] for _ in range(n)]
    loads = [0] * n
    for item in items:
        k = min(range(n), key=lambda j: (loads[j], j))
        shards[k].append(item)
        loads[k] += item_bytes(item)
    return [s for s in shards if s]


def bottle_to_dict(b: Bottle) -> dict:
    return {"name": b.name, "pkg_version": b.pkg_version, "rebuild": b.rebuild, "tag": b.tag,
            "sha256": b.sha256, "url": b.url, "size": b.size}


def bottle_from_dict(d: object, where: str = "bottle") -> Bottle:
    if not isinstance(d, dict):
        raise InputError(f"{where}: expected an object")
    try:
        rebuild, size, url, tag = d["rebuild"], d.get("size"), d["url"], d["tag"]
        bottle = Bottle(check_name(d["name"], f"{where}.name"),
                        check_version(d["pkg_version"], f"{where}.pkg_version"),
                        rebuild, tag, check_sha256(d["sha256"], f"{where}.sha256"), url, size)
    except KeyError as exc:
        raise InputError(f"{where}: field {exc.args[0]!r} missing") from None
    if type(rebuild) is not int or rebuild < 0:
        raise InputError(f"{where}.rebuild: {rebuild!r} is not a non-negative integer")
    if not isinstance(tag, str) or not TAG_RE.match(tag):
        raise InputError(f"{where}.tag: {tag!r} is not a valid bottle tag")
    if size is not None and (type(size) is not int or size < 0):
        raise InputError(f"{where}.size: {size!r} is not a non-negative integer")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise InputError(f"{where}.url: not an http(s) URL")
    return bottle


def _load(raw: bytes, what: str) -> dict:
    """A run file of ours: JSON, an object, our schema — or one InputError naming ``what``."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(f"{what} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(f"{what}: unknown schema")
    return data


@dataclass
class ShardPlan:
    run_id: str
    shard: int
    shard_count: int
    items: list[Item]
    roots: dict[str, str] = field(default_factory=dict)  # formula name -> registry root URL

    def to_json(self) -> bytes:
        return json.dumps({
            "schema": SCHEMA, "run_id": self.run_id, "shard": self.shard,
            "shard_count": self.shard_count,
            "bytes": sum(item_bytes(i) for i in self.items),
            "bottles": [{**bottle_to_dict(i.bottle), "reason": i.reason} for i in self.items],
            "roots": self.roots,
        }, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "ShardPlan":
        data = _load(raw, "shard plan")
        bottles = data.get("bottles")
        if not isinstance(bottles, list):
            raise InputError("shard plan: 'bottles' must be a list")
        items = []
        for i, d in enumerate(bottles):
            reason = d.get("reason", "new") if isinstance(d, dict) else "new"
            items.append(Item(bottle_from_dict(d, f"bottles[{i}]"), reason if reason in ("new", "changed") else "new"))
        roots = data.get("roots") or {}
        if not isinstance(roots, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.startswith(("https://", "http://"))
                                                  for k, v in roots.items()):
            raise InputError("shard plan: 'roots' must map formula names to http(s) URLs")
        shard, count = data.get("shard"), data.get("shard_count")
        if type(shard) is not int or type(count) is not int or not 0 <= shard < count:
            raise InputError("shard plan: bad 'shard' / 'shard_count'")
        return cls(check_run_id(data.get("run_id")), shard, count, items, roots)


@dataclass
class RunInfo:
    """runs/<run-id>/run.json: written by the orchestrator before any task starts."""

    run_id: str
    started_at: str
    source: str
    shard_count: int
    tags: tuple[str, ...]
    layout: str
    plan: dict = field(default_factory=dict)       # Plan.summary()
    lambda_part: dict = field(default_factory=dict)  # results of what the Lambda copied
    started_monotonic_epoch: float = 0.0             # time.time() at start, for SyncDuration

    def to_json(self) -> bytes:
        return json.dumps({
            "schema": SCHEMA, "run_id": self.run_id, "started_at": self.started_at,
            "started_epoch": self.started_monotonic_epoch, "source": self.source,
            "shard_count": self.shard_count, "tags": list(self.tags), "layout": self.layout,
            "plan": self.plan, "lambda": self.lambda_part,
        }, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "RunInfo":
        d = _load(raw, "run.json")
        tags = d.get("tags")
        if not isinstance(tags, list) or not all(isinstance(t, str) and TAG_RE.match(t) for t in tags):
            raise InputError("run.json: 'tags' must be a list of bottle tags")
        if d.get("layout") not in LAYOUTS:
            raise InputError("run.json: bad 'layout'")
        count = d.get("shard_count")
        if type(count) is not int or count < 1:
            raise InputError("run.json: bad 'shard_count'")
        return cls(check_run_id(d.get("run_id")), str(d.get("started_at")), str(d.get("source")),
                   count, tuple(tags), d["layout"], d.get("plan") or {}, d.get("lambda") or {},
                   float(d.get("started_epoch") or 0.0))


def results_to_dict(results: Iterable[BottleResult], **extra: Any) -> dict:
    results = list(results)
    return {
        "schema": SCHEMA, **extra,
        "copied": sum(1 for r in results if r.status == "copied"),
        "failed": sum(1 for r in results if r.status == "failed"),
        "bytes": sum(r.bytes for r in results),
        "results": [r.to_dict() for r in results],
    }


def summarize(parts: Mapping[str, Mapping]) -> dict:
    """Combine result documents (lambda part + every shard) into the run's totals (pure)."""
    copied = failed = nbytes = 0
    failures: list[dict] = []
    for name in sorted(parts):
        part = parts[name] or {}
        copied += int(part.get("copied", 0))
        failed += int(part.get("failed", 0))
        nbytes += int(part.get("bytes", 0))
        failures += [{**r, "where": name} for r in part.get("results", []) if r.get("status") == "failed"]
    return {"copied": copied, "failed": failed, "bytes": nbytes, "failures": failures}


# ------------------------------------------------------------------ I/O helpers

def read_json(store, key: str) -> dict | None:
    got = store.get_bytes(key)
    if got is None:
        return None
    try:
        data = json.loads(got[0])
    except ValueError:
        raise InputError(f"{key} is not JSON") from None
    return data if isinstance(data, dict) else None


def put_json(store, key: str, data: dict, *, create_only: bool = False) -> bool:
    """Write JSON; with ``create_only`` return False when the key exists already (IfNoneMatch)."""
    body = json.dumps(data, indent=1, sort_keys=True, default=str).encode()
    try:
        store.put_bytes(key, body, content_type="application/json", if_none_match=create_only)
    except PreconditionFailed:
        if create_only:
            return False
        raise
    return True


def present_results(store, run_id: str, shard_count: int) -> set[int]:
    """Which shards have written their result file."""
    prefix = f"{run_prefix(run_id)}/results/shard-"  # no trailing '/': keys are checked
    wanted = {f"{prefix}{n}.json": n for n in range(shard_count)}
    return {wanted[o.key] for o in store.list(prefix) if o.key in wanted}
