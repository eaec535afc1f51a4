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
from pathlib import Path

ENTRY = [sys.executable, "-c", "from brewsync_ops.cli import app; app()"]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import append  # noqa: E402


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


def count_findings(env: dict, *extra: str) -> int:
    import json

    out = subprocess.run(ENTRY + ["doctor", "--json", *extra], env=env, capture_output=True, text=True, timeout=300)
    return len(json.loads(out.stdout)["findings"])


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
        findings = count_findings(env)
        findings_all = count_findings(env, "--write-probe", "--send-test", "--full")
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

    rows = [
        "`brewsync doctor` through the real entry point (a new process each run, imports included) "
        "against `brewsync dev up --detach` (moto server on 127.0.0.1, the default stack, all areas).", "",
        "| what | runs | median | max | findings it reports |", "| --- | --- | --- | --- | --- |",
        f"| `brewsync doctor` | {len(plain)} | {statistics.median(plain):.2f} s | {max(plain):.2f} s | {findings} checks, each a finding with evidence, fix and runbook link |",
        f"| `brewsync doctor --write-probe --send-test --full` | {len(everything)} | "
        f"{statistics.median(everything):.2f} s | {max(everything):.2f} s | {findings_all} |",
        f"| runbook's manual checklist: {len(commands)} `aws` CLI v1 commands, one after another | 1 | "
        f"{manual:.2f} s | {manual:.2f} s | raw JSON for a person to read: at most {len(commands)} questions answered, no verdict |",
        "", "Target: doctor under 5 s on 2 cores.",
    ]
    if args.no_write:
        print("\n".join(rows))
    else:
        append("doctor vs the runbook's manual checklist", "python bench/doctor_bench.py", rows)


if __name__ == "__main__":
    main()
