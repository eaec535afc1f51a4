"""Throughput of a local sync vs plain parallel `curl` of the same blobs, and vs a sequential
one-at-a-time loop like the public mirror scripts use. All three write the files to disk.

    python bench/throughput_bench.py [--count 40] [--concurrency 8]
Target (issue 2): brewsync ≥ 0.8× parallel curl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import append  # noqa: E402
from sync_runtime.formula_index import parse_formula_json, select_bottles  # noqa: E402
from sync_runtime.names import DEFAULT_TAGS  # noqa: E402


def start_registry(count: int, args, wan: bool) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "serve_registry.py"), "--count", str(count),
                             "--min-size", str(args.min_size), "--max-size", str(args.max_size)]
                            + (["--wan"] if wan else []), stdout=subprocess.PIPE, text=True)
    info = json.loads(proc.stdout.readline())
    return proc, info["api_url"]


def blob_urls(api_url: str) -> list[tuple[str, str]]:
    formulae = parse_formula_json(requests.get(api_url + "/formula.json", timeout=30).content)
    bottles = select_bottles(formulae, DEFAULT_TAGS).bottles
    unique = {b.sha256: b.url for b in bottles}  # the sync stores a shared blob once, too
    return sorted(unique.items())


def curl_all(urls, dest: Path, parallel: int) -> float:
    lines = "".join(f'url = "{u}"\noutput = "{dest}/{sha}"\n' for sha, u in urls)
    config = dest / "curl.cfg"
    config.write_text(lines)
    t0 = time.perf_counter()
    cmd = ["curl", "-sS", "-f", "-L", "-H", "Authorization: Bearer QQ==", "-K", str(config)]
    if parallel > 1:
        cmd[1:1] = ["--parallel", "--parallel-max", str(parallel)]
    subprocess.run(cmd, check=True)
    return time.perf_counter() - t0


def brewsync_sync(api_url: str, dest: Path, concurrency: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "brewsync_ops", "sync", "--to", str(dest), "--api-url", api_url,
                    "--layout", "artifact", "--concurrency", str(concurrency), "--json"],
                   check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def scenario(label: str, count: int, args, wan: bool) -> list[str]:
    proc, api_url = start_registry(count, args, wan)
    try:
        urls = blob_urls(api_url)
        methods = (("curl --parallel", lambda d: curl_all(urls, d, args.concurrency)),
                   ("brewsync sync", lambda d: brewsync_sync(api_url, d, args.concurrency)),
                   ("sequential curl loop", lambda d: curl_all(urls, d, 1)))
        runs: dict[str, list[tuple[float, int]]] = {m: [] for m, _ in methods}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for _ in range(args.rounds):  # interleaved rounds; dirty pages flushed before each run
                for method, fn in methods:
                    d = tmp / method.replace(" ", "_")
                    d.mkdir()
                    os.sync()
                    seconds = fn(d)
                    blobs = [f for f in d.rglob("*") if f.is_file() and (f.parent == d and f.name != "curl.cfg" or "/blobs/" in str(f))]
                    runs[method].append((seconds, sum(f.stat().st_size for f in blobs)))
                    shutil.rmtree(d)
        results = {m: (statistics.median(t for t, _ in r), r[0][1]) for m, r in runs.items()}
    finally:
        proc.terminate()
        proc.wait(10)
    base = results["curl --parallel"][0]
    rows = [f"**{label}**: {len(urls)} blobs, concurrency {args.concurrency}, written to local disk; "
            f"median of {args.rounds} interleaved rounds.", "",
            "| method | seconds | MB | MB/s | vs parallel curl |", "| --- | --- | --- | --- | --- |"]
    for method, (seconds, nbytes) in results.items():
        rows.append(f"| {method} | {seconds:.2f} | {nbytes / 1e6:.0f} | {nbytes / 1e6 / seconds:.0f} | {base / seconds:.2f}× |")
    return rows + [""]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, default=40)
    p.add_argument("--wan-count", type=int, default=15)
    p.add_argument("--min-size", type=int, default=500_000)
    p.add_argument("--max-size", type=int, default=8_000_000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    rows = scenario("loopback, unthrottled (CPU-bound: the registry, curl/brewsync share 2 cores)", args.count, args, False)
    rows += scenario("WAN-like: every connection throttled to ~5 MB/s, as a far registry behaves", args.wan_count, args, True)
    rows.append("brewsync also hashes every byte (sha256), fsyncs each file and renames it into place, "
                "fetches manifests and API files, and writes the index; its time includes Python start-up.")
    append("sync throughput vs curl", "python bench/throughput_bench.py", rows)


if __name__ == "__main__":
    main()
