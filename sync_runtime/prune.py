"""Pruning: remove bottles that left the formula index (for the configured tags) long enough ago.

Rules (after USTC's mirror, not TUNA's): never after a run that had failures (or one that has not
finished), never an object another index entry still uses (a blob is shared by tags, a manifest by
the tags of one version), and index entries go *before* their objects, with a conditional merge
(`index.merge(removed=…)` drops only the exact entries we meant), so an entry never points at a
missing object and a writer that re-added a bottle meanwhile keeps it.

"Left the index since when" lives in ``runs/prune-state.json``: ``{"schema": 1, "updated": …,
"stale_since": {filename: first time seen stale}}``. An entry's ``synced_at`` says when it
arrived, not when it left, and the run reports do not list stale entries, so deriving it from
``runs/`` would mean reading every report; a small map, rewritten on each evaluation, is durable,
cheap and survives index rebuilds. A bottle that comes back is dropped from the map; the clock
starts the first time a prune (CLI or the orchestrator after a scheduled run) sees it stale.

`decide` is pure; `prune` does the I/O through a Store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .bottle import ARTIFACT_PREFIX, BOTTLES_PREFIX, image_name, manifest_tag
from .errors import InputError
from .index import Entry, Index, IndexRepo, merge

STATE_KEY = "runs/prune-state.json"
SCHEMA = 1
_ISO = "%Y-%m-%dT%H:%M:%SZ"


def iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime(_ISO)


def parse_iso(text: object) -> datetime | None:
    try:
        return datetime.strptime(str(text), _ISO).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


_DURATION_RE = re.compile(r"^\s*(\d{1,5})\s*([dhw])\s*$")


def parse_duration(text: str) -> timedelta:
    """``30d``, ``12h``, ``2w`` (InputError otherwise)."""
    m = _DURATION_RE.match(text or "")
    if not m:
        raise InputError(f"--older-than {text!r}: expected a number of days, hours or weeks like 30d, 12h, 2w")
    n, unit = int(m.group(1)), m.group(2)
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]


def object_keys(e: Entry) -> set[str]:
    """Every object an entry may use: its key, its bottle-domain copy, its blob, its manifests."""
    image, mtag = image_name(e.name), manifest_tag(e.version, e.rebuild)
    return {e.key, f"{BOTTLES_PREFIX}/{e.filename}", f"{ARTIFACT_PREFIX}/{image}/blobs/sha256:{e.sha256}",
            f"{ARTIFACT_PREFIX}/{image}/manifests/{mtag}", f"{BOTTLES_PREFIX}/{image}/manifests/{mtag}"}


@dataclass
class Decision:
    remove: list[Entry] = field(default_factory=list)     # entries whose grace period is over
    delete_keys: list[str] = field(default_factory=list)  # objects no remaining entry uses
    kept_keys: list[str] = field(default_factory=list)    # objects of removed entries still in use
    waiting: dict[str, str] = field(default_factory=dict)  # stale, grace not over: filename -> since
    stale_since: dict[str, str] = field(default_factory=dict)  # the new state
    blocked: str | None = None

    def to_dict(self) -> dict:
        return {"remove": sorted(e.filename for e in self.remove), "delete_keys": self.delete_keys,
                "kept_keys": self.kept_keys, "waiting": self.waiting, "blocked": self.blocked}


def decide(index: Index, desired: Iterable[str], stale_since: Mapping[str, str], *, now: datetime,
           grace: timedelta, blocked: str | None = None) -> Decision:
    """What to prune (pure). ``desired``: index keys (filenames) the formula index still wants."""
    desired = set(desired)
    now_iso = iso(now)
    if blocked is None and index.bottles and not desired & set(index.bottles):
        # Nothing the mirror holds is wanted: an empty or unreadable formula index, or tags that
        # are not the deployment's. Pruning on that would empty the mirror after the grace period.
        blocked = (f"the formula index wants none of the {len(index.bottles)} bottle(s) the index holds "
                   "(wrong --tags, or an empty formula index?)")
    d = Decision(blocked=blocked)
    stale = {k: e for k, e in index.bottles.items() if k not in desired}
    for k in stale:
        since = stale_since.get(k)
        d.stale_since[k] = since if parse_iso(since) is not None else now_iso
    due = {k: e for k, e in stale.items() if now - parse_iso(d.stale_since[k]) >= grace}
    d.waiting = {k: d.stale_since[k] for k in sorted(stale) if k not in due}
    if blocked or not due:
        d.waiting.update({k: d.stale_since[k] for k in sorted(due)} if blocked else {})
        return d
    d.remove = [due[k] for k in sorted(due)]
    in_use = set().union(*(object_keys(e) for k, e in index.bottles.items() if k not in due)) if len(due) < len(index.bottles) else set()
    candidates = set().union(*(object_keys(e) for e in d.remove))
    d.delete_keys = sorted(candidates - in_use)
    d.kept_keys = sorted(candidates & in_use)
    return d


# ------------------------------------------------------------------ I/O

def read_state(store) -> dict[str, str]:
    got = store.get_bytes(STATE_KEY)
    if got is None:
        return {}
    try:
        data = json.loads(got[0])
    except ValueError:
        return {}
    since = data.get("stale_since") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in since.items()} if isinstance(since, dict) else {}


def write_state(store, stale_since: Mapping[str, str], now: datetime) -> None:
    body = json.dumps({"schema": SCHEMA, "updated": iso(now), "stale_since": dict(sorted(stale_since.items()))},
                      indent=1, sort_keys=True).encode()
    store.put_bytes(STATE_KEY, body, content_type="application/json")


def last_run_problem(store) -> str | None:
    """Why pruning must wait: the newest run had failures, or has no report yet (None: fine)."""
    runs: dict[str, set[str]] = {}
    for o in store.list("runs"):
        parts = o.key.split("/")
        if len(parts) >= 3 and parts[0] == "runs" and parts[2] in ("run.json", "report.json"):
            runs.setdefault(parts[1], set()).add(parts[2])
    if not runs:
        return None
    latest = max(runs)  # run ids start with their UTC start time
    if "report.json" not in runs[latest]:
        return f"the newest run {latest} has no report yet (running, or it died)"
    got = store.get_bytes(f"runs/{latest}/report.json")
    try:
        report = json.loads(got[0]) if got else {}
    except ValueError:
        return f"the report of run {latest} is not JSON"
    if int(report.get("failed") or 0) > 0:
        return f"the newest run {latest} had {report['failed']} failed bottle(s)"
    return None


def prune(store, desired: Iterable[str], *, grace: timedelta, now: datetime | None = None,
          dry_run: bool = False, blocked: str | None = None, check_runs: bool = True) -> Decision:
    """Evaluate (and unless ``dry_run``, apply) a prune of ``store``."""
    now = now or datetime.now(timezone.utc)
    repo = IndexRepo(store)
    index, _ = repo.load()
    if index is None:
        raise InputError("there is no index to prune", hint="brewsync hash rebuild")
    if blocked is None and check_runs:
        blocked = last_run_problem(store)
    decision = decide(index, desired, read_state(store), now=now, grace=grace, blocked=blocked)
    if dry_run:
        return decision
    write_state(store, {k: v for k, v in decision.stale_since.items()
                        if k not in {e.filename for e in decision.remove}}, now)
    if not decision.remove:
        return decision
    written = repo.update(lambda current: merge(current, removed=decision.remove))
    # Somebody may have re-added a bottle (or one sharing a blob) between our read and write:
    # never delete an object the index as written still uses.
    still = set().union(*(object_keys(e) for e in (written.bottles.values() if written else []))) if written and written.bottles else set()
    deleted = []
    for key in decision.delete_keys:
        if key in still:
            decision.kept_keys.append(key)
            continue
        if store.head(key) is not None:
            store.delete(key)
            deleted.append(key)
    decision.delete_keys = deleted
    return decision
