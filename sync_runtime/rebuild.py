"""Rebuild ``bottles_hash.json`` from what the store really holds, without downloading a byte.

An index entry may exist only for an object that exists with that digest. Candidates are the
bottles we know about (the formula index's selection, the entries of the current index, when it
can still be read); each candidate's object is asked with one HEAD and kept when its ``sha256``
metadata matches. The matching is pure (`entries_from_heads`); the HEADs are the adapter
(`head_all`). `rebuild_index(store, candidates)` combines the two; `brewsync hash rebuild`
and the orchestrator's ``rebuild_hash`` both use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from .bottle import Bottle
from .errors import PreconditionFailed
from .index import Entry, Index, IndexRepo, utc_now
from .stores import ObjectInfo, Store


def _keys_for(candidate: Bottle | Entry, layout: str) -> list[str]:
    """Where the bytes of a candidate may live, in order of preference."""
    if isinstance(candidate, Entry):
        return [candidate.key]
    keys = {"artifact": [candidate.blob_key], "bottle-domain": [candidate.bottle_key],
            "both": [candidate.blob_key, candidate.bottle_key]}[layout]
    return keys


def _iso(ts: datetime | None) -> str:
    if ts is None:
        return utc_now()
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry(candidate: Bottle | Entry, info: ObjectInfo) -> Entry:
    if isinstance(candidate, Entry):
        return Entry(candidate.name, candidate.version, candidate.rebuild, candidate.tag,
                     candidate.sha256, info.size, info.key, candidate.synced_at)
    return Entry.from_bottle(candidate, key=info.key, size=info.size, synced_at=_iso(info.last_modified))


def entries_from_heads(candidates: Iterable[Bottle | Entry], heads: Mapping[str, ObjectInfo | None],
                       *, layout: str = "both") -> Index:
    """Pure: keep each candidate whose object exists with the candidate's sha256."""
    bottles: dict[str, Entry] = {}
    for c in candidates:
        name = c.filename
        if name in bottles:
            continue
        for key in _keys_for(c, layout):
            info = heads.get(key)
            if info is not None and info.sha256 == c.sha256:
                bottles[name] = _entry(c, info)
                break
    return Index(bottles=bottles, last_updated=utc_now())


def head_all(store: Store, keys: Iterable[str], *, concurrency: int = 16) -> dict[str, ObjectInfo | None]:
    keys = sorted(set(keys))
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(keys) or 1))) as pool:
        return dict(zip(keys, pool.map(store.head, keys)))


def rebuild_index(store: Store, candidates: Iterable[Bottle | Entry] = (), *, layout: str = "both",
                  include_current: bool = True, concurrency: int = 16) -> Index:
    """The index the store supports: candidates (plus current entries) verified by HEAD."""
    candidates = list(candidates)
    if include_current:
        try:
            current, _ = IndexRepo(store).load()
        except Exception:  # noqa: BLE001 - an unreadable index is why one rebuilds
            current = None
        if current is not None:
            candidates += list(current.bottles.values())
    keys = [k for c in candidates for k in _keys_for(c, layout)]
    return entries_from_heads(candidates, head_all(store, keys, concurrency=concurrency), layout=layout)


def write_index(store: Store, index: Index, *, key: str | None = None, attempts: int = 5) -> None:
    """Replace the index (even an unreadable one) with a conditional write on what we read."""
    repo = IndexRepo(store) if key is None else IndexRepo(store, key)
    for _ in range(attempts):
        got = store.get_bytes(repo.key)
        etag = got[1] if got else None
        try:
            store.put_bytes(repo.key, index.to_json(), content_type="application/json",
                            if_match=etag, if_none_match=etag is None)
            return
        except PreconditionFailed:
            continue
    raise PreconditionFailed(f"could not replace {repo.key}: it kept changing under us")
