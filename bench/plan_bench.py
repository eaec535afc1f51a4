"""Plan time: select + plan for N formulae × 8 tags against an index holding half of them.

    python bench/plan_bench.py            # 8k, 16k, 32k formulae
Target (issue 2): < 0.5 s for 8,000 formulae × 8 tags; growth should be linear.
"""

from __future__ import annotations

import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import append  # noqa: E402
from sync_runtime.formula_index import select_bottles  # noqa: E402
from sync_runtime.index import Entry, Index  # noqa: E402
from sync_runtime.plan import make_plan  # noqa: E402

TAGS = ("arm64_tahoe", "arm64_sequoia", "arm64_sonoma", "arm64_ventura", "sonoma", "ventura",
        "monterey", "x86_64_linux")
ROOT = "https://ghcr.io/v2/homebrew/core"


def synthetic_index(n: int) -> list[dict]:
    out = []
    for i in range(n):
        name = f"formula{i}" if i % 5 else f"lib{i}@{i % 7}"
        files = {}
        for t in TAGS:
            sha = hashlib.sha256(f"{name}{t}".encode()).hexdigest()
            files[t] = {"cellar": ":any", "url": f"{ROOT}/{name.replace('@', '/')}/blobs/sha256:{sha}", "sha256": sha}
        out.append({"name": name, "full_name": name, "versions": {"stable": f"1.{i % 50}.0"},
                    "revision": i % 3, "bottle": {"stable": {"rebuild": i % 2, "root_url": ROOT, "files": files}}})
    return out


def measure(n: int, rounds: int = 5) -> tuple[float, int]:
    formulae = synthetic_index(n)
    sel = select_bottles(formulae, TAGS)
    half = {b.index_key: Entry.from_bottle(b, key=b.blob_key, size=1, synced_at="2026-11-29T03:00:00Z")
            for b in sel.bottles[::2]}
    index = Index(half, "2026-11-29T03:00:00Z")
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        sel = select_bottles(formulae, TAGS)
        plan = make_plan(sel.bottles, index)
        times.append(time.perf_counter() - t0)
    assert len(plan.new) + len(plan.unchanged) == n * len(TAGS)
    return statistics.median(times), n * len(TAGS)


def main() -> None:
    rows = ["| formulae | bottles | select + plan (median of 5) |", "| --- | --- | --- |"]
    for n in (8000, 16000, 32000):
        seconds, bottles = measure(n)
        rows.append(f"| {n:,} | {bottles:,} | {seconds * 1000:.0f} ms |")
    append("plan time", "python bench/plan_bench.py", rows)


if __name__ == "__main__":
    main()
