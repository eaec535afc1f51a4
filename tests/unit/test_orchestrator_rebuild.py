"""rebuild_index: an entry only for an object that exists with that digest (pure + FolderStore)."""

from __future__ import annotations

import hashlib

from sync_runtime.bottle import Bottle
from sync_runtime.index import Entry, Index, IndexRepo
from sync_runtime.rebuild import entries_from_heads, lenient_entries, rebuild_index, replace_index
from sync_runtime.stores import FolderStore, ObjectInfo


def make(name: str, data: bytes, tag: str = "arm64_sonoma") -> Bottle:
    sha = hashlib.sha256(data).hexdigest()
    return Bottle(name, "1.0", 0, tag, sha, f"https://ghcr.io/v2/homebrew/core/{name}/blobs/sha256:{sha}", len(data))


def test_entries_from_heads_keeps_only_matching_digests():
    a, b, c = make("a", b"aaa"), make("b", b"bbb"), make("c", b"ccc")
    heads = {a.blob_key: ObjectInfo(a.blob_key, 3, a.sha256),
             b.blob_key: ObjectInfo(b.blob_key, 3, "0" * 64),         # wrong digest
             c.bottle_key: ObjectInfo(c.bottle_key, 3, c.sha256)}      # only the flat copy
    index = entries_from_heads([a, b, c], heads, layout="both")
    assert set(index.bottles) == {a.filename, c.filename}
    assert index.bottles[c.filename].key == c.bottle_key and index.bottles[a.filename].size == 3
    assert set(entries_from_heads([a, b, c], heads, layout="artifact").bottles) == {a.filename}


def test_rebuild_from_a_folder_store_replaces_an_unreadable_index(tmp_path):
    store = FolderStore(tmp_path)
    a, b = make("wget", b"wget bytes"), make("curl", b"curl bytes")
    store.put_stream(a.blob_key, [b"wget bytes"], sha256=a.sha256)
    store.put_stream(b.bottle_key, [b"curl bytes"], sha256=b.sha256)
    gone = Entry("zsh", "5.9", 0, "arm64_sonoma", "e" * 64, 5, "v2/homebrew/core/zsh/blobs/sha256:" + "e" * 64,
                 "2026-01-01T00:00:00Z")
    store.put_bytes("bottles_hash.json", b"{broken")
    read = store.get_bytes("bottles_hash.json")
    index = rebuild_index(store, [a, b])
    assert set(index.bottles) == {a.filename, b.filename}
    replace_index(store, index, read_etag=read[1], read_entries=lenient_entries(read[0]))
    loaded, _ = IndexRepo(store).load()
    assert set(loaded.bottles) == {a.filename, b.filename}
    # A readable index's entries are candidates too; one whose object is gone is dropped.
    IndexRepo(store).update(lambda cur: Index({**cur.bottles, gone.filename: gone}))
    again = rebuild_index(store)
    assert set(again.bottles) == {a.filename, b.filename}


def test_replace_index_keeps_what_a_sync_committed_during_the_rebuild(tmp_path):
    """The write is conditional on the index the rebuild read, not on a fresh read."""
    store = FolderStore(tmp_path)
    a, late = make("wget", b"wget bytes"), make("late", b"late bytes")
    store.put_stream(a.blob_key, [b"wget bytes"], sha256=a.sha256)
    read = store.get_bytes("bottles_hash.json")            # nothing yet
    index = rebuild_index(store, [a])
    # A sync commits its entry while the rebuild is running...
    store.put_stream(late.blob_key, [b"late bytes"], sha256=late.sha256)
    late_entry = Entry.from_bottle(late, key=late.blob_key, size=10, synced_at="2026-11-29T03:00:00Z")
    IndexRepo(store).update(lambda cur: Index({**cur.bottles, late.filename: late_entry}))
    # ... and the rebuild's write must not erase it.
    replace_index(store, index, read_etag=read[1] if read else None, read_entries=None)
    loaded, _ = IndexRepo(store).load()
    assert set(loaded.bottles) == {a.filename, late.filename}
