"""How long `brewsync doctor` takes on the local stack, beside the runbook's manual checklist
run as `aws` CLI commands against the same stack. Appends a `## doctor` section to RESULTS.md.

    python bench/doctor_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
ENTRY = [sys.executable, "-c", "from brewsync_ops.cli import app; app()"]


def machine() -> str:
    import platform

    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}"


def versions() -> str:
    import boto3
    import moto

    aws = subprocess.run(["aws", "--version"], capture_output=True, text=True).stdout.split()[:1]
    return f"boto3 {boto3.__version__}, moto {moto.__version__}, {' '.join(aws)}"


def checklist(bucket: str) -> list[list[str]]:
    """The runbook's manual checks, one `aws` command each, in the order an operator runs them."""
    fn, rule, cluster, family = "homebrew-sync-orchestrator", "homebrew-sync-schedule", "homebrew-sync", "homebrew-bottles-sync"
    return [
        ["events", "describe-rule", "--name", rule],
        ["events", "list-targets-by-rule", "--rule", rule],
        ["lambda", "list-functions", "--query", "Functions[?contains(FunctionName, `homebrew`)]"],
        ["lambda", "get-function-configuration", "--function-name", fn],
        ["lambda", "get-policy", "--function-name", fn],
        ["logs", "filter-log-events", "--log-group-name", f"/aws/lambda/{fn}", "--filter-pattern", "REPORT"],
        ["logs", "filter-log-events", "--log-group-name", f"/aws/lambda/{fn}", "--filter-pattern", '"Task timed out"'],
        ["cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name", "Errors",
         "--dimensions", f"Name=FunctionName,Value={fn}", "--start-time", "2026-01-01T00:00:00Z",
         "--end-time", "2030-01-01T00:00:00Z", "--period", "86400", "--statistics", "Sum"],
        ["ecs", "list-clusters"],
        ["ecs", "describe-clusters", "--clusters", cluster],
        ["ecs", "describe-task-definition", "--task-definition", family],
        ["ecs", "list-tasks", "--cluster", cluster, "--desired-status", "STOPPED"],
        ["ecr", "describe-images", "--repository-name", family],
        ["s3", "ls"],
        ["s3api", "get-bucket-location", "--bucket", bucket],
        ["s3api", "get-bucket-versioning", "--bucket", bucket],
        ["s3api", "get-public-access-block", "--bucket", bucket],
        ["iam", "list-role-policies", "--role-name", "homebrew-sync-lambda-orchestrator-role"],
        ["iam", "list-role-policies", "--role-name", "homebrew-sync-ecs-task-role"],
        ["s3", "cp", f"s3://{bucket}/bottles_hash.json", "-"],
        ["secretsmanager", "describe-secret", "--secret-id", "homebrew-sync/slack-webhook"],
        ["ec2", "describe-nat-gateways"],
        ["ec2", "describe-route-tables"],
        ["ec2", "describe-security-groups", "--filters", "Name=group-name,Values=homebrew-sync-tasks"],
        ["cloudwatch", "describe-alarms", "--alarm-name-prefix", "homebrew-sync"],
        ["sns", "list-topics"],
    ]


def timed(cmd: list[str], env: dict, ok=(0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    took = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd[:6])} failed ({proc.returncode}): {proc.stderr.strip()[:300]}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not append to RESULTS.md")
    args = parser.parse_args()
    state = tempfile.mkdtemp(prefix="brewsync-bench-")
    base = dict(os.environ, BREWSYNC_STATE_DIR=state, NO_COLOR="1", AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
    for key in ("AWS_ENDPOINT_URL", "BREWSYNC_BUCKET", "AWS_PROFILE"):
        base.pop(key, None)
    up = subprocess.run(ENTRY + ["dev", "up", "--detach"], env=base, capture_output=True, text=True, timeout=120)
    if up.returncode != 0:
        raise SystemExit(f"dev up failed: {up.stderr}")
    exports = dict(line.removeprefix("export ").split("=", 1) for line in up.stdout.strip().splitlines())
    env = dict(base, **exports)
    try:
        timed(ENTRY + ["doctor", "--json"], env)  # warm the OS file cache once
        plain = [timed(ENTRY + ["doctor"], env) for _ in range(args.runs)]
        everything = [timed(ENTRY + ["doctor", "--write-probe", "--send-test", "--full"], env)
                      for _ in range(args.runs)]
        commands = checklist(exports["BREWSYNC_BUCKET"])
        start = time.perf_counter()
        for cmd in commands:
            timed(["aws", "--endpoint-url", exports["AWS_ENDPOINT_URL"], *cmd], env)
        manual = time.perf_counter() - start
    finally:
        subprocess.run(ENTRY + ["dev", "down"], env=base, capture_output=True, timeout=60)

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "", "## doctor", "",
        f"Date: {stamp}. Machine: {machine()}; {versions()}.", "",
        "Command: `python bench/doctor_bench.py` — `brewsync doctor` through the real entry point (a new "
        "process each run, imports included) against `brewsync dev up --detach` (moto server on "
        "127.0.0.1, default stack, all 9 areas, ~47 checks).", "",
        "| what | runs | median | max |", "| --- | --- | --- | --- |",
        f"| `brewsync doctor` | {len(plain)} | {statistics.median(plain):.2f} s | {max(plain):.2f} s |",
        f"| `brewsync doctor --write-probe --send-test --full` | {len(everything)} | "
        f"{statistics.median(everything):.2f} s | {max(everything):.2f} s |",
        f"| runbook's manual checklist: {len(commands)} `aws` CLI v1 commands, one after another "
        f"(covers fewer checks than doctor) | 1 | {manual:.2f} s | {manual:.2f} s |",
        "", "Target: doctor under 5 s on 2 cores.", "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmark results\n\nAppended by the scripts in bench/; newest last.\n")
        with RESULTS.open("a") as f:
            f.write(text)


if __name__ == "__main__":
    main()
