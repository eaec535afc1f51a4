"""Where the mirror lives: one small interface, two implementations.

- `FolderStore`: a local folder; every write goes to a temporary file in the same folder, is
  fsynced, checked, then atomically renamed into place.
- `S3Store`: a bucket (and optional key prefix); large bodies stream through boto3's transfer
  manager as multipart uploads in constant memory; the sha256 goes into object metadata.

In both, `put_stream` hashes the bytes as they pass and a body whose sha256 (or size) is not the
expected one is aborted before it becomes visible: a half-written or wrong bottle never exists
under its key.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from .errors import AccessError, DigestMismatch, InputError, PreconditionFailed

CHUNK = 1 << 20
PART_SIZE = 8 << 20
SHA_META = "sha256"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None = None
    etag: str | None = None
    last_modified: datetime | None = None
    metadata: dict | None = None
    content_type: str | None = None


def check_key(key: str) -> str:
    """Keys are derived from validated records; refuse anything that could escape the mirror."""
    if (not key or key.startswith("/") or "\\" in key or "\x00" in key
            or any(part in ("", ".", "..") for part in key.split("/"))):
        raise InputError(f"refusing unsafe object key {key!r}")
    return key


class HashingReader:
    """A read()-able view of a chunk iterator that hashes what passes and checks it at the end.

    When the source is exhausted, the digest (and size, when known) is compared *inside* the
    read call that hit the end, so the consumer (an upload) fails before it can complete.
    """

    def __init__(self, chunks: Iterable[bytes], sha256: str, size: int | None = None,
                 on_bytes: Callable[[int], None] | None = None):
        self._it = iter(chunks)
        self._expected = sha256
        self._size = size
        self._hash = hashlib.sha256()
        self._buf = bytearray()
        self._eof = False
        self.count = 0
        self._on_bytes = on_bytes

    def _next(self) -> bytes | None:
        """The next source chunk, hashed and counted; None (after verifying) at the end."""
        try:
            chunk = next(self._it)
        except StopIteration:
            self._eof = True
            self.verify()
            return None
        self._hash.update(chunk)
        self.count += len(chunk)
        if self._size is not None and self.count > self._size:
            raise DigestMismatch(f"body is longer than the expected {self._size} bytes")
        if self._on_bytes:
            self._on_bytes(len(chunk))
        return chunk

    def _pull(self) -> None:
        chunk = self._next()
        if chunk is not None:
            self._buf += chunk

    def verify(self) -> None:
        if self._size is not None and self.count != self._size:
            raise DigestMismatch(f"body is {self.count} bytes, expected {self._size}")
        actual = self._hash.hexdigest()
        if actual != self._expected:
            raise DigestMismatch(f"sha256 mismatch: got {actual[:12]}…, expected {self._expected[:12]}…")

    def read(self, n: int = -1) -> bytes:
        while not self._eof and (n is None or n < 0 or len(self._buf) < n):
            self._pull()
        if n is None or n < 0 or n >= len(self._buf):
            out = bytes(self._buf)
            self._buf.clear()
        else:
            out = bytes(self._buf[:n])
            del self._buf[:n]
        return out

    def __iter__(self) -> Iterator[bytes]:
        """The source chunks themselves, hashed on the way (no re-buffering, no copies);
        the check runs when the source ends, before the consumer sees the end."""
        if self._buf:
            yield self.read(-1)
        while not self._eof:
            chunk = self._next()
            if chunk is not None:
                yield chunk


class Store(ABC):
    """exists / put stream with expected sha256 / get / list / delete — for both backends."""

    url: str

    @abstractmethod
    def head(self, key: str) -> ObjectInfo | None: ...

    @abstractmethod
    def put_stream(self, key: str, chunks: Iterable[bytes], *, sha256: str, size: int | None = None,
                   content_type: str = "application/octet-stream",
                   on_bytes: Callable[[int], None] | None = None,
                   length_hint: int | None = None) -> ObjectInfo:
        """Stream ``chunks`` to ``key``; visible only if the sha256 (and ``size``) match."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, *, content_type: str = "application/octet-stream",
                  metadata: dict | None = None, if_match: str | None = None,
                  if_none_match: bool = False) -> str: ...

    @abstractmethod
    def get_bytes(self, key: str) -> tuple[bytes, str] | None: ...

    @abstractmethod
    def copy(self, src: str, dst: str, *, content_type: str | None = None) -> None: ...

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    def cleanup_incomplete(self, older_than: datetime | None = None,
                           keep: Callable[[str], bool] | None = None) -> int:
        """Remove leftovers of interrupted writes (multipart uploads, temp files)."""
        return 0

    def public_url(self, key: str = "") -> str:
        return f"{self.url.rstrip('/')}/{quote(key)}" if key else self.url


def open_store(dest: str, *, aws=None) -> Store:
    """``s3://bucket[/prefix]`` -> S3Store, anything else -> FolderStore."""
    if dest.startswith("s3://"):
        rest = dest[5:]
        bucket, _, prefix = rest.partition("/")
        if not bucket:
            raise InputError(f"--to {dest!r}: no bucket name")
        if aws is None:
            from .aws import AwsClients

            aws = AwsClients()
        return S3Store(bucket, prefix.strip("/"), aws)
    if "://" in dest:
        raise InputError(f"--to {dest!r}: expected a folder path or s3://bucket[/prefix]")
    return FolderStore(dest)


# ------------------------------------------------------------------------------ folder

class FolderStore(Store):
    TEMP_MARK = ".partial-"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).absolute()
        if self.root.exists() and not self.root.is_dir():
            raise InputError(f"--to {root}: exists and is not a folder")
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _lock(self):
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".brewsync.lock", os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    @contextlib.contextmanager
    def _locked(self):
        fd = self._lock()
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    # Metadata (sha256, source ETag) lives in a sidecar under .brewsync/meta/: portable where
    # xattrs are not, and only a cache — a missing sidecar means "compute it".
    META_DIR = ".brewsync/meta"

    def _meta_path(self, key: str) -> Path:
        return self.root / self.META_DIR / (check_key(key) + ".json")

    def _read_meta(self, key: str, size: int) -> dict | None:
        try:
            meta = json.loads(self._meta_path(key).read_text())
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) and meta.get("_size") == size else None

    def _write_meta(self, key: str, size: int, metadata: dict | None) -> None:
        path = self._meta_path(key)
        if not metadata:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + self.TEMP_MARK + uuid.uuid4().hex[:8])
        tmp.write_text(json.dumps({**metadata, "_size": size}))
        os.replace(tmp, path)

    def head(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        if not path.is_file():
            return None
        meta = self._read_meta(key, st.st_size) or {}
        return ObjectInfo(key, st.st_size, meta.get(SHA_META), None,
                          datetime.fromtimestamp(st.st_mtime, timezone.utc),
                          {k: v for k, v in meta.items() if k != "_size"})

    def digest(self, key: str) -> str | None:
        """sha256 of a stored file (from its sidecar when present, else computed)."""
        info = self.head(key)
        if info is None:
            return None
        if info.sha256:
            return info.sha256
        h = hashlib.sha256()
        with open(self._path(key), "rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                h.update(block)
        return h.hexdigest()

    def _write_atomic(self, key: str, chunks: Iterable[bytes], metadata: dict | None = None) -> Path:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}{self.TEMP_MARK}{uuid.uuid4().hex[:12]}"
        try:
            with open(tmp, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            # Sidecar first: a crash between the two leaves metadata whose size check fails.
            self._write_meta(key, tmp.stat().st_size, metadata)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        with contextlib.suppress(OSError):
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return path

    def put_stream(self, key, chunks, *, sha256, size=None, content_type="application/octet-stream",
                   on_bytes=None, length_hint=None) -> ObjectInfo:
        reader = HashingReader(chunks, sha256, size, on_bytes)
        path = self._write_atomic(key, reader, {SHA_META: sha256})  # reading to the end verifies
        return ObjectInfo(key, path.stat().st_size, sha256)

    def put_bytes(self, key, data, *, content_type="application/octet-stream", metadata=None,
                  if_match=None, if_none_match=False) -> str:
        with self._locked():
            current = self.get_bytes(key) if (if_match or if_none_match) else None
            if if_none_match and current is not None:
                raise PreconditionFailed(f"{key} already exists")
            if if_match and (current is None or current[1] != if_match):
                raise PreconditionFailed(f"{key} changed since it was read")
            self._write_atomic(key, [data], metadata)
        return _md5(data)

    def get_bytes(self, key) -> tuple[bytes, str] | None:
        try:
            data = self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None
        return data, _md5(data)

    def copy(self, src, dst, *, content_type=None) -> None:
        src_path = self._path(src)
        meta = self.head(src)
        dst_path = self._path(dst)
        dst_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst_path.parent / f".{dst_path.name}{self.TEMP_MARK}{uuid.uuid4().hex[:12]}"
        try:
            os.link(src_path, tmp)  # same bytes, no second copy on disk
        except OSError:
            with open(src_path, "rb") as f:
                self._write_atomic(dst, iter(lambda: f.read(CHUNK), b""), meta.metadata if meta else None)
            return
        if meta is not None:
            self._write_meta(dst, meta.size, meta.metadata)
        os.replace(tmp, dst_path)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if not self.root.exists():
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            if Path(dirpath) == self.root and ".brewsync" in dirnames:
                dirnames.remove(".brewsync")
            dirnames.sort()
            for name in sorted(filenames):
                if name.startswith(".") and (self.TEMP_MARK in name or name == ".brewsync.lock"):
                    continue
                path = Path(dirpath) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    st = path.stat()
                    meta = self._read_meta(key, st.st_size) or {}
                    yield ObjectInfo(key, st.st_size, meta.get(SHA_META), None,
                                     datetime.fromtimestamp(st.st_mtime, timezone.utc))

    def delete(self, key) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()
        with contextlib.suppress(FileNotFoundError):
            self._meta_path(key).unlink()

    def cleanup_incomplete(self, older_than=None, keep=None) -> int:
        removed = 0
        if not self.root.exists():
            return 0
        for dirpath, _, filenames in os.walk(self.root):
            for name in filenames:
                if self.TEMP_MARK not in name:
                    continue
                path = Path(dirpath) / name
                with contextlib.suppress(FileNotFoundError):
                    mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
                    if older_than is None or mtime < older_than:
                        path.unlink()
                        removed += 1
        return removed


def _md5(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


# ---------------------------------------------------------------------------------- S3

class S3Store(Store):
    def __init__(self, bucket: str, prefix: str, aws):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.aws = aws
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    @property
    def s3(self):
        return self.aws.client("s3")

    def _k(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _unk(self, full: str) -> str:
        return full[len(self.prefix) + 1:] if self.prefix else full

    def _call(self, fn, **kwargs):
        from botocore.exceptions import ClientError

        try:
            return fn(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
                raise PreconditionFailed(f"{kwargs.get('Key')}: {code or status}") from None
            if code == "NoSuchBucket":
                raise AccessError(f"bucket {self.bucket} does not exist",
                                  hint="create it, or pass the right --bucket / --to") from None
            if code in ("AccessDenied", "403", "AllAccessDisabled"):
                raise AccessError(f"access denied to s3://{self.bucket}/{kwargs.get('Key', '')}",
                                  hint="check the bucket policy and your role's S3 permissions",
                                  runbook="runbooks/s3.md") from None
            raise

    @staticmethod
    def _missing(exc) -> bool:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            code = exc.response.get("Error", {}).get("Code", "")
            return code in ("404", "NoSuchKey", "NotFound")
        return False

    def head(self, key) -> ObjectInfo | None:
        from botocore.exceptions import ClientError

        try:
            r = self._call(self.s3.head_object, Key=self._k(key))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        meta = r.get("Metadata", {})
        return ObjectInfo(key, r["ContentLength"], meta.get(SHA_META), r.get("ETag"),
                          r.get("LastModified"), meta, r.get("ContentType"))

    def put_stream(self, key, chunks, *, sha256, size=None, content_type="application/octet-stream",
                   on_bytes=None, length_hint=None) -> ObjectInfo:
        reader = HashingReader(chunks, sha256, size, on_bytes)
        size = size if size is not None else length_hint
        extra = {"Metadata": {SHA_META: sha256}, "ContentType": content_type}
        if size is not None and size < PART_SIZE:
            # Small body: read it whole (verifies), then one PUT. Nothing is sent on mismatch.
            body = reader.read(PART_SIZE + 1)
            if len(body) > PART_SIZE or reader.read(1):
                raise DigestMismatch(f"body is longer than the announced {size} bytes")
            self._call(self.s3.put_object, Key=self._k(key), Body=body, **extra)
            return ObjectInfo(key, len(body), sha256)
        from boto3.s3.transfer import TransferConfig

        config = TransferConfig(multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE,
                                max_concurrency=4)
        # Bound the parts held in memory (s3transfer's default is 10 × 8 MiB).
        config.max_in_memory_upload_chunks = 4
        # The reader raises DigestMismatch in the read that reaches the end, before the last
        # part is handed over: s3transfer then aborts the multipart upload (or never PUTs).
        self.s3.upload_fileobj(reader, self.bucket, self._k(key), ExtraArgs=extra, Config=config)
        return ObjectInfo(key, reader.count, sha256)

    def put_bytes(self, key, data, *, content_type="application/octet-stream", metadata=None,
                  if_match=None, if_none_match=False) -> str:
        kwargs = {"Key": self._k(key), "Body": data, "ContentType": content_type}
        if metadata:
            kwargs["Metadata"] = metadata
        if if_match:
            kwargs["IfMatch"] = if_match
        elif if_none_match:
            kwargs["IfNoneMatch"] = "*"
        return self._call(self.s3.put_object, **kwargs)["ETag"]

    def get_bytes(self, key) -> tuple[bytes, str] | None:
        from botocore.exceptions import ClientError

        try:
            r = self._call(self.s3.get_object, Key=self._k(key))
        except ClientError as exc:
            if self._missing(exc):
                return None
            raise
        return r["Body"].read(), r["ETag"]

    def copy(self, src, dst, *, content_type=None) -> None:
        # Server-side copy: nothing passes through us. The managed copy goes multipart above
        # 8 MiB, and a multipart copy does NOT carry the source's metadata: pass it explicitly.
        source = self.head(src)
        if source is None:
            raise InputError(f"cannot copy {src}: it does not exist")
        extra = {"Metadata": source.metadata or {}, "MetadataDirective": "REPLACE",
                 "ContentType": content_type or source.content_type or "application/octet-stream"}
        self.s3.copy({"Bucket": self.bucket, "Key": self._k(src)}, self.bucket, self._k(dst), ExtraArgs=extra)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        if ".." in prefix.split("/") or prefix.startswith("/"):
            raise InputError(f"refusing unsafe prefix {prefix!r}")
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full):
            for obj in page.get("Contents", []):
                yield ObjectInfo(self._unk(obj["Key"]), obj["Size"], None, obj.get("ETag"),
                                 obj.get("LastModified"))

    def delete(self, key) -> None:
        self._call(self.s3.delete_object, Key=self._k(key))

    def cleanup_incomplete(self, older_than=None, keep=None) -> int:
        """Abort multipart uploads left by interrupted runs (initiated before ``older_than``)."""
        removed = 0
        paginator = self.s3.get_paginator("list_multipart_uploads")
        kwargs = {"Bucket": self.bucket}
        if self.prefix:
            kwargs["Prefix"] = self.prefix + "/"
        for page in paginator.paginate(**kwargs):
            for up in page.get("Uploads", []):
                if older_than is not None and up["Initiated"] >= older_than:
                    continue
                if keep is not None and keep(self._unk(up["Key"])):
                    continue
                with contextlib.suppress(Exception):
                    self.s3.abort_multipart_upload(Bucket=self.bucket, Key=up["Key"], UploadId=up["UploadId"])
                    removed += 1
        return removed

    def public_url(self, key: str = "") -> str:
        endpoint = self.s3.meta.endpoint_url.rstrip("/")
        base = f"{endpoint}/{self.bucket}" + (f"/{self.prefix}" if self.prefix else "")
        return f"{base}/{quote(key)}" if key else base
