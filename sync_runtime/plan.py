"""What a sync has to do: desired bottles vs the index. Pure, fast (a 60k-bottle plan in well
under a second), no I/O.

- new: not in the index (or in it with another sha256: the bottle was rebuilt upstream)
- unchanged: in the index with the same sha256
- stale: in the index but no longer desired (a newer version replaced it, or the formula left
  the index / the configured tags): kept until `brewsync prune` says otherwise
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .bottle import Bottle
from .index import Entry, Index


@dataclass(frozen=True, slots=True)
class Item:
    bottle: Bottle
    reason: str  # "new" | "changed"


@dataclass
class Plan:
    new: list[Item] = field(default_factory=list)
    unchanged: list[Bottle] = field(default_factory=list)
    stale: list[Entry] = field(default_factory=list)

    @property
    def bytes_new(self) -> int:
        return sum(i.bottle.size or 0 for i in self.new)

    @property
    def unknown_sizes(self) -> int:
        return sum(1 for i in self.new if i.bottle.size is None)

    def summary(self) -> dict:
        return {"new": len(self.new), "unchanged": len(self.unchanged), "stale": len(self.stale),
                "bytes_new": self.bytes_new, "unknown_sizes": self.unknown_sizes}


def make_plan(desired: Iterable[Bottle], index: Index | None, sizes: Mapping[str, int] | None = None,
              *, scope: set[str] | None = None) -> Plan:
    """Compare desired bottles with the index. ``sizes`` maps sha256 -> bytes (from manifests).

    ``scope``: when the run is limited to some formulae, only their index entries can be stale.
    """
    bottles = index.bottles if index else {}
    plan = Plan()
    desired_keys: set[str] = set()
    for b in desired:
        key = b.index_key
        desired_keys.add(key)
        have = bottles.get(key)
        if have is not None and have.sha256 == b.sha256:
            plan.unchanged.append(b)
            continue
        if sizes and b.size is None and b.sha256 in sizes:
            b = replace(b, size=sizes[b.sha256])
        plan.new.append(Item(b, "changed" if have is not None else "new"))
    for key, entry in bottles.items():
        if key not in desired_keys and (scope is None or entry.name in scope):
            plan.stale.append(entry)
    # Largest first (the long transfers start early); name+tag is unique within one plan.
    plan.new.sort(key=lambda i: (-(i.bottle.size or 0), i.bottle.name, i.bottle.tag))
    return plan
