"""Hostile formula indexes and redirects: each refused with a reason, nothing written outside
the mirror's keys (nothing written at all for a refused index), no crash, bounded memory."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry

pytestmark = pytest.mark.reliability
SHA = "cd" * 32


def formula(name="ok", files=None, **over):
    files = files if files is not None else {"arm64_sonoma": {"url": f"http://127.0.0.1:9/v2/homebrew/core/ok/blobs/sha256:{SHA}", "sha256": SHA}}
    f = {"name": name, "versions": {"stable": "1.0"}, "revision": 0,
         "bottle": {"stable": {"rebuild": 0, "root_url": "http://127.0.0.1:9/v2/homebrew/core", "files": files}}}
    f.update(over)
    return f


HOSTILE = {
    "traversal": [formula("../x")],
    "slash": [formula("a/b")],
    "absolute": [formula("/etc/passwd")],
    "control-chars": [formula("wget\n\x1b[31m")],
    "10MB-name": [formula("a" * 10_000_000)],
    "10MB-version": [formula(versions={"stable": "1" * 10_000_000})],
    "wrong-type-name": [formula(name=["wget"])],
    "wrong-type-files": [formula(files=["arm64_sonoma"])],
    "wrong-type-entry": ["wget"],
    "duplicate": [formula("dup"), formula("dup")],
    "50k-tags": [formula(files={f"tag{i}": {"url": "http://x/y", "sha256": SHA} for i in range(50_000)})],
    "tag-traversal": [formula(files={"../../x": {"url": "http://x/y", "sha256": SHA}})],
    "file-url": [formula(files={"arm64_sonoma": {"url": "file:///etc/passwd", "sha256": SHA}})],
    "javascript-url": [formula(files={"arm64_sonoma": {"url": "javascript:alert(1)", "sha256": SHA}})],
    "short-sha": [formula(files={"arm64_sonoma": {"url": "http://x/y", "sha256": "abc"}})],
    "not-a-list": {"formulae": []},
}


@pytest.fixture(scope="module")
def serve():
    bodies: dict[str, bytes] = {}

    class H(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = bodies.get(self.path.split("/")[1], b"")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def add(case: str, body) -> str:
        bodies[case] = json.dumps(body).encode()
        return f"http://127.0.0.1:{server.server_address[1]}/{case}/api"

    yield add
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_index_is_refused_and_nothing_is_written(serve, tmp_path, case):
    dest = tmp_path / "mirror"
    r = CliRunner().invoke(app, ["sync", "--to", str(dest), "--api-url", serve(case, HOSTILE[case])])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    line = r.stderr.splitlines()[0]
    assert line.startswith("brewsync: error: formula index") and len(line) < 400
    assert "Traceback" not in r.stderr
    assert not dest.exists() or not any(dest.rglob("*"))
    assert not any(p for p in tmp_path.rglob("*") if p != dest and p.name not in ("mirror",))


@pytest.mark.parametrize("fault,reason", [("redirect_loop", "too many redirects"), ("bad_scheme", "non-HTTP URL")])
def test_hostile_redirects_fail_that_bottle_with_a_reason(tmp_path, fault, reason):
    with LocalRegistry(generate_catalog(count=3, seed=2)) as registry:
        registry.set_fault(fault)
        r = CliRunner().invoke(app, ["sync", "--to", str(tmp_path / "m"), "--api-url", registry.api_url, "--json"])
    assert r.exit_code == 1
    report = json.loads(r.stdout)
    assert report["copied"] == 0 and report["failed"] > 0
    assert all(reason in f["reason"] for f in report["failures"])
    written = [p.relative_to(tmp_path / "m").as_posix() for p in (tmp_path / "m").rglob("*") if p.is_file()]
    assert written and all(w.startswith(("api/", ".brewsync/")) or w == ".brewsync.lock" for w in written)
