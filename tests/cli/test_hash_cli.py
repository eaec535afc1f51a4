"""`brewsync hash|trigger|recover|prune`: usage errors in one line (exit 2), help, folder mirrors."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from sync_runtime.index import Entry, Index
from sync_runtime.names import INDEX_KEY
from sync_runtime.stores import FolderStore


def run(*args, env=None):
    return CliRunner().invoke(app, list(args), env={"BREWSYNC_BUCKET": "", **(env or {})})


def one_error_line(result) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("brewsync: error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output
    return errors[0]


@pytest.fixture
def mirror(tmp_path):
    store = FolderStore(tmp_path)
    body = b"bottle bytes"
    sha = hashlib.sha256(body).hexdigest()
    e = Entry("openssl@3", "3.4.1_1", 2, "arm64_sonoma", sha, len(body),
              "bottles/openssl@3-3.4.1_1.arm64_sonoma.bottle.2.tar.gz", "2026-01-01T00:00:00Z")
    store.put_stream(e.key, [body], sha256=sha)
    store.put_bytes(INDEX_KEY, Index({e.filename: e}, "2026-01-01T00:00:00Z").to_json())
    return tmp_path


def test_entry_point_lists_the_new_commands():
    out = subprocess.run([sys.executable, "-m", "brewsync_ops", "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for name in ("hash", "trigger", "recover", "prune"):
        assert name in out.stdout


@pytest.mark.parametrize("args, phrase", [
    (["hash", "validate"], "no mirror to work on"),
    (["hash", "show", "--formula", "../x", "--to", "/tmp/nowhere-brewsync"], "not a valid Homebrew formula name"),
    (["hash", "validate", "--to", "ftp://host/x"], "expected a folder path or s3://"),
    (["prune", "--older-than", "soon", "--to", "/tmp/nowhere-brewsync"], "expected a number of days"),
])
def test_usage_errors_are_one_line_exit_2(args, phrase):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert phrase in one_error_line(result)


def test_show_validate_and_json_on_a_folder(mirror):
    show = run("hash", "show", "--to", str(mirror), "--formula", "openssl@3", "--json")
    assert show.exit_code == 0, show.output
    assert list(json.loads(show.stdout)["bottles"]) == ["openssl@3-3.4.1_1.arm64_sonoma.bottle.2.tar.gz"]
    ok = run("hash", "validate", "--to", str(mirror), "--against-store")
    assert ok.exit_code == 0 and ok.stdout.startswith("valid: 1 entries")
    assert run("hash", "diff", "--to", str(mirror)).exit_code == 0


def test_validate_names_the_bad_field_and_restore_refuses_unknown_versions(mirror):
    data = json.loads((mirror / INDEX_KEY).read_text())
    del data["bottles"]
    (mirror / INDEX_KEY).write_text(json.dumps(data))
    bad = run("hash", "validate", "--to", str(mirror))
    assert bad.exit_code == 1 and bad.stdout.strip() == "invalid: bottles: missing"
    before = (mirror / INDEX_KEY).read_bytes()
    for vid in ("snapshot-20200101T000000000000Z", "3HL4kqtJlcpXroDTDmJ"):
        result = run("hash", "restore", "--version", vid, "--to", str(mirror))
        assert result.exit_code == 2 and "does not exist" in one_error_line(result)
    assert (mirror / INDEX_KEY).read_bytes() == before


def test_rebuild_never_guesses_a_name_it_does_not_know(mirror):
    """No formula index cached, no history: the object is reported, not guessed at."""
    (mirror / INDEX_KEY).unlink()
    dry = run("hash", "rebuild", "--dry-run", "--to", str(mirror), "--json")
    assert dry.exit_code == 0, dry.output
    data = json.loads(dry.stdout)
    assert data["added"] == [] and data["unplaced_objects"] == [
        "bottles/openssl@3-3.4.1_1.arm64_sonoma.bottle.2.tar.gz: no known formula name fits"]
    assert not (mirror / INDEX_KEY).exists()


def test_trigger_payload_is_the_runbook_contract():
    from brewsync_ops.commands.trigger import payload

    assert payload("manual", rebuild=True) == {"source": "manual", "rebuild_hash": True, "dry_run": False, "formulae": []}
    assert payload("recovery", formulae=["gtk+3", "gtk+3"]) == {
        "source": "recovery", "rebuild_hash": False, "dry_run": False, "formulae": ["gtk+3"]}


def test_rebuild_write_keeps_entries_a_sync_wrote_meanwhile(mirror):
    """The rebuilt index is written conditionally on the index the rebuild read: a sync that
    committed between the rebuild's read and its write keeps its entry (and a prune its removal)."""
    from brewsync_ops.commands import hash as hash_ops
    from sync_runtime.index import IndexRepo, merge

    store = FolderStore(mirror)
    body = b"new bottle"
    sha = hashlib.sha256(body).hexdigest()
    new = Entry("wget", "1.25.0", 0, "arm64_sonoma", sha, len(body),
                "bottles/wget-1.25.0.arm64_sonoma.bottle.tar.gz", "2026-02-01T00:00:00Z")
    rebuilt = hash_ops.rebuild(store)
    (old_key,) = rebuilt.index.bottles
    store.put_stream(new.key, [body], sha256=sha)  # a sync lands a bottle and commits it ...
    IndexRepo(store).update(lambda cur: merge(cur, {new.filename: new}))
    hash_ops.write_rebuilt(store, rebuilt)         # ... while the rebuild is being written
    assert set(IndexRepo(store).load()[0].bottles) == {old_key, new.filename}

    rebuilt = hash_ops.rebuild(store)
    gone = IndexRepo(store).load()[0].bottles[old_key]
    IndexRepo(store).update(lambda cur: merge(cur, removed=[gone]))  # a prune removed it meanwhile
    hash_ops.write_rebuilt(store, rebuilt)
    assert set(IndexRepo(store).load()[0].bottles) == {new.filename}


def test_rebuild_unknown_layout_is_one_line_exit_2(mirror):
    before = (mirror / INDEX_KEY).read_bytes()
    result = run("hash", "rebuild", "--to", str(mirror), "--layout", "bogus", "--yes")
    assert result.exit_code == 2 and "--layout 'bogus'" in one_error_line(result)
    assert (mirror / INDEX_KEY).read_bytes() == before
