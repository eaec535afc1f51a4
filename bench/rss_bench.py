"""Peak RSS of `brewsync sync` streaming one large blob into S3 (a moto server).

    python bench/rss_bench.py --size-gib 1 [--size-gib 4]
Registry and moto run in their own processes; only the sync process is measured
(ru_maxrss of the child). Target (issues 2, 7): flat, < 150 MB, whatever the blob size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import append  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(size: int) -> tuple[float, float, int]:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1"}
    env.pop("AWS_PROFILE", None)
    port = free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reg = subprocess.Popen([sys.executable, str(ROOT / "bench" / "serve_registry.py"), "--count", "1",
                            "--large", str(size)], stdout=subprocess.PIPE, text=True)
    try:
        api_url = json.loads(reg.stdout.readline())["api_url"]
        endpoint = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        import boto3

        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                     aws_secret_access_key="bench").create_bucket(Bucket="bench")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        # A fresh child so RUSAGE_CHILDREN's maximum is this sync's own peak.
        out = subprocess.run([sys.executable, "-c", (
            "import resource, subprocess, sys;"
            "p = subprocess.run(sys.argv[1:]);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(p.returncode)"),
            sys.executable, "-m", "brewsync_ops", "--endpoint-url", endpoint, "sync", "--to", "s3://bench",
            "--api-url", api_url, "--formula", "llvm", "--tags", "arm64_sequoia", "--layout", "artifact",
            "--json", "--query", "bytes"], env=env, capture_output=True, text=True, cwd=ROOT, check=True)
        seconds = time.perf_counter() - t0
        lines = out.stdout.strip().splitlines()
        nbytes, rss_kb = int(lines[0]), int(lines[-1])
        del before
        return rss_kb / 1024, seconds, nbytes
    finally:
        for p in (reg, moto):
            p.terminate()
            p.wait(20)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--size-gib", type=float, action="append")
    args = p.parse_args()
    sizes = args.size_gib or [1.0]
    rows = ["| blob | bytes copied | seconds | peak RSS of the sync process |", "| --- | --- | --- | --- |"]
    for gib in sizes:
        rss, seconds, nbytes = measure(int(gib * 2**30))
        rows.append(f"| {gib:g} GiB | {nbytes:,} | {seconds:.1f} | {rss:.0f} MB |")
    cmd = "python bench/rss_bench.py " + " ".join(f"--size-gib {g:g}" for g in sizes)
    append("peak RSS streaming one large blob to S3 (moto server)", cmd, rows)


if __name__ == "__main__":
    main()
