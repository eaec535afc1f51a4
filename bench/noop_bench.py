"""No-op sync (upstream unchanged) and CLI start-up.

    python bench/noop_bench.py
- no-op: after a full sync of a 200-formula catalogue, a second `brewsync sync` must cost one
  conditional GET of the index (304) and zero blob requests; we time it and count requests.
- start-up: `brewsync --help` wall time (target < 300 ms: boto3/rich are imported lazily).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import append  # noqa: E402
from brewsync_ops.devstack.fixtures import generate_catalog  # noqa: E402
from brewsync_ops.devstack.registry import LocalRegistry  # noqa: E402

CLI = [sys.executable, "-m", "brewsync_ops"]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, LocalRegistry(generate_catalog(count=200, seed=3)) as reg:
        sync = CLI + ["sync", "--to", f"{tmp}/mirror", "--api-url", reg.api_url, "--json"]
        full = timed(sync)
        reg.reset_stats()
        runs = [timed(sync) for _ in range(3)]
        stats = reg.stats
        rows += ["| what | seconds | registry requests per run |", "| --- | --- | --- |",
                 f"| full sync, 200 formulae (folder) | {full:.2f} | - |",
                 f"| no-op sync (median of 3) | {statistics.median(runs):.2f} | "
                 f"index 304: {stats['index_304'] // 3}, blob: {stats['blob'] // 3}, manifest: {stats['manifest'] // 3}, "
                 f"api files 304: {stats['api_304'] // 3} |"]
    help_runs = [timed(["brewsync", "--help"]) for _ in range(5)]
    rows.append(f"| `brewsync --help` (median of 5) | {statistics.median(help_runs):.3f} | - |")
    append("no-op sync and CLI start-up", "python bench/noop_bench.py", rows)


if __name__ == "__main__":
    main()
