"""Run every benchmark; each appends its section to bench/RESULTS.md.

    python bench/run_all.py            # 1 GiB RSS run
    python bench/run_all.py --big      # also the 4 GiB RSS run (~3 minutes more)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    big = "--big" in sys.argv[1:]
    steps = [
        ["plan_bench.py"],
        ["noop_bench.py"],
        ["throughput_bench.py"],
        ["rss_bench.py", "--size-gib", "1"] + (["--size-gib", "4"] if big else []),
        ["doctor_bench.py"],
    ]
    for step in steps:
        print(f"== {' '.join(step)}", flush=True)
        subprocess.run([sys.executable, str(HERE / step[0]), *step[1:]], check=True)


if __name__ == "__main__":
    main()
