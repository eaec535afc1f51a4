"""Bottle tags: which exist, how they order, and which bottle serves a requested tag.

A client on a newer macOS uses the newest bottle of an older macOS of the same architecture, or
`all`. So mirroring "arm64_sonoma" means: the formula's `arm64_sonoma` bottle if it has one,
else its newest older arm64 macOS bottle, else its `all` bottle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import InputError

# Oldest first. Intel macOS stops at tahoe (the last Intel release).
MACOS_RELEASES = (
    "el_capitan", "sierra", "high_sierra", "mojave", "catalina", "big_sur",
    "monterey", "ventura", "sonoma", "sequoia", "tahoe",
)
_ARM64_FIRST = "big_sur"
LINUX_TAGS = ("x86_64_linux", "arm64_linux")
ALL = "all"


def _macos_order() -> dict[str, tuple[str, int]]:
    order: dict[str, tuple[str, int]] = {}
    for rank, release in enumerate(MACOS_RELEASES):
        order[release] = ("x86_64", rank)
        if rank >= MACOS_RELEASES.index(_ARM64_FIRST):
            order[f"arm64_{release}"] = ("arm64", rank)
    return order


MACOS_ORDER = _macos_order()
KNOWN_TAGS = frozenset(MACOS_ORDER) | frozenset(LINUX_TAGS) | {ALL}


def parse_tags(text: str | Iterable[str]) -> tuple[str, ...]:
    """Parse ``--tags`` (comma separated or a list); an unknown tag is an input error."""
    items = text.split(",") if isinstance(text, str) else list(text)
    tags = [t.strip() for t in items if t and t.strip()]
    if not tags:
        raise InputError("no tags given", hint="e.g. --tags arm64_sonoma,arm64_ventura,monterey")
    unknown = [t for t in tags if t not in KNOWN_TAGS]
    if unknown:
        raise InputError(
            f"unknown bottle tag {unknown[0]!r}",
            hint="known tags: " + ", ".join(sorted(KNOWN_TAGS)),
        )
    return tuple(dict.fromkeys(tags))


def serving_tag(requested: str, available: Mapping[str, object] | Iterable[str]) -> str | None:
    """Which of a formula's tags serves a client on ``requested`` (None: nothing does)."""
    avail = available if isinstance(available, (set, frozenset, Mapping)) else set(available)
    if requested in avail:
        return requested
    want = MACOS_ORDER.get(requested)
    if want is not None:
        arch, rank = want
        best: tuple[int, str] | None = None
        for tag in avail:
            have = MACOS_ORDER.get(tag)  # type: ignore[arg-type]
            if have and have[0] == arch and have[1] <= rank and (best is None or have[1] > best[0]):
                best = (have[1], tag)  # type: ignore[assignment]
        if best is not None:
            return best[1]
    return ALL if ALL in avail else None


def select_tags(requested: Iterable[str], available: Mapping[str, object] | Iterable[str]) -> list[str]:
    """The distinct tags of one formula to mirror for the requested client tags, in order."""
    avail = available if isinstance(available, (set, frozenset, Mapping)) else set(available)
    out: dict[str, None] = {}
    for tag in requested:
        chosen = serving_tag(tag, avail)
        if chosen is not None:
            out[chosen] = None
    return list(out)
