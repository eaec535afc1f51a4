"""Shared bits of the benchmarks: machine facts and appending results to bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def versions() -> str:
    import boto3
    import requests

    try:
        import moto
        mv = moto.__version__
    except ImportError:
        mv = "-"
    return f"boto3 {boto3.__version__}, requests {requests.__version__}, moto {mv}"


def append(section: str, command: str, lines: list[str]) -> None:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    block = [f"\n## {section} — {stamp}", "", f"Machine: {machine()}; {versions()}", "",
             f"Command: `{command}`", ""] + lines + [""]
    text = "\n".join(block)
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by the scripts in bench/; newest last.\n")
    with RESULTS.open("a") as f:
        f.write(text)
    print(text)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


if __name__ == "__main__":
    print(machine(), versions(), file=sys.stderr)
