"""One sync, end to end: index -> select -> plan -> transfer -> commit index -> report.

The same engine runs in `brewsync sync` (thread pool, progress bars), in the Lambda orchestrator
(within its time budget) and in ECS workers (one shard of a plan). The pure steps live in
formula_index.py, plan.py and index.py; this module wires them to the HTTP client and a store.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .bottle import Bottle
from .errors import AccessError, DigestMismatch, InputError, RegistryError
from .formula_index import Selection, parse_formula_json, select_bottles
from .homebrew import API_FILES, OCI_INDEX, HomebrewClient, TransientError, parse_manifest_sizes
from .index import Entry, Index, IndexRepo, merge, utc_now
from .names import DEFAULT_TAGS
from .plan import Item, Plan, make_plan
from .stores import Store

log = logging.getLogger("brewsync.sync")

LAYOUTS = ("artifact", "bottle-domain", "both")
FORMULA_CACHE_KEY = "api/formula.json"
SOURCE_ETAG = "source-etag"


@dataclass(frozen=True)
class SyncOptions:
    tags: tuple[str, ...] = DEFAULT_TAGS
    formulae: tuple[str, ...] = ()
    layout: str = "both"
    concurrency: int = 8
    dry_run: bool = False
    mirror_api: bool = True
    attempts: int = 3
    retry_pause: float = 1.0
    commit_every: float = 30.0

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise InputError(f"--layout {self.layout!r}: expected one of {', '.join(LAYOUTS)}")
        if not 1 <= self.concurrency <= 256:
            raise InputError(f"--concurrency {self.concurrency}: expected 1 to 256")


@dataclass
class BottleResult:
    bottle: Bottle
    status: str            # "copied" | "failed"
    bytes: int = 0         # bytes downloaded (0 when the blob was already stored)
    size: int = 0
    seconds: float = 0.0
    reason: str | None = None
    entry: Entry | None = None

    def to_dict(self) -> dict:
        return {"filename": self.bottle.filename, "status": self.status, "bytes": self.bytes,
                "size": self.size, "seconds": round(self.seconds, 3), "reason": self.reason}


class Progress:
    """Hooks the engine calls; the CLI draws bars, the runtime logs. All optional."""

    def plan_ready(self, plan: Plan) -> None: ...
    def started(self, bottle: Bottle) -> None: ...
    def advanced(self, bottle: Bottle, nbytes: int) -> None: ...
    def finished(self, result: BottleResult) -> None: ...
    def message(self, text: str) -> None: ...


@dataclass
class SyncReport:
    run_id: str
    started_at: str
    plan: Plan
    results: list[BottleResult] = field(default_factory=list)
    seconds: float = 0.0
    index_written: bool = False
    api_files: dict[str, str] = field(default_factory=dict)
    manifests_written: int = 0
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def copied(self) -> list[BottleResult]:
        return [r for r in self.results if r.status == "copied"]

    @property
    def failed(self) -> list[BottleResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def bytes_downloaded(self) -> int:
        return sum(r.bytes for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        mbps = self.bytes_downloaded / self.seconds / 1e6 if self.seconds > 0 else 0.0
        return {
            "run_id": self.run_id, "started_at": self.started_at, "dry_run": self.dry_run,
            "plan": self.plan.summary(),
            "copied": len(self.copied), "skipped": len(self.plan.unchanged),
            "failed": len(self.failed), "bytes": self.bytes_downloaded,
            "seconds": round(self.seconds, 3), "mb_per_s": round(mbps, 2),
            "index_written": self.index_written, "manifests_written": self.manifests_written,
            "api_files": self.api_files, "warnings": self.warnings,
            "failures": [r.to_dict() for r in self.failed],
            "would_copy": [{"filename": i.bottle.filename, "reason": i.reason, "size": i.bottle.size}
                           for i in self.plan.new] if self.dry_run else [],
        }


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


class SyncEngine:
    def __init__(self, client: HomebrewClient, store: Store, options: SyncOptions = SyncOptions(),
                 progress: Progress | None = None, *, run_id: str | None = None,
                 should_stop: Callable[[Bottle], bool] | None = None):
        self.client = client
        self.store = store
        self.options = options
        self.progress = progress or Progress()
        self.run_id = run_id or new_run_id()
        self.index_repo = IndexRepo(store)
        self.should_stop = should_stop  # the Lambda asks: "can I still finish this one?"
        self._manifests: dict[tuple[str, str], bytes] = {}
        self._manifest_errors: dict[tuple[str, str], str] = {}
        self._manifests_done: set[tuple[str, str]] = set()
        self.manifests_written = 0
        self._lock = threading.Lock()
        self._cache_formulae: tuple[bytes, str | None] | None = None
        self.remaining: list[Item] = []  # items not started because should_stop said so
        self.roots: dict[str, str] = {}  # formula name -> registry root URL (set by select)

    # ---------------------------------------------------------------- reading
    def load_formulae(self) -> list:
        """The formula index, from the API with If-None-Match against the copy in the store.

        A transient failure is retried; so is a body that does not parse (a corrupted
        download looks the same as a malformed index), once, before refusing it as bad input.
        """
        cached = self.store.head(FORMULA_CACHE_KEY)
        etag = (cached.metadata or {}).get(SOURCE_ETAG) if cached else None
        parse_failures = 0
        for attempt in range(self.options.attempts):
            try:
                fetched = self.client.fetch_formula_index(etag=etag)
                if fetched.body is None:
                    got = self.store.get_bytes(FORMULA_CACHE_KEY)
                    if got is not None:
                        self.progress.message("formula index unchanged (304)")
                        return parse_formula_json(got[0])
                    etag = None
                    continue
                try:
                    formulae = parse_formula_json(fetched.body)  # refuse bad input before caching it
                except InputError:
                    parse_failures += 1
                    if parse_failures >= 2 or attempt + 1 >= self.options.attempts:
                        raise
                    time.sleep(min(self.options.retry_pause, 0.2))
                    continue
                self._cache_formulae = (fetched.body, fetched.etag)
                return formulae
            except TransientError:
                if attempt + 1 >= self.options.attempts:
                    raise
                time.sleep(self.options.retry_pause * (attempt + 1))
        raise TransientError("could not fetch the formula index")

    def store_formula_cache(self) -> None:
        """Keep the fetched index (and its ETag) in the store: the next run gets a 304."""
        pending = self._cache_formulae
        if pending and pending[1]:
            self.store.put_bytes(FORMULA_CACHE_KEY, pending[0], content_type="application/json",
                                 metadata={SOURCE_ETAG: pending[1]})

    def select(self, formulae: list) -> Selection:
        sel = select_bottles(formulae, self.options.tags, self.options.formulae or None)
        self.roots = {name: f.root_url for name, f in sel.formulae.items()}
        return sel

    def fetch_manifests(self, bottles: Iterable[Bottle], roots: dict[str, str]) -> dict[str, int]:
        """Fetch one manifest per (image, manifest tag); return sha256 -> size.

        A manifest must parse and describe every bottle we want from it (a corrupted or
        truncated one is retried, never stored). When one stays unavailable, its bottles fail
        this run: brew clients need the manifest, and a later run then fetches it again. A 404
        means the registry has none: its bottles are copied without one (with a warning).
        """
        wanted: dict[tuple[str, str], tuple[str, set[str]]] = {}
        for b in bottles:
            if b.formula_key not in self._manifests:
                wanted.setdefault(b.formula_key, (roots.get(b.name, ""), set()))[1].add(b.sha256)

        def one(key: tuple[str, str], root: str, shas: set[str]) -> None:
            last: Exception | None = None
            for attempt in range(self.options.attempts):
                try:
                    raw = self.client.fetch_manifest(root, *key)
                    missing = shas - set(parse_manifest_sizes(raw))
                    if not missing:
                        with self._lock:
                            self._manifests[key] = raw
                        return
                    last = TransientError(f"manifest does not describe sha256 {sorted(missing)[0][:12]}…")
                except TransientError as exc:
                    last = exc
                except RegistryError as exc:
                    if "HTTP 404" in str(exc):
                        self.progress.message(f"warning: no manifest for {key[0]}:{key[1]} (HTTP 404)")
                        return
                    last = exc
                    break
                if attempt + 1 < self.options.attempts:
                    time.sleep(self.options.retry_pause * (attempt + 1))
            with self._lock:
                self._manifest_errors[key] = f"manifest {key[0]}:{key[1]} unavailable: {last}"

        if wanted:
            with ThreadPoolExecutor(max_workers=min(self.options.concurrency, 16)) as pool:
                list(pool.map(lambda kv: one(kv[0], *kv[1]), wanted.items()))
        sizes: dict[str, int] = {}
        for raw in self._manifests.values():
            sizes.update(parse_manifest_sizes(raw))
        return sizes

    def prepare(self) -> tuple[Selection, Index | None, Plan]:
        formulae = self.load_formulae()
        sel = self.select(formulae)
        index, _ = self.index_repo.load()
        scope = set(self.options.formulae) if self.options.formulae else None
        first = make_plan(sel.bottles, index, scope=scope)
        sizes = self.fetch_manifests((i.bottle for i in first.new), self.roots)
        plan = make_plan(sel.bottles, index, sizes, scope=scope)
        self.progress.plan_ready(plan)
        return sel, index, plan

    # ---------------------------------------------------------------- writing
    def run(self) -> SyncReport:
        t0 = time.monotonic()
        started = utc_now()
        _, _, plan = self.prepare()
        report = SyncReport(self.run_id, started, plan, dry_run=self.options.dry_run)
        if self.options.dry_run:
            report.seconds = time.monotonic() - t0
            return report
        self.transfer_all(plan.new, report)
        if self.options.mirror_api:
            report.api_files = self.mirror_api_files()
        self.store_formula_cache()
        report.seconds = time.monotonic() - t0
        return report

    def transfer_all(self, items: list[Item], report: SyncReport) -> None:
        """Copy every item (thread pool), committing verified entries to the index as we go."""
        run_start = datetime.now(timezone.utc)
        # Leftovers of runs that died long ago (SIGKILL, timeout). 12 h, not less: a sibling ECS
        # shard may still be uploading one very large bottle; the bucket's lifecycle rule aborts
        # anything older than a day anyway.
        self.store.cleanup_incomplete(older_than=run_start - timedelta(hours=12))
        pending: dict[str, Entry] = {}
        last_commit = time.monotonic()
        items = list(items)
        stopped: list[Item] = []
        try:
            with ThreadPoolExecutor(max_workers=self.options.concurrency) as pool:
                queue = iter(items)
                running: dict[Future, Item] = {}
                fatal: BaseException | None = None

                def submit_next() -> bool:
                    for item in queue:
                        if self.should_stop and self.should_stop(item.bottle):
                            stopped.append(item)
                            continue
                        running[pool.submit(self.transfer_one, item.bottle)] = item
                        return True
                    return False

                for _ in range(self.options.concurrency):
                    if not submit_next():
                        break
                while running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in done:
                        running.pop(fut)
                        try:
                            result = fut.result()
                        except AccessError as exc:
                            fatal = fatal or exc
                            continue
                        report.results.append(result)
                        if result.entry is not None:
                            pending[result.entry.filename] = result.entry
                        self.progress.finished(result)
                        if fatal is None:
                            submit_next()
                    if pending and time.monotonic() - last_commit > self.options.commit_every:
                        self._commit(pending, report)
                        pending = {}
                        last_commit = time.monotonic()
        except BaseException:
            # Ctrl-C or a crash: keep what is verified (the transfers in flight have finished
            # when the pool closes), then let the interruption go on.
            if pending:
                with contextlib.suppress(Exception):
                    self._commit(pending, report)
            raise
        self.remaining = stopped
        if pending:
            self._commit(pending, report)
        report.manifests_written = self.manifests_written
        # Our own interrupted uploads (and a killed predecessor's for the keys we just wrote).
        done_keys = {r.entry.key for r in report.copied if r.entry}
        self.store.cleanup_incomplete(older_than=run_start, keep=lambda k: k not in done_keys)
        if fatal is not None:
            raise fatal

    def _commit(self, entries: dict[str, Entry], report: SyncReport) -> None:
        written = self.index_repo.update(lambda current: merge(current, entries))
        report.index_written = report.index_written or written is not None

    def transfer_one(self, bottle: Bottle) -> BottleResult:
        """Put one verified bottle in place (blob, then the bottle-domain copy), with retries."""
        layout = self.options.layout
        primary = bottle.bottle_key if layout == "bottle-domain" else bottle.blob_key
        t0 = time.monotonic()
        if bottle.formula_key in self._manifest_errors:
            return BottleResult(bottle, "failed", reason=self._manifest_errors[bottle.formula_key])
        self.progress.started(bottle)
        last: Exception | None = None
        for attempt in range(self.options.attempts):
            downloaded = 0
            try:
                info = self.store.head(primary)
                if info is None or info.sha256 != bottle.sha256 or (bottle.size is not None and info.size != bottle.size):
                    blob = self.client.open_blob(bottle.url)

                    def on_bytes(n: int) -> None:
                        self.progress.advanced(bottle, n)

                    info = self.store.put_stream(
                        primary, blob.chunks(), sha256=bottle.sha256, size=bottle.size,
                        length_hint=blob.length, content_type="application/gzip", on_bytes=on_bytes)
                    downloaded = info.size
                if layout == "both":
                    copy = self.store.head(bottle.bottle_key)
                    if copy is None or copy.sha256 != bottle.sha256:
                        self.store.copy(primary, bottle.bottle_key)
                self._ensure_manifest(bottle)
                entry = Entry.from_bottle(bottle, key=primary, size=info.size, synced_at=utc_now())
                if downloaded:
                    log.info("Downloaded bottle %s (%d bytes, %s)", bottle.filename, info.size, bottle.sha256)
                return BottleResult(bottle, "copied", downloaded, info.size, time.monotonic() - t0, None, entry)
            except (TransientError, DigestMismatch) as exc:
                last = exc
                if downloaded == 0:
                    self.progress.advanced(bottle, 0)
                if attempt + 1 < self.options.attempts:
                    time.sleep(self.options.retry_pause * (attempt + 1))
            except RegistryError as exc:
                last = exc
                break
        reason = str(last) if last else "unknown error"
        log.warning("Failed bottle %s: %s", bottle.filename, reason)
        return BottleResult(bottle, "failed", 0, 0, time.monotonic() - t0, reason)

    def _ensure_manifest(self, bottle: Bottle) -> int:
        """Write the formula's manifest (under each layout's path) once per run, before any of
        its bottles enters the index: an indexed bottle always has its manifest beside it."""
        with self._lock:
            if bottle.formula_key in self._manifests_done:
                return 0
            raw = self._manifests.get(bottle.formula_key)
            if raw is None:
                return 0
            self._manifests_done.add(bottle.formula_key)
        keys = {"artifact": [bottle.artifact_manifest_key], "bottle-domain": [bottle.bottle_manifest_key],
                "both": [bottle.artifact_manifest_key, bottle.bottle_manifest_key]}[self.options.layout]
        try:
            for key in keys:
                self.store.put_bytes(key, raw, content_type=OCI_INDEX)
        except BaseException:
            with self._lock:
                self._manifests_done.discard(bottle.formula_key)
            raise
        with self._lock:
            self.manifests_written += len(keys)
        return len(keys)

    def mirror_api_files(self) -> dict[str, str]:
        """Copy the signed API files byte for byte under api/, only when they changed."""
        paths = list(API_FILES) + [f"internal/packages.{t}.jws.json" for t in self.options.tags]
        out: dict[str, str] = {}
        for path in paths:
            key = f"api/{path}"
            try:
                have = self.store.head(key)
                etag = (have.metadata or {}).get(SOURCE_ETAG) if have else None
                fetched = self.client.fetch_api_file(path, etag=etag)
                if fetched.body is None:
                    out[path] = "unchanged"
                    continue
                meta = {SOURCE_ETAG: fetched.etag} if fetched.etag else None
                self.store.put_bytes(key, fetched.body, content_type="application/json", metadata=meta)
                out[path] = "updated"
            except (RegistryError, TransientError) as exc:
                out[path] = "missing" if "HTTP 404" in str(exc) else f"error: {exc}"
        return out

