"""checkov finds nothing unskipped in terraform/, and every inline skip says why.

checkov lives in its own virtualenv (its pinned dependencies clash with ours): `.ci/run`
creates `.venv-checkov` from requirements/checkov.txt and exports BREWSYNC_CHECKOV. Locally,
without either, the scan is skipped with a reason; in CI (BREWSYNC_CHECKOV or CI set) a missing
checkov fails the test instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest

from .tfhelpers import REPO, TERRAFORM, tf_files

OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true"}
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([^\s:]+)(?::(.*))?$")
CHECK_ID = re.compile(r"^CKV2?_AWS_\d+$")


def _checkov_binary() -> Path | None:
    explicit = os.environ.get("BREWSYNC_CHECKOV")
    candidate = Path(explicit) if explicit else REPO / ".venv-checkov" / "bin" / "checkov"
    if candidate.is_file():
        return candidate
    if explicit or os.environ.get("CI"):
        pytest.fail(f"checkov not found at {candidate}: .ci/run installs it from requirements/checkov.txt")
    return None


@cache
def _scan(binary: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | OFFLINE_ENV
    result = subprocess.run(
        [
            str(binary),
            "--directory",
            str(TERRAFORM),
            "--framework",
            "terraform",
            "--output",
            "json",
            "--compact",
            "--skip-download",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1), f"checkov crashed ({result.returncode}):\n{result.stderr[-4000:]}"
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    (terraform,) = [r for r in reports if r.get("check_type") == "terraform"]
    return terraform


@pytest.fixture(scope="module")
def checkov_report() -> dict:
    binary = _checkov_binary()
    if binary is None:
        pytest.skip("checkov is not installed here: run .ci/run, or set BREWSYNC_CHECKOV to a checkov binary")
    return _scan(binary)


def test_checkov_reports_no_unskipped_failure(checkov_report: dict):
    failed = checkov_report["results"]["failed_checks"]
    summary = [f"{f['check_id']} {f['resource']} ({f['file_path']}:{f['file_line_range']})" for f in failed]
    assert not failed, "checkov failures (fix them, or skip inline with a reason):\n" + "\n".join(summary)
    assert checkov_report["summary"]["passed"] > 100, "checkov scanned suspiciously little"


def test_every_checkov_skip_it_applied_has_a_reason(checkov_report: dict):
    for skipped in checkov_report["results"]["skipped_checks"]:
        comment = (skipped.get("check_result") or {}).get("suppress_comment", "")
        assert comment.strip(), f"{skipped['check_id']} on {skipped['resource']} is skipped without a reason"


def _is_full_sentence(reason: str) -> bool:
    words = reason.split()
    return len(words) >= 6 and reason[0].isupper() and reason.rstrip().endswith((".", "!"))


@pytest.mark.parametrize("path", tf_files(), ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_inline_skips_name_a_check_and_give_a_full_sentence(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "checkov:skip" not in line:
            continue
        match = SKIP_COMMENT.search(line.strip())
        assert match, f"{path.name}:{number}: malformed skip comment {line.strip()!r}"
        check_id, reason = match.group(1), (match.group(2) or "").strip()
        assert CHECK_ID.match(check_id), f"{path.name}:{number}: {check_id!r} is not a checkov AWS check id"
        assert _is_full_sentence(reason), (
            f"{path.name}:{number}: the reason for skipping {check_id} must be a full sentence: {reason!r}"
        )
