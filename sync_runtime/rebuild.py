"""Rebuild ``bottles_hash.json`` from what the store really holds, without downloading a byte.

An index entry may exist only for an object that exists with that digest. Candidates are the
bottles we know about (the formula index's selection, the entries of the current index, when it
can still be read); each candidate's object is asked with one HEAD and kept when its ``sha256``
metadata matches. The matching is pure (`entries_from_heads`); the HEADs are the adapter
(`head_all`). `rebuild_index(store, candidates)` combines the two; `brewsync hash rebuild`
and the orchestrator's ``rebuild_hash`` both use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from .bottle import Bottle
from .errors import IndexInvalid, PreconditionFailed
from .index import Entry, Index, IndexRepo, utc_now
from .names import INDEX_KEY
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


def lenient_entries(raw: bytes | None) -> dict[str, dict] | None:
    """Entries of an index that may be invalid (for diffs): filename -> raw entry, or None."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    bottles = data.get("bottles") if isinstance(data, dict) else None
    return {str(k): v for k, v in bottles.items()} if isinstance(bottles, dict) else None


def concurrent_changes(rebuilt_index: Index, based_on: Mapping[str, object] | None,
                       now_raw: bytes | None) -> Index:
    """The rebuilt index plus what another writer changed since the rebuild read the index (pure).

    An entry added or replaced meanwhile (a sync that just verified its object) is kept; an entry
    removed meanwhile (a prune that deleted its object) is dropped. Everything else is ours."""
    try:
        now = Index.from_json(now_raw).bottles if now_raw is not None else {}
    except IndexInvalid:
        return rebuilt_index  # nothing trustworthy to merge: replace the unreadable one
    based_on = based_on or {}

    def sha(v):
        return v.get("sha256") if isinstance(v, dict) else getattr(v, "sha256", None)

    bottles = dict(rebuilt_index.bottles)
    for key, entry in now.items():
        if key not in based_on or sha(based_on[key]) != entry.sha256:
            bottles[key] = entry
    for key, old in based_on.items():
        if key not in now and key in bottles and bottles[key].sha256 == sha(old):
            del bottles[key]
    return Index(bottles=bottles, last_updated=rebuilt_index.last_updated)


def replace_index(store: Store, index: Index, *, read_etag: str | None,
                  read_entries: Mapping[str, object] | None, key: str = INDEX_KEY,
                  attempts: int = 5) -> Index:
    """Replace the index (even an unreadable one) with ``index``, conditionally on the ETag of
    the index the rebuild *read* — not a fresh read, or a sync that committed during the rebuild
    would be overwritten. On a lost race, merge what changed meanwhile and try again."""
    etag, based_on = read_etag, read_entries
    for _ in range(attempts):
        try:
            store.put_bytes(key, index.to_json(), content_type="application/json",
                            if_match=etag, if_none_match=etag is None)
            return index
        except PreconditionFailed:
            got = store.get_bytes(key)
            index = concurrent_changes(index, based_on, got[0] if got else None)
            etag = got[1] if got else None
            based_on = lenient_entries(got[0] if got else None)
    raise PreconditionFailed(f"could not write the rebuilt {key}: it kept changing under us",
                             hint="another sync is writing the index; run the rebuild again when it finishes")
