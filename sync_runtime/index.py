"""`bottles_hash.json`: the record of what the mirror holds.

Pure part: the `Entry`/`Index` model, validation that names the first bad field, merging, and
the import of the legacy ``name-version-tag`` format. I/O part: `IndexRepo`, which reads the
index with its ETag and writes it back conditionally (IfMatch / IfNoneMatch), merging and
retrying when another writer got there first, so nobody's entries are lost.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

from .bottle import Bottle, NAME_RE, SHA256_RE, TAG_RE, VERSION_RE
from .errors import IndexInvalid, PreconditionFailed
from .names import INDEX_KEY

SCHEMA_VERSION = 1
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
ENTRY_FIELDS = ("name", "version", "rebuild", "tag", "sha256", "size", "key", "synced_at")


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    version: str  # pkg_version: "<version>" or "<version>_<revision>"
    rebuild: int
    tag: str
    sha256: str
    size: int
    key: str      # the object that holds the bytes (blob key, or bottles/<filename>)
    synced_at: str

    @classmethod
    def from_bottle(cls, bottle: Bottle, *, key: str, size: int, synced_at: str) -> "Entry":
        return cls(bottle.name, bottle.pkg_version, bottle.rebuild, bottle.tag, bottle.sha256,
                   size, key, synced_at)

    @property
    def filename(self) -> str:
        rebuild = f".{self.rebuild}" if self.rebuild > 0 else ""
        return f"{self.name}-{self.version}.{self.tag}.bottle{rebuild}.tar.gz"

    def to_dict(self) -> dict:
        return {f: getattr(self, f) for f in ENTRY_FIELDS}


@dataclass
class Index:
    bottles: dict[str, Entry] = field(default_factory=dict)
    last_updated: str | None = None

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "last_updated": self.last_updated,
            "bottles": {k: self.bottles[k].to_dict() for k in sorted(self.bottles)},
        }

    def to_json(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> "Index":
        return cls.from_dict(load_json(raw))

    @classmethod
    def from_dict(cls, data: object) -> "Index":
        validate_index(data)
        assert isinstance(data, dict)
        bottles = {k: Entry(**{f: v[f] for f in ENTRY_FIELDS}) for k, v in data["bottles"].items()}
        return cls(bottles=bottles, last_updated=data["last_updated"])

    def has(self, bottle: Bottle) -> bool:
        entry = self.bottles.get(bottle.index_key)
        return entry is not None and entry.sha256 == bottle.sha256


def load_json(raw: bytes | str) -> object:
    try:
        return json.loads(raw)
    except UnicodeDecodeError as exc:
        raise IndexInvalid(f"bottles_hash.json is not UTF-8 text: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise IndexInvalid(
            f"bottles_hash.json is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def is_legacy(data: object) -> bool:
    """The original design's format: no schema_version, entries keyed `name-version-tag`."""
    if not isinstance(data, dict) or "schema_version" in data:
        return False
    bottles = data.get("bottles")
    if not isinstance(bottles, dict):
        return False
    return all(isinstance(v, dict) and "download_date" in v for v in list(bottles.values())[:50])


def validate_index(data: object) -> None:
    """Raise IndexInvalid naming the first bad field; return None for a valid v1 index."""
    if not isinstance(data, dict):
        raise IndexInvalid(f"bottles_hash.json: top level must be an object, got {type(data).__name__}")
    if is_legacy(data):
        raise IndexInvalid(
            "bottles_hash.json is in the legacy name-version-tag format",
            hint="import it: brewsync hash import s3://<bucket>/bottles_hash.json",
        )
    if data.get("schema_version") != SCHEMA_VERSION:
        raise IndexInvalid(f"schema_version: expected {SCHEMA_VERSION}, got {data.get('schema_version')!r}")
    last = data.get("last_updated", ...)
    if last is ...:
        raise IndexInvalid("last_updated: missing")
    if last is not None and not (isinstance(last, str) and _ISO_RE.match(last)):
        raise IndexInvalid(f"last_updated: {last!r} is not an ISO-8601 UTC time like 2026-11-29T03:00:00Z")
    bottles = data.get("bottles", ...)
    if bottles is ...:
        raise IndexInvalid("bottles: missing")
    if not isinstance(bottles, dict):
        raise IndexInvalid(f"bottles: must be an object, got {type(bottles).__name__}")
    for key, entry in bottles.items():
        _validate_entry(key, entry)


def _validate_entry(key: str, entry: object) -> None:
    where = f"bottles[{key!r}]"
    if not isinstance(entry, dict):
        raise IndexInvalid(f"{where}: must be an object, got {type(entry).__name__}")
    for name in ENTRY_FIELDS:
        if name not in entry:
            raise IndexInvalid(f"{where}.{name}: missing")
    checks: list[tuple[str, bool, str]] = [
        ("name", isinstance(entry["name"], str) and bool(NAME_RE.match(entry["name"])) and ".." not in entry["name"], "not a valid formula name"),
        ("version", isinstance(entry["version"], str) and bool(VERSION_RE.match(entry["version"])), "not a valid version"),
        ("rebuild", type(entry["rebuild"]) is int and entry["rebuild"] >= 0, "not a non-negative integer"),
        ("tag", isinstance(entry["tag"], str) and bool(TAG_RE.match(entry["tag"])), "not a valid bottle tag"),
        ("sha256", isinstance(entry["sha256"], str) and bool(SHA256_RE.match(entry["sha256"])), "not 64 lowercase hex characters"),
        ("size", type(entry["size"]) is int and entry["size"] >= 0, "not a non-negative integer"),
        ("key", isinstance(entry["key"], str) and bool(entry["key"]) and ".." not in entry["key"] and not entry["key"].startswith("/"), "not a valid object key"),
        ("synced_at", isinstance(entry["synced_at"], str) and bool(_ISO_RE.match(entry["synced_at"])), "not an ISO-8601 UTC time"),
    ]
    for name, ok, why in checks:
        if not ok:
            raise IndexInvalid(f"{where}.{name}: {entry[name]!r} is {why}")
    expected = Entry(**{f: entry[f] for f in ENTRY_FIELDS}).filename
    if key != expected:
        raise IndexInvalid(f"{where}: key does not match its fields (expected {expected!r})")


def merge(current: Index, added: Mapping[str, Entry] = {}, removed: Iterable[Entry] = ()) -> Index:
    """Pure merge: current + added (ours win: each is a verified object) - removed.

    A removal only applies to the exact entry we meant to remove (same sha256), so a writer
    that re-added a bottle in the meantime keeps it.
    """
    bottles = dict(current.bottles)
    for entry in removed:
        have = bottles.get(entry.filename)
        if have is not None and have.sha256 == entry.sha256:
            del bottles[entry.filename]
    bottles.update(added)
    return Index(bottles=bottles, last_updated=utc_now())


# ---------------------------------------------------------------- legacy import (pure)

@dataclass(frozen=True, slots=True)
class LegacyEntry:
    legacy_key: str
    name: str
    version: str
    tag: str
    sha256: str
    size: int | None
    date: str | None


def parse_legacy(
    data: object, known: Mapping[str, set[str]], tags: Iterable[str]
) -> tuple[list[LegacyEntry], list[tuple[str, str]]]:
    """Place legacy ``name-version-tag`` keys using the formula index, never by guessing.

    ``known`` maps formula name -> versions it is known under (from the formula index).
    A key is placed when exactly one (name, version, tag) split matches a known name and tag.
    Returns (placed entries, [(legacy key, why it could not be placed)]).
    """
    if not isinstance(data, dict) or not isinstance(data.get("bottles"), dict):
        raise IndexInvalid("legacy index: 'bottles' object missing")
    tagset = set(tags)
    placed: list[LegacyEntry] = []
    unplaced: list[tuple[str, str]] = []
    for key, value in data["bottles"].items():
        if not isinstance(value, dict) or not isinstance(value.get("sha256"), str) or not SHA256_RE.match(value["sha256"]):
            unplaced.append((key, "no valid sha256"))
            continue
        candidates = []
        # Tags never contain '-', so the tag is after the last '-'; the rest is name-version,
        # where both parts may contain '-': try every split against the formula index.
        head, sep, tag = key.rpartition("-")
        if not sep or tag not in tagset:
            unplaced.append((key, f"unknown tag {tag!r}"))
            continue
        for i, ch in enumerate(head):
            if ch == "-":
                name, version = head[:i], head[i + 1:]
                if name in known and (not known[name] or version in known[name]):
                    candidates.append((name, version))
        if len(candidates) == 1:
            name, version = candidates[0]
            size = value.get("file_size")
            placed.append(LegacyEntry(key, name, version, tag, value["sha256"],
                                      size if type(size) is int else None,
                                      value.get("download_date")))
        elif not candidates:
            unplaced.append((key, "no formula in the index matches"))
        else:
            unplaced.append((key, "ambiguous: " + ", ".join(f"{n} {v}" for n, v in candidates)))
    return placed, unplaced


# ---------------------------------------------------------------- I/O: conditional writes

class IndexRepo:
    """Reads and conditionally writes the index in a Store (S3Store or FolderStore)."""

    def __init__(self, store, key: str = INDEX_KEY, *, attempts: int = 10):
        self.store = store
        self.key = key
        self.attempts = attempts

    def load(self) -> tuple[Index | None, str | None]:
        """(index, etag); (None, None) when there is none yet. Raises IndexInvalid."""
        got = self.store.get_bytes(self.key)
        if got is None:
            return None, None
        raw, etag = got
        return Index.from_json(raw), etag

    def update(self, change: Callable[[Index], Index | None]) -> Index | None:
        """Apply ``change`` to the current index and write it back conditionally.

        ``change`` gets the freshly read index (an empty one if none exists) and returns the
        new index, or None for "nothing to write". On a lost race (412) re-read and re-apply.
        """
        for attempt in range(self.attempts):
            current, etag = self.load()
            new = change(current or Index())
            if new is None:
                return None
            try:
                self.store.put_bytes(
                    self.key, new.to_json(), content_type="application/json",
                    if_match=etag, if_none_match=etag is None,
                )
                return new
            except PreconditionFailed:
                time.sleep(min(2.0, 0.05 * (2 ** attempt)) * random.uniform(0.5, 1.5))
        raise PreconditionFailed(
            f"could not write {self.key}: it kept changing under us ({self.attempts} attempts)",
            hint="another sync is writing the index; run again when it finishes",
        )
