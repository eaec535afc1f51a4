"""`brewsync hash validate|show|versions|restore|rebuild|import|diff`: the index, repaired.

Against the deployed bucket (global ``--bucket`` / ``BREWSYNC_BUCKET``) or ``--to`` a local mirror
(a folder or ``s3://bucket[/prefix]``). Every write keeps the previous index recoverable: in a
versioned bucket S3 keeps it (``hash versions``); in a folder or an unversioned bucket a copy goes
to ``index-history/`` first, and ``hash versions`` lists those copies too. Every write is
conditional on what was read (IfMatch / IfNoneMatch), so a sync running meanwhile is never lost.

The command bodies parse and render; the work is in the plain functions above them (no printing),
which `brewsync recover` reuses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

import typer

from sync_runtime.errors import IndexInvalid, InputError
from sync_runtime.names import DEFAULT_API_URL, DEFAULT_TAGS, INDEX_KEY
from sync_runtime.rebuild import concurrent_changes, lenient_entries, replace_index  # noqa: F401

from ..exit_codes import ExitCode
from ._common import JSON_OPT

app = typer.Typer(help="Inspect and repair the index (bottles_hash.json).", no_args_is_help=True)

TO_OPT = typer.Option(None, "--to", envvar="BREWSYNC_TO",
                      help="A local mirror (folder or s3://bucket\\[/prefix]); default: s3://$BREWSYNC_BUCKET.")
HISTORY_PREFIX = "index-history/"
SNAPSHOT_PREFIX = "snapshot-"
HISTORY_SCAN = 10  # newest readable versions whose entries serve as rebuild candidates


# ================================================================== the mirror and its history

def open_mirror(ctx: typer.Context, to: str | None):
    from sync_runtime.stores import open_store

    from ._common import app_context

    actx = app_context(ctx)
    dest = to or (f"s3://{actx.bucket}" if actx.bucket else None)
    if not dest:
        raise InputError("no mirror to work on", hint="pass --to ./mirror or --to s3://bucket, or set BREWSYNC_BUCKET")
    return open_store(dest, aws=actx.aws)


@dataclass
class Version:
    id: str
    modified: datetime | None
    size: int
    latest: bool = False
    deleted: bool = False  # an S3 delete marker


def _is_s3(store) -> bool:
    from sync_runtime.stores import S3Store

    return isinstance(store, S3Store)


def bucket_versioned(store) -> bool:
    if not _is_s3(store):
        return False
    status = store._call(store.s3.get_bucket_versioning).get("Status")  # noqa: SLF001 - same project
    return status == "Enabled"


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def keep_previous(store, versioned: bool | None = None) -> str | None:
    """Make the current index recoverable before it is replaced; returns the snapshot id made.

    A versioned bucket keeps it by itself; anywhere else the current bytes are copied to
    ``index-history/`` (and listed by ``hash versions``)."""
    if versioned is None:
        versioned = bucket_versioned(store)
    if versioned:
        return None
    got = store.get_bytes(INDEX_KEY)
    if got is None:
        return None
    stamp = _stamp()
    store.put_bytes(f"{HISTORY_PREFIX}bottles_hash.{stamp}.json", got[0], content_type="application/json")
    return SNAPSHOT_PREFIX + stamp


def list_versions(store) -> list[Version]:
    """Every stored version of the index, newest first (S3 versions and snapshots)."""
    out: list[Version] = []
    if _is_s3(store):
        full = store._k(INDEX_KEY)  # noqa: SLF001
        paginator = store.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=store.bucket, Prefix=full):
            for v in page.get("Versions", []):
                if v["Key"] == full and v.get("VersionId") not in (None, "null"):
                    out.append(Version(v["VersionId"], v.get("LastModified"), v.get("Size", 0), bool(v.get("IsLatest"))))
            for m in page.get("DeleteMarkers", []):
                if m["Key"] == full:
                    out.append(Version(m["VersionId"], m.get("LastModified"), 0, bool(m.get("IsLatest")), deleted=True))
    for obj in store.list(HISTORY_PREFIX + "bottles_hash."):  # (a key prefix may not end in '/')
        name = obj.key[len(HISTORY_PREFIX):]
        if name.startswith("bottles_hash.") and name.endswith(".json"):
            out.append(Version(SNAPSHOT_PREFIX + name[len("bottles_hash."):-len(".json")], obj.last_modified, obj.size))
    epoch = datetime.min.replace(tzinfo=timezone.utc)
    out.sort(key=lambda v: (v.modified or epoch, v.latest), reverse=True)
    return out


_SNAPSHOT_RE = re.compile(r"^snapshot-(\d{8}T\d{6}\d{6}Z)$")


def get_version(store, version_id: str) -> bytes:
    """The bytes of one stored version; InputError (exit 2) when there is no such version."""
    missing = InputError(f"version {version_id!r} of {INDEX_KEY} does not exist",
                         hint="list the versions: brewsync hash versions")
    m = _SNAPSHOT_RE.match(version_id)
    if m:
        got = store.get_bytes(f"{HISTORY_PREFIX}bottles_hash.{m.group(1)}.json")
        if got is None:
            raise missing
        return got[0]
    if not _is_s3(store) or not re.match(r"^[A-Za-z0-9._+=/-]{1,1024}$", version_id) or version_id == "null":
        raise missing
    from botocore.exceptions import ClientError

    try:
        resp = store._call(store.s3.get_object, Key=store._k(INDEX_KEY), VersionId=version_id)  # noqa: SLF001
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("NoSuchVersion", "InvalidArgument", "NoSuchKey", "404", "400", "MethodNotAllowed") or status in (400, 404, 405):
            raise missing from None
        raise
    return resp["Body"].read()


# ================================================================== reading an index (lenient and strict)

@dataclass
class Verdict:
    valid: bool
    problem: str | None = None
    hint: str | None = None
    legacy: bool = False
    entries: int | None = None


def judge(raw: bytes | None) -> Verdict:
    """Is this index valid? (pure; names the first problem)"""
    from sync_runtime.index import is_legacy, load_json, validate_index

    if raw is None:
        return Verdict(False, f"{INDEX_KEY} does not exist", "brewsync hash rebuild  (or hash restore --version ID)")
    try:
        data = load_json(raw)
        validate_index(data)
    except IndexInvalid as exc:
        legacy = False
        try:
            legacy = is_legacy(json.loads(raw))
        except ValueError:
            pass
        hint = exc.hint or "brewsync hash versions, then hash restore --version ID; or brewsync hash rebuild"
        return Verdict(False, exc.message, hint, legacy=legacy)
    return Verdict(True, entries=len(data["bottles"]))


def change_summary(before: Mapping[str, object] | None, after: Mapping[str, object]) -> dict:
    """Entries added / removed / changed between two indexes (pure)."""
    before = before or {}

    def sha(v):
        return v.get("sha256") if isinstance(v, dict) else getattr(v, "sha256", None)

    added = sorted(k for k in after if k not in before)
    removed = sorted(k for k in before if k not in after)
    changed = sorted(k for k in after if k in before and sha(after[k]) != sha(before[k]))
    return {"added": added, "removed": removed, "changed": changed}


def load_strict(store):
    """(Index, etag); IndexInvalid when there is none or it is invalid."""
    from sync_runtime.index import IndexRepo

    index, etag = IndexRepo(store).load()
    if index is None:
        raise IndexInvalid(f"{INDEX_KEY} does not exist in {store.url}",
                           hint="brewsync hash rebuild  (or hash restore --version ID)")
    return index, etag


# ================================================================== checking entries against objects

def store_problems(store, entries: Iterable) -> list[str]:
    """Entries whose object is missing, or holds another digest or size (HEAD only)."""
    from sync_runtime.rebuild import head_all

    entries = list(entries)
    heads = head_all(store, [e.key for e in entries])
    problems = []
    for e in sorted(entries, key=lambda e: e.filename):
        info = heads.get(e.key)
        if info is None:
            problems.append(f"{e.filename}: object {e.key} is missing")
        elif info.sha256 != e.sha256:
            problems.append(f"{e.filename}: object {e.key} has sha256 {str(info.sha256)[:12]}…, index says {e.sha256[:12]}…")
        elif info.size != e.size:
            problems.append(f"{e.filename}: object {e.key} is {info.size} bytes, index says {e.size}")
    return problems


# ================================================================== rebuild (no downloads)

_FILENAME_RE = re.compile(r"^(?P<nv>.+)\.(?P<tag>[a-z0-9][a-z0-9_]*)\.bottle(?:\.(?P<rebuild>\d{1,3}))?\.tar\.gz$")


def place_filename(filename: str, known: Iterable[str]) -> list[tuple[str, str, int, str]]:
    """Every (name, version, rebuild, tag) a bottle filename can be for a *known* formula name.

    Names and versions may both contain '-': the name must be one the formula index (or the
    index's history) knows; the split is accepted only if it derives the same filename back."""
    from sync_runtime.bottle import NAME_RE, VERSION_RE
    from sync_runtime.index import Entry

    m = _FILENAME_RE.match(filename)
    if not m:
        return []
    nv, tag, rebuild = m["nv"], m["tag"], int(m["rebuild"] or 0)
    known = set(known)
    out = []
    for i, ch in enumerate(nv):
        if ch != "-":
            continue
        name, version = nv[:i], nv[i + 1:]
        if name in known and NAME_RE.match(name) and VERSION_RE.match(version):
            if Entry(name, version, rebuild, tag, "0" * 64, 0, "k", "x").filename == filename:
                out.append((name, version, rebuild, tag))
    return out


def formulae_in_store(store) -> list:
    """The formula index a sync cached in the mirror (``api/formula.json``): no registry request."""
    from sync_runtime.engine import FORMULA_CACHE_KEY
    from sync_runtime.formula_index import parse_formula_json

    got = store.get_bytes(FORMULA_CACHE_KEY)
    if got is None:
        return []
    try:
        return parse_formula_json(got[0])
    except InputError:
        return []


def formula_bottles(formulae: list, tags: Iterable[str] | None = None) -> tuple[list, dict[str, set[str]]]:
    """The bottles of every formula serving ``tags`` (the sync's own choice; None: every tag),
    and name -> {pkg_version}."""
    from sync_runtime.bottle import Bottle
    from sync_runtime.formula_index import parse_formula
    from sync_runtime.tags import select_tags

    bottles, names = [], {}
    for i, entry in enumerate(formulae):
        try:
            f = parse_formula(i, entry)
        except InputError:
            continue
        if f is None:
            continue
        names.setdefault(f.name, set()).add(f.pkg_version)
        chosen = f.files if tags is None else select_tags(tuple(tags), f.files)
        for tag in chosen:
            sha, url = f.files[tag]
            bottles.append(Bottle(f.name, f.pkg_version, f.rebuild, tag, sha, url))
    return bottles, names


def history_entries(store, limit: int = HISTORY_SCAN) -> list:
    """Entries of the newest readable stored versions of the index (rebuild candidates)."""
    from sync_runtime.index import Index

    out = []
    read = 0
    for v in list_versions(store):
        if v.deleted or read >= limit:
            continue
        try:
            raw = get_version(store, v.id)
            out += list(Index.from_json(raw).bottles.values())
            read += 1
        except (InputError, IndexInvalid):
            continue
    return out


@dataclass
class Rebuilt:
    index: object
    current: dict | None
    changes: dict
    unplaced: list[str] = field(default_factory=list)
    sources: dict = field(default_factory=dict)
    etag: str | None = None  # of the index the rebuild read: the write is conditional on it


def rebuild(store, *, tags: Iterable[str] = DEFAULT_TAGS, layout: str = "both") -> Rebuilt:
    """The index the store supports, from object metadata (HEAD/LIST only, no registry request).

    Candidates: the formula index cached in the mirror, the current index (when readable) and
    the newest stored versions of it. Objects under ``bottles/`` no candidate explains are placed
    from their filename against the known formula names (only when exactly one split fits)."""
    from sync_runtime.bottle import BOTTLES_PREFIX
    from sync_runtime.index import Entry, utc_now
    from sync_runtime.rebuild import _iso, head_all, rebuild_index

    got = store.get_bytes(INDEX_KEY)
    current = lenient_entries(got[0] if got else None)
    bottles, names = formula_bottles(formulae_in_store(store), tags)
    past = history_entries(store)
    index = rebuild_index(store, bottles + past, layout=layout, include_current=True)
    known = set(names) | {e.name for e in past} | {str(v.get("name")) for v in (current or {}).values() if isinstance(v, dict)}
    used_keys = {e.key for e in index.bottles.values()} | {f"{BOTTLES_PREFIX}/{k}" for k in index.bottles}
    leftovers = [o.key for o in store.list(BOTTLES_PREFIX)
                 if o.key.startswith(f"{BOTTLES_PREFIX}/") and o.key.endswith(".tar.gz") and "/" not in o.key[len(BOTTLES_PREFIX) + 1:] and o.key not in used_keys]
    heads = head_all(store, leftovers)
    unplaced = []
    for key in sorted(leftovers):
        filename = key[len(BOTTLES_PREFIX) + 1:]
        info = heads.get(key)
        splits = place_filename(filename, known)
        if info is None or not info.sha256:
            unplaced.append(f"{key}: no sha256 metadata")
        elif len(splits) != 1:
            unplaced.append(f"{key}: " + ("no known formula name fits" if not splits else "ambiguous name"))
        elif filename in index.bottles:
            unplaced.append(f"{key}: another object already holds {filename}")
        else:
            name, version, rebuild_no, tag = splits[0]
            index.bottles[filename] = Entry(name, version, rebuild_no, tag, info.sha256, info.size, key,
                                            _iso(info.last_modified))
    index.last_updated = utc_now()
    return Rebuilt(index, current, change_summary(current, index.bottles), unplaced,
                   {"formula_index_cached": bool(bottles), "history_entries": len(past)},
                   etag=got[1] if got else None)


def write_rebuilt(store, rebuilt: Rebuilt, *, attempts: int = 5) -> str | None:
    """Keep the previous index recoverable, then write the rebuilt one conditionally on the
    index the rebuild *read* (sync_runtime.rebuild.replace_index merges concurrent writers)."""
    snapshot = keep_previous(store)
    rebuilt.index = replace_index(store, rebuilt.index, read_etag=rebuilt.etag,
                                  read_entries=rebuilt.current, attempts=attempts)
    return snapshot


# ================================================================== import

def read_source(source: str, aws) -> bytes:
    """A file, s3://bucket/key or http(s) URL; InputError (exit 2) naming what went wrong."""
    if source.startswith("s3://"):
        bucket, _, key = source[5:].partition("/")
        if not bucket or not key:
            raise InputError(f"{source}: expected s3://bucket/key")
        from botocore.exceptions import ClientError

        try:
            return aws.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "NoSuchBucket", "404", "AccessDenied", "403"):
                raise InputError(f"cannot read {source}: {code}") from None
            raise
    if source.startswith(("https://", "http://")):
        import requests

        try:
            resp = requests.get(source, timeout=30)
        except requests.RequestException as exc:
            raise InputError(f"cannot fetch {source}: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise InputError(f"cannot fetch {source}: HTTP {resp.status_code}")
        return resp.content
    if "://" in source:
        raise InputError(f"{source}: expected a file, s3://bucket/key or https:// URL")
    try:
        with open(source, "rb") as f:
            return f.read()
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None


@dataclass
class ImportResult:
    format: str
    imported: list[str] = field(default_factory=list)
    kept_newer: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unplaced: list[tuple[str, str]] = field(default_factory=list)   # (source key, why)
    copied: list[tuple[str, str]] = field(default_factory=list)     # (old key, new key)
    snapshot: str | None = None

    def to_dict(self) -> dict:
        return {"format": self.format, "imported": self.imported, "kept_newer": self.kept_newer,
                "already_present": self.already,
                "unplaced": [{"key": k, "why": w} for k, w in self.unplaced],
                "copied": [{"from": a, "to": b} for a, b in self.copied], "snapshot": self.snapshot}


def merge_import(current, incoming: Mapping[str, object]):
    """(new index or None, imported, kept newer, already present) — never overwrites a newer entry."""
    from sync_runtime.index import Index, utc_now

    bottles = dict(current.bottles)
    imported, newer, same = [], [], []
    for key in sorted(incoming):
        e = incoming[key]
        have = bottles.get(key)
        if have is not None and have.sha256 == e.sha256:
            same.append(key)
        elif have is not None and have.synced_at >= e.synced_at:
            newer.append(key)
        else:
            bottles[key] = e
            imported.append(key)
    if not imported:
        return None, imported, newer, same
    return Index(bottles=bottles, last_updated=utc_now()), imported, newer, same


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def legacy_entries(store, data: dict, formulae: list, result: ImportResult) -> dict:
    """Place legacy ``name-version-tag`` keys against the formula index; find each bottle's object.

    Pass 1 accepts a split only where name *and* version are the formula index's; pass 2 (for
    older versions) accepts a known name with any version, and reports ambiguity, never guesses.
    The object is looked for at the content-addressed blob key, the bottle-domain key, then under
    any old key with the same file name (the original design's date folders); an object found
    only under an old key, with the right sha256 metadata, is copied server-side to
    ``bottles/<filename>``."""
    from sync_runtime.bottle import Bottle
    from sync_runtime.index import Entry, parse_legacy, utc_now

    bottles, names = formula_bottles(formulae)
    from sync_runtime.tags import ALL, LINUX_TAGS, MACOS_ORDER

    tags = {b.tag for b in bottles} | set(MACOS_ORDER) | set(LINUX_TAGS) | {ALL}
    placed, unplaced = parse_legacy(data, names, tags)
    retry = {k for k, why in unplaced if why == "no formula in the index matches"}
    result.unplaced += [(k, why) for k, why in unplaced if k not in retry]
    if retry:
        more, still = parse_legacy({"bottles": {k: data["bottles"][k] for k in retry}},
                                   {n: set() for n in names}, tags)
        placed += more
        result.unplaced += still
    by_sha = {(b.name, b.tag, b.sha256): b for b in bottles}
    listing: dict[str, list[str]] | None = None
    out: dict[str, Entry] = {}
    for le in placed:
        upstream = by_sha.get((le.name, le.tag, le.sha256))
        version, rebuild_no = (upstream.pkg_version, upstream.rebuild) if upstream else (le.version, 0)
        bottle = Bottle(le.name, version, rebuild_no, le.tag, le.sha256, "https://invalid/")
        synced = f"{le.date}T00:00:00Z" if isinstance(le.date, str) and _DATE_RE.match(le.date) else utc_now()
        found = None
        for key in (bottle.blob_key, bottle.bottle_key):
            info = store.head(key)
            if info is not None and info.sha256 == le.sha256:
                found = info
                break
        if found is None:
            if listing is None:
                listing = {}
                for o in store.list(""):
                    listing.setdefault(o.key.rsplit("/", 1)[-1], []).append(o.key)
            legacy_name = f"{le.name}-{le.version}.{le.tag}.bottle.tar.gz"
            for old in listing.get(bottle.filename, []) + listing.get(legacy_name, []):
                info = store.head(old)
                if info is not None and info.sha256 == le.sha256 and old != bottle.bottle_key:
                    store.copy(old, bottle.bottle_key)
                    result.copied.append((old, bottle.bottle_key))
                    found = store.head(bottle.bottle_key)
                    break
        if found is None:
            result.unplaced.append((le.legacy_key, "no object in the mirror holds it with that sha256"))
            continue
        out[bottle.filename] = Entry.from_bottle(bottle, key=found.key, size=found.size, synced_at=synced)
    return out


def ours_entries(store, index, result: ImportResult) -> dict:
    """Entries of an index in our format whose object exists with that digest."""
    from sync_runtime.rebuild import head_all

    heads = head_all(store, [e.key for e in index.bottles.values()])
    out = {}
    for key, e in sorted(index.bottles.items()):
        info = heads.get(e.key)
        if info is None or info.sha256 != e.sha256:
            result.unplaced.append((key, f"no object {e.key} with that sha256 in the mirror"))
        else:
            out[key] = e
    return out


def import_index(store, raw: bytes, *, source: str, formulae_loader, dry_run: bool = False) -> ImportResult:
    from sync_runtime.index import Index, IndexRepo, is_legacy

    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{source} is not JSON: {exc}") from None
    if is_legacy(data):
        result = ImportResult("legacy")
        incoming = legacy_entries(store, data, formulae_loader(), result)
    elif isinstance(data, dict) and "schema_version" in data:
        try:
            index = Index.from_dict(data)
        except IndexInvalid as exc:
            raise InputError(f"{source}: {exc.message}") from None
        result = ImportResult("brewsync")
        incoming = ours_entries(store, index, result)
    else:
        raise InputError(f"{source} is neither a brewsync index nor the legacy name-version-tag format")
    repo = IndexRepo(store)
    if dry_run:
        current, _ = repo.load()
        _, result.imported, result.kept_newer, result.already = merge_import(current or Index(), incoming)
        return result
    result.snapshot = keep_previous(store)

    def change(current):
        new, result.imported, result.kept_newer, result.already = merge_import(current, incoming)
        return new

    repo.update(change)
    return result


def formulae_from_api(api_url: str, store) -> list:
    """formula.json from the Homebrew API (legacy import only); the mirror's cached copy if that fails."""
    from sync_runtime.errors import RegistryError
    from sync_runtime.formula_index import parse_formula_json
    from sync_runtime.homebrew import HomebrewClient

    try:
        fetched = HomebrewClient(api_url, retries=1).fetch_formula_index()
        return parse_formula_json(fetched.body)
    except (RegistryError, InputError, OSError) as exc:
        cached = formulae_in_store(store)
        if cached:
            return cached
        raise InputError(f"cannot read the formula index from {api_url}: {exc}",
                         hint="pass --api-url (or BREWSYNC_API_URL); legacy keys are placed against it") from None


# ================================================================== diff

def diff_store(store) -> dict:
    """Index vs store: entries without a matching object, objects no entry accounts for."""
    from sync_runtime.bottle import ARTIFACT_PREFIX, BOTTLES_PREFIX

    index, _ = load_strict(store)
    problems = store_problems(store, index.bottles.values())
    keys = {e.key for e in index.bottles.values()} | {f"{BOTTLES_PREFIX}/{k}" for k in index.bottles}
    shas = {e.sha256 for e in index.bottles.values()}
    extra = []
    for o in store.list(BOTTLES_PREFIX):
        if o.key.startswith(f"{BOTTLES_PREFIX}/") and o.key.endswith(".tar.gz") and o.key not in keys:
            extra.append(o.key)
    for o in store.list(ARTIFACT_PREFIX):
        if "/blobs/sha256:" in o.key and o.key.rsplit("sha256:", 1)[-1] not in shas:
            extra.append(o.key)
    return {"entries": len(index.bottles), "entry_problems": problems, "unindexed_objects": sorted(extra)}


# ================================================================== commands

def _out(data: dict, as_json: bool, lines: Iterable[str]) -> None:
    from ..render import emit_json

    if as_json:
        emit_json(data)
    else:
        for line in lines:
            typer.echo(line)


def _changes_lines(changes: dict) -> list[str]:
    lines = [f"entries added: {len(changes['added'])}, removed: {len(changes['removed'])}, "
             f"changed: {len(changes['changed'])}"]
    for what in ("added", "removed", "changed"):
        for k in changes[what][:20]:
            lines.append(f"  {'+' if what == 'added' else '-' if what == 'removed' else '~'} {k}")
        if len(changes[what]) > 20:
            lines.append(f"  … and {len(changes[what]) - 20} more {what}")
    return lines


@app.command("validate")
def validate_cmd(ctx: typer.Context, to: Optional[str] = TO_OPT,
                 against_store: bool = typer.Option(False, "--against-store", help="Also HEAD every entry's object "
                                                    "(sha256 metadata and size)."),
                 as_json: bool = JSON_OPT) -> None:
    """Check the schema (and, with --against-store, every entry against its object). Exit 1 if not valid."""
    store = open_mirror(ctx, to)
    got = store.get_bytes(INDEX_KEY)
    verdict = judge(got[0] if got else None)
    data = {"index": store.public_url(INDEX_KEY) if not _is_s3(store) else f"{store.url}/{INDEX_KEY}",
            "valid": verdict.valid, "problem": verdict.problem, "entries": verdict.entries, "legacy": verdict.legacy}
    if not verdict.valid:
        _out(data, as_json, [f"invalid: {verdict.problem}"])
        if verdict.hint and not as_json:
            typer.echo(f"hint: {verdict.hint}", err=True)
        raise typer.Exit(int(ExitCode.FINDINGS))
    problems: list[str] = []
    if against_store:
        index, _ = load_strict(store)
        problems = store_problems(store, index.bottles.values())
        data["store_problems"] = problems
        data["valid"] = not problems
    lines = [f"valid: {verdict.entries} entries" + (", every object matches" if against_store and not problems else "")]
    if problems:
        lines = [f"invalid: {len(problems)} entr{'y' if len(problems) == 1 else 'ies'} without a matching object"]
        lines += [f"  {p}" for p in problems[:50]]
    _out(data, as_json, lines)
    if problems:
        if not as_json:
            typer.echo("hint: brewsync hash rebuild (keeps only entries whose object exists)", err=True)
        raise typer.Exit(int(ExitCode.FINDINGS))


@app.command("show")
def show_cmd(ctx: typer.Context, to: Optional[str] = TO_OPT,
             formula: Optional[str] = typer.Option(None, "--formula", help="Only this formula's bottles."),
             as_json: bool = JSON_OPT) -> None:
    """The index's entries (one formula with --formula)."""
    from sync_runtime.bottle import check_name

    from ..render import emit_json, human_bytes, stdout_console, table

    if formula:
        check_name(formula, "--formula")
    store = open_mirror(ctx, to)
    index, _ = load_strict(store)
    entries = sorted((e for e in index.bottles.values() if not formula or e.name == formula), key=lambda e: e.filename)
    if as_json:
        emit_json({"last_updated": index.last_updated, "count": len(entries),
                   "bottles": {e.filename: e.to_dict() for e in entries}})
        return
    console = stdout_console()
    console.print(table(None, ["bottle", "version", "tag", "size", "synced", "key"],
                        [(e.filename, e.version, e.tag, human_bytes(e.size), e.synced_at, e.key) for e in entries]))
    console.print(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
                  + (f" for {formula}" if formula else "") + f"; last updated {index.last_updated}")


@app.command("versions")
def versions_cmd(ctx: typer.Context, to: Optional[str] = TO_OPT,
                 limit: int = typer.Option(20, "--limit", min=1, max=1000, help="Newest N versions."),
                 as_json: bool = JSON_OPT) -> None:
    """Stored versions of the index: time, size, entries, valid or not (newest first)."""
    from ..render import emit_json, human_bytes, stdout_console, table

    store = open_mirror(ctx, to)
    rows = []
    for v in list_versions(store)[:limit]:
        if v.deleted:
            rows.append({"id": v.id, "modified": v.modified, "size": 0, "entries": None, "valid": False,
                         "problem": "deleted (delete marker)", "latest": v.latest})
            continue
        verdict = judge(get_version(store, v.id))
        rows.append({"id": v.id, "modified": v.modified, "size": v.size, "entries": verdict.entries,
                     "valid": verdict.valid, "problem": verdict.problem, "latest": v.latest})
    if as_json:
        emit_json({"versions": rows, "versioned": bucket_versioned(store)})
        return
    console = stdout_console()
    if not rows:
        console.print("no stored versions (enable bucket versioning; folders keep copies from the first write on)")
        return
    console.print(table(None, ["version", "time", "size", "entries", "valid", ""],
                        [(r["id"], r["modified"], human_bytes(r["size"]), r["entries"] if r["entries"] is not None else "",
                          "yes" if r["valid"] else f"no: {r['problem']}", "current" if r["latest"] else "")
                         for r in rows]))
    console.print("restore one with: brewsync hash restore --version ID")


@app.command("restore")
def restore_cmd(ctx: typer.Context, version: str = typer.Option(..., "--version", help="Version id (hash versions)."),
                to: Optional[str] = TO_OPT,
                force: bool = typer.Option(False, "--force", help="Restore even a version that is not valid."),
                as_json: bool = JSON_OPT) -> None:
    """Make a stored version the current index (validated first; conditional write)."""
    from sync_runtime.errors import PreconditionFailed

    store = open_mirror(ctx, to)
    raw = get_version(store, version)
    verdict = judge(raw)
    if not verdict.valid and not force:
        raise InputError(f"version {version} is not a valid index: {verdict.problem}",
                         hint="pick a valid one (brewsync hash versions), or --force to restore it anyway")
    current = store.get_bytes(INDEX_KEY)
    etag = current[1] if current else None
    snapshot = keep_previous(store)
    try:
        store.put_bytes(INDEX_KEY, raw, content_type="application/json", if_match=etag, if_none_match=etag is None)
    except PreconditionFailed:
        raise PreconditionFailed(f"{INDEX_KEY} changed while restoring; nothing was written",
                                 hint="run the restore again (a sync may be writing the index)") from None
    changes = change_summary(lenient_entries(current[0] if current else None), lenient_entries(raw) or {})
    data = {"restored": version, "valid": verdict.valid, "entries": verdict.entries, "snapshot": snapshot, **changes}
    _out(data, as_json, [f"restored version {version} as the current {INDEX_KEY}"
                         + (f" ({verdict.entries} entries)" if verdict.valid else " (NOT valid: --force)")]
         + _changes_lines(changes)
         + ([f"the previous index is kept as {snapshot}"] if snapshot else ["the previous index stays a version in the bucket"]))


@app.command("rebuild")
def rebuild_cmd(ctx: typer.Context, to: Optional[str] = TO_OPT,
                dry_run: bool = typer.Option(False, "--dry-run", help="Show the difference; write nothing."),
                yes: bool = typer.Option(False, "--yes", "-y", help="Drop entries whose object is gone without asking."),
                layout: str = typer.Option("both", "--layout", help="artifact | bottle-domain | both"),
                tags: str = typer.Option(",".join(DEFAULT_TAGS), "--tags", envvar="BREWSYNC_TAGS",
                                         help="Client bottle tags the mirror serves, comma separated."),
                as_json: bool = JSON_OPT) -> None:
    """Recreate the index from the objects' sha256 metadata (HEAD/LIST only, nothing downloaded)."""
    from sync_runtime.engine import LAYOUTS
    from sync_runtime.tags import parse_tags

    if layout not in LAYOUTS:
        raise InputError(f"--layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    store = open_mirror(ctx, to)
    result = rebuild(store, tags=parse_tags(tags), layout=layout)
    data = {"entries": len(result.index.bottles), "dry_run": dry_run, **result.changes,
            "unplaced_objects": result.unplaced, **result.sources}
    lines = [f"{'would rebuild' if dry_run else 'rebuilt'} {INDEX_KEY}: {len(result.index.bottles)} entries "
             f"from the objects' metadata (nothing downloaded)"] + _changes_lines(result.changes)
    lines += [f"  ? {u}" for u in result.unplaced[:20]]
    if result.unplaced:
        lines.append(f"{len(result.unplaced)} object(s) could not be placed (see above)")
    if dry_run:
        _out(data, as_json, lines)
        return
    if result.changes["removed"] and not yes:
        import sys

        if not sys.stdin.isatty() or not typer.confirm(
                f"drop {len(result.changes['removed'])} entries whose object is missing?", default=False, err=True):
            raise InputError(f"the rebuilt index drops {len(result.changes['removed'])} entries; nothing written",
                             hint="review with --dry-run, then run again with --yes")
    data["snapshot"] = write_rebuilt(store, result)
    _out(data, as_json, lines)


@app.command("import")
def import_cmd(ctx: typer.Context, source: str = typer.Argument(..., help="FILE, s3://bucket/key or https:// URL."),
               to: Optional[str] = TO_OPT,
               api_url: str = typer.Option(DEFAULT_API_URL, "--api-url", envvar="BREWSYNC_API_URL",
                                           help="Homebrew API base (legacy keys are placed against formula.json)."),
               dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be imported; write nothing."),
               as_json: bool = JSON_OPT) -> None:
    """Merge an index (ours, or the legacy name-version-tag format) into the current one; newer entries win."""
    from ._common import app_context

    store = open_mirror(ctx, to)
    raw = read_source(source, app_context(ctx).aws)
    result = import_index(store, raw, source=source, dry_run=dry_run,
                          formulae_loader=lambda: formulae_from_api(api_url, store))
    lines = [f"{'would import' if dry_run else 'imported'} {len(result.imported)} entr"
             f"{'y' if len(result.imported) == 1 else 'ies'} ({result.format} format); "
             f"{len(result.already)} already present, {len(result.kept_newer)} kept (newer in the index), "
             f"{len(result.unplaced)} not placed"]
    lines += [f"  copied {a} -> {b} (server-side, into the new layout)" for a, b in result.copied]
    lines += [f"  ? {k}: {why}" for k, why in result.unplaced]
    _out({**result.to_dict(), "dry_run": dry_run}, as_json, lines)


@app.command("diff")
def diff_cmd(ctx: typer.Context, to: Optional[str] = TO_OPT, as_json: bool = JSON_OPT) -> None:
    """Index vs store: entries without their object, objects without an entry. Exit 1 when they differ."""
    store = open_mirror(ctx, to)
    data = diff_store(store)
    lines = [f"{data['entries']} entries; {len(data['entry_problems'])} without a matching object; "
             f"{len(data['unindexed_objects'])} object(s) not in the index"]
    lines += [f"  - {p}" for p in data["entry_problems"][:50]]
    lines += [f"  + {k}" for k in data["unindexed_objects"][:50]]
    _out(data, as_json, lines)
    if data["entry_problems"] or data["unindexed_objects"]:
        raise typer.Exit(int(ExitCode.FINDINGS))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="hash")
