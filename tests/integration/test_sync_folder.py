"""A folder mirror served by a plain HTTP file server answers the URLs brew asks.

The URLs are computed here from the rules in shared/reference/homebrew.md, independently of
sync_runtime.bottle, so a mistake in the code under test cannot hide itself.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
import requests

from sync_runtime.stores import FolderStore

from .conftest import make_engine


def brew_urls(formula: dict, tag: str):
    """(artifact blob URL path, bottle-domain URL path, manifest paths) as brew builds them."""
    name = formula["name"]
    version = formula["versions"]["stable"]
    revision = formula.get("revision", 0)
    pkg = f"{version}_{revision}" if revision else version
    rebuild = formula["bottle"]["stable"]["rebuild"]
    sha = formula["bottle"]["stable"]["files"][tag]["sha256"]
    image = name.replace("@", "/").replace("+", "x")
    filename = f"{name}-{pkg}.{tag}.bottle{('.' + str(rebuild)) if rebuild else ''}.tar.gz"
    mtag = f"{pkg}-{rebuild}" if rebuild else pkg
    return (f"/v2/homebrew/core/{image}/blobs/sha256:{sha}",
            "/bottles/" + quote(filename, safe=""),
            f"/v2/homebrew/core/{image}/manifests/{mtag}",
            f"/bottles/{image}/manifests/{mtag}",
            sha)


@pytest.fixture
def served_mirror(tmp_path):
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_brew_urls_in_both_domain_modes(registry, catalog, served_mirror):
    root, base = served_mirror
    report = make_engine(registry, FolderStore(root)).run()
    assert report.ok and len(report.copied) > 20
    checked = 0
    for name in ("openssl@3", "gtk+3", "wget", "libxml2", "aardvark_shell_utils"):
        formula = catalog.formula(name)
        for tag in formula["bottle"]["stable"]["files"]:
            if tag not in ("arm64_sonoma", "arm64_ventura", "monterey", "all"):
                continue
            blob, bottle, art_manifest, bottle_manifest, sha = brew_urls(formula, tag)
            for path in (blob, bottle):
                r = requests.get(base + path, timeout=5)
                assert r.status_code == 200, path
                assert hashlib.sha256(r.content).hexdigest() == sha
            for path in (art_manifest, bottle_manifest):
                r = requests.get(base + path, timeout=5)
                assert r.status_code == 200 and b"sh.brew.bottle.digest" in r.content, path
            checked += 1
    assert checked >= 6
    r = requests.get(base + "/api/formula.jws.json", timeout=5)
    assert r.content == catalog.api_files["formula.jws.json"]
    # No temporary or partial files are left in the mirror.
    assert not [p for p in root.rglob("*") if ".partial-" in p.name]


def test_folder_store_never_shows_a_bad_bottle(registry, catalog, tmp_path):
    store = FolderStore(tmp_path / "m")
    formula = catalog.formula("wget")
    sha = formula["bottle"]["stable"]["files"]["arm64_sonoma"]["sha256"]
    registry.set_fault("wrong_bytes", match=sha)
    report = make_engine(registry, store).run()
    failed = {r.bottle.filename for r in report.failed}
    assert failed == {"wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"}
    files = [p.name for p in (tmp_path / "m").rglob("*") if p.is_file()]
    assert not any(sha in f for f in files)
    assert not failed & set(files)
    assert not any(".partial-" in f for f in files)
    index = store.get_bytes("bottles_hash.json")[0].decode()
    assert "wget-1.25.0_2.arm64_sonoma" not in index and "wget-1.25.0_2.monterey" in index


def test_ctrl_c_keeps_what_was_verified(registry, tmp_path):
    """An interrupt in the middle of a run commits the verified entries before it propagates."""
    from sync_runtime.engine import Progress
    from sync_runtime.index import IndexRepo

    class InterruptAfter(Progress):
        def __init__(self, n):
            self.n = n

        def finished(self, result):
            self.n -= 1
            if self.n == 0:
                raise KeyboardInterrupt

    store = FolderStore(tmp_path / "m")
    engine = make_engine(registry, store, concurrency=2)
    engine.progress = InterruptAfter(5)
    with pytest.raises(KeyboardInterrupt):
        engine.run()
    index, _ = IndexRepo(store).load()
    assert index is not None and len(index.bottles) >= 5
    for entry in index.bottles.values():
        assert store.digest(entry.key) == entry.sha256
        image = entry.key.split("/blobs/")[0]
        assert any((tmp_path / "m" / image / "manifests").iterdir())  # manifest beside it
    # The next run finishes the job without downloading what is already there.
    registry.reset_stats()
    rest = make_engine(registry, store).run()
    assert rest.ok and len(rest.copied) + len(index.bottles) == len(rest.plan.unchanged) + len(rest.plan.new)
