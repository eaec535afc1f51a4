"""`brewsync sync` / `plan` through the CLI: exit codes, JSON, and bad input refused cleanly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry

ROOT = Path(__file__).resolve().parents[2]
SHA = "ab" * 32


@pytest.fixture(scope="module")
def registry():
    with LocalRegistry(generate_catalog(count=12, seed=3)) as reg:
        yield reg


def run(*args, env=None):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200", **(env or {})})


class _Static(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a):
        pass


@pytest.fixture
def serve_index():
    """Serve arbitrary bytes as <api>/formula.json."""
    servers = []

    def start(body: bytes) -> str:
        handler = type("H", (_Static,), {"body": body})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/api"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def formula(name="wget", sha=SHA, tag="arm64_sonoma"):
    return {"name": name, "versions": {"stable": "1.0"}, "revision": 0,
            "bottle": {"stable": {"rebuild": 0, "root_url": "http://127.0.0.1:9/v2/homebrew/core",
                                  "files": {tag: {"url": f"http://127.0.0.1:9/v2/homebrew/core/x/blobs/sha256:{sha}", "sha256": sha}}}}}


def test_entry_point_help_runs_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "brewsync_ops", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "sync" in proc.stdout and "doctor" in proc.stdout


def test_sync_json_then_plan_shows_nothing_new(registry, tmp_path):
    dest = str(tmp_path / "mirror")
    r = run("sync", "--to", dest, "--api-url", registry.api_url, "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["failed"] == 0 and data["copied"] > 10 and data["index_written"] is True
    r = run("plan", "--to", dest, "--api-url", registry.api_url, "--json", "--query", "summary")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"new": 0, "unchanged": data["copied"], "stale": 0, "bytes_new": 0, "unknown_sizes": 0}


def test_failed_bottles_exit_1_and_are_named(registry, tmp_path):
    sha = registry.catalog.formula("wget")["bottle"]["stable"]["files"]["arm64_sonoma"]["sha256"]
    registry.set_fault("wrong_bytes", match=sha)
    try:
        r = run("sync", "--to", str(tmp_path / "m"), "--api-url", registry.api_url)
    finally:
        registry.clear_faults()
    assert r.exit_code == 1
    assert "wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz" in r.stdout and "sha256 mismatch" in r.stdout


def test_dry_run_writes_nothing(registry, tmp_path):
    dest = tmp_path / "dry"
    r = run("sync", "--to", str(dest), "--api-url", registry.api_url, "--dry-run", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["would_copy"]
    assert not dest.exists() or not any(dest.rglob("*"))


@pytest.mark.parametrize("body,expected", [
    (b"[{not json", "not valid JSON"),
    (json.dumps([formula(name="a/b")]).encode(), "'a/b': formula name 'a/b' is not a valid"),
    (json.dumps([formula(name="..")]).encode(), "is not a valid Homebrew formula name"),
    (json.dumps([formula(name="x\x00y")]).encode(), "is not a valid Homebrew formula name"),
    (json.dumps([formula(sha="Z" * 64)]).encode(), "is not 64 lowercase hex"),
])
def test_bad_index_exits_2_with_one_line_and_writes_nothing(serve_index, tmp_path, body, expected):
    dest = tmp_path / "mirror"
    r = run("sync", "--to", str(dest), "--api-url", serve_index(body))
    assert r.exit_code == 2
    first = r.stderr.splitlines()[0]
    assert first.startswith("brewsync: error: ") and expected in first
    assert "Traceback" not in r.stderr + r.stdout
    assert not dest.exists() or not any(dest.rglob("*"))


@pytest.mark.parametrize("args,expected", [
    (["--tags", "arm64_sonoma,windows_xp"], "unknown bottle tag 'windows_xp'"),
    (["--layout", "flat"], "--layout 'flat'"),
    (["--formula", "../etc"], "not a valid Homebrew formula name"),
    (["--api-url", "ftp://x"], "must be an http(s) URL"),
    (["--concurrency", "0"], "Invalid value for '--concurrency'"),
    (["--no-such-option"], "No such option: --no-such-option"),
])
def test_bad_options_exit_2(tmp_path, args, expected):
    r = run("sync", "--to", str(tmp_path / "m"), *args)
    assert r.exit_code == 2
    first = r.stderr.splitlines()[0]
    assert first.startswith("brewsync: error: ") and expected in first  # one line, no box
    assert not (tmp_path / "m").exists()


def test_no_destination_is_a_usage_error():
    r = run("sync")
    assert r.exit_code == 2 and "no destination" in r.stderr


def test_readme_starts_with_the_two_commands_ci_runs():
    text = (ROOT / "README.md").read_text()
    head = text.split("```")[1]
    commands = re.findall(r"^\$ (.+)$", head, flags=re.M)
    assert commands[0].endswith("brewsync demo") and "pip install" in commands[0]
    assert "pytest" in commands[1] and "pip install" in commands[1]
    assert "sed -n 2p" in (ROOT / ".ci" / "run").read_text()


def test_sync_to_s3_through_endpoint_url_option(registry, moto_server):
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket="cli-endpoint")
    r = run("--endpoint-url", moto_server, "sync", "--to", "s3://cli-endpoint/mirror",
            "--api-url", registry.api_url, "--formula", "wget", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["copied"] == 3
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="cli-endpoint")["Contents"]}
    assert "mirror/bottles_hash.json" in keys
    assert "mirror/bottles/wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz" in keys
    # The same through the environment (AWS_ENDPOINT_URL + BREWSYNC_BUCKET), as `dev up` exports.
    r = run("plan", "--api-url", registry.api_url, "--formula", "wget", "--json", "--query", "summary.unchanged",
            env={"AWS_ENDPOINT_URL": moto_server, "BREWSYNC_BUCKET": "cli-endpoint"})
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == 0  # the bucket root holds no index: the mirror is under mirror/
