"""A local stand-in for formulae.brew.sh, ghcr.io and ghcr's blob storage.

Owns how a `Catalog` (fixtures.py) is *served* and how it misbehaves on purpose. Two HTTP
servers on 127.0.0.1, standard library only:

* the **registry** (``api_url``, ``registry_url``, ``/token``): the formula index and signed API
  files with gzip, ETag/If-None-Match and Last-Modified/If-Modified-Since; OCI manifests and blob
  redirects behind ``Authorization: Bearer <token>``, like ghcr.io;
* the **blob host** (``blob_host_url``): short-lived signed URLs the registry redirects blob
  GETs to. Like S3 pre-signed URLs it refuses an ``Authorization`` header (400) and an expired
  or tampered signature (403), and it streams any size in constant memory.

Faults (``set_fault``) reproduce what a real sync meets: 503s, connection resets, truncated
bodies, wrong bytes, slow transfers, expired/looping/unsafe redirects. Every fault and every
kind of request is counted in ``stats`` so tests can assert what actually happened.

Nothing here reaches the internet: URLs in the catalogue point back at these servers.
"""

from __future__ import annotations

import dataclasses
import email.utils
import gzip
import hashlib
import hmac
import json
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, unquote

from .fixtures import (
    INDEX_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    REGISTRY_PLACEHOLDER,
    BlobSpec,
    Catalog,
)

REGISTRY_PATH = "/v2/homebrew/core"
# Content-serving responses (index, API files, manifests, blob bytes) can be reset, truncated,
# corrupted or slowed; registry answers can be 503s; blob redirects can be bent.
CONTENT_FAULTS = ("reset", "truncate", "wrong_bytes", "slow")
REDIRECT_FAULTS = ("expired_redirect", "redirect_loop", "bad_scheme")
FAULT_KINDS = frozenset(("5xx", *CONTENT_FAULTS, *REDIRECT_FAULTS))
WRITE_CHUNK = 256 * 1024
SLOW_DELAY_SECONDS = 0.05


@dataclasses.dataclass
class _Fault:
    kind: str
    rate: float
    match: str | None
    count: int | None
    rng: random.Random
    fired: int = 0


class _ServedFile:
    """One file under /api as served: bytes, validators, and a gzip variant made on demand
    (a 29 MB index takes a second to compress; pay only if a client asks for gzip)."""

    def __init__(self, body: bytes, last_modified: int):
        self.body = body
        self.last_modified = last_modified
        digest = hashlib.sha256(body).hexdigest()[:40]
        self.etag = f'"{digest}"'
        # A strong ETag names one representation, so the gzip bytes get their own.
        self.gzip_etag = f'"{digest}-gzip"'
        self._gzip: bytes | None = None
        self._lock = threading.Lock()

    @property
    def gzipped(self) -> bytes:
        with self._lock:
            if self._gzip is None:
                self._gzip = gzip.compress(self.body, compresslevel=6, mtime=0)
            return self._gzip


@dataclasses.dataclass(frozen=True)
class _Published:
    """An immutable snapshot of a catalogue with the registry URL filled in. Swapped whole by
    `set_catalog`, so a request never sees half of one catalogue and half of another."""

    api_files: dict[str, _ServedFile]  # includes "formula.json"
    manifests: dict[tuple[str, str], tuple[bytes, str]]  # (image, ref) -> (body, media type)
    blobs: dict[str, BlobSpec]
    image_blobs: dict[str, frozenset[str]]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default (5) refuses connections under a parallel sync

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 registry: LocalRegistry):
        self.registry = registry
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup that can stall for
        # seconds on a machine without network. The name is never used here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up mid-body is normal (and provoked by faults): stay quiet.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)  # a real bug: show the traceback

    def close_open_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    """Shared plumbing: quiet logs, connection tracking, fault-aware body writing."""

    protocol_version = "HTTP/1.1"  # keep-alive, like the real services
    server_version = "brewsync-devstack"
    timeout = 30  # an idle keep-alive connection must not pin a thread forever
    server: _QuietServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; with Nagle on, the body waits for the
        # client's delayed ACK (~40 ms per response), which would dominate every benchmark.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.open_connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass  # tests and `brewsync demo` must not drown in access logs

    def version_string(self) -> str:
        return self.server_version

    @property
    def registry(self) -> LocalRegistry:
        return self.server.registry

    # -- small answers -------------------------------------------------------------------------

    def send_small(self, status: int, body: bytes, content_type: str = "application/json",
                   headers: dict[str, str] | None = None, head_only: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def send_redirect(self, location: str) -> None:
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # -- content with faults -------------------------------------------------------------------

    def send_content(self, status: int, headers: dict[str, str], length: int,
                     chunks: Callable[[], Iterable[bytes]],
                     wrong_chunks: Callable[[], Iterable[bytes]],
                     head_only: bool = False) -> None:
        """Send a body of ``length`` bytes, applying any content fault that fires."""
        path = self.path
        reset = self.registry.fault_fires("reset", path)
        truncate = self.registry.fault_fires("truncate", path)
        wrong = self.registry.fault_fires("wrong_bytes", path)
        slow = self.registry.fault_fires("slow", path)

        if reset is not None and (head_only or length < 2 or reset % 2 == 1):
            # Every second reset (and any reset without a body) dies inside the headers.
            self.wfile.write(f"HTTP/1.1 {status} OK\r\nContent-Le".encode())
            self.abort_connection()
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if head_only:
            return

        limit = length
        if reset is not None or truncate is not None:
            limit = length // 2
        sent = 0
        source = wrong_chunks() if wrong is not None else chunks()
        for chunk in source:
            if sent >= limit or self.registry.stopping:
                break
            if slow is not None:
                time.sleep(self.registry.slow_delay)
            piece = chunk[: limit - sent]
            self.wfile.write(piece)
            sent += len(piece)
            self.registry.count("bytes_sent", len(piece))
        if reset is not None:
            self.abort_connection()
        elif sent < length:
            # Content-Length promised more: the only honest way out is closing the connection.
            self.close_connection = True

    def abort_connection(self) -> None:
        """Close with a TCP RST (SO_LINGER 0), as a crashed proxy would."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        # rfile holds a reference to the socket: the fd closes only once both are closed.
        self.rfile.close()
        self.connection.close()


def _chunked(body: bytes) -> Iterator[bytes]:
    for start in range(0, len(body), WRITE_CHUNK):
        yield body[start:start + WRITE_CHUNK]


_FLIP_LOW_BIT = bytes(b ^ 0x01 for b in range(256))


def _scrambled(body: bytes) -> Iterator[bytes]:
    """Same length, different bytes (a flipped bit in every byte)."""
    yield from _chunked(body.translate(_FLIP_LOW_BIT))


def _etag_matches(header: str, candidates: Iterable[str]) -> bool:
    if header.strip() == "*":
        return True
    wanted = {c.removeprefix("W/") for c in candidates}
    return any(tag.strip().removeprefix("W/") in wanted for tag in header.split(","))


def _ghcr_error(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"code": code, "message": message}]}).encode()


def _s3_error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()


class _RegistryHandler(_Handler):
    """formulae.brew.sh (/api), ghcr.io (/v2, /token)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.route(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.route(head_only=True)

    def route(self, head_only: bool) -> None:
        path = self.path.partition("?")[0]
        if path == "/token":
            self.registry.count("token")
            token = self.registry.token
            body = json.dumps({"token": token, "access_token": token}).encode()
            self.send_small(200, body, head_only=head_only)
        elif path.startswith("/api/"):
            self.serve_api(unquote(path[len("/api/"):]), head_only)
        elif path in ("/v2", "/v2/"):
            if self.authorized(None):
                self.send_small(200, b"{}", head_only=head_only)
        elif path.startswith(REGISTRY_PATH + "/"):
            self.serve_registry(path[len(REGISTRY_PATH) + 1:], head_only)
        else:
            self.registry.count("not_found")
            self.send_small(404, _ghcr_error("NOT_FOUND", "not found"), head_only=head_only)

    def answer_503(self, head_only: bool) -> bool:
        if self.registry.fault_fires("5xx", self.path) is None:
            return False
        self.send_small(503, _ghcr_error("UNAVAILABLE", "service unavailable (injected)"),
                        head_only=head_only)
        return True

    # -- /api --------------------------------------------------------------------------------

    def serve_api(self, relative: str, head_only: bool) -> None:
        served = self.registry.published.api_files.get(relative)
        counter = "index" if relative == "formula.json" else "api"
        if served is None:
            self.registry.count("not_found")
            self.send_small(404, b"Not Found", "text/plain", head_only=head_only)
            return
        if self.answer_503(head_only):
            return
        use_gzip = "gzip" in self.headers.get("Accept-Encoding", "").lower()
        etag = served.gzip_etag if use_gzip else served.etag
        validators = {"ETag": etag,
                      "Last-Modified": email.utils.formatdate(served.last_modified, usegmt=True),
                      "Cache-Control": "max-age=600", "Vary": "Accept-Encoding"}
        if self.not_modified(served):
            self.registry.count(f"{counter}_304")
            self.send_response(304)
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self.registry.count(counter)
        body = served.gzipped if use_gzip else served.body
        headers = {"Content-Type": "application/json; charset=utf-8", **validators}
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        self.send_content(200, headers, len(body), lambda: _chunked(body),
                          lambda: _scrambled(body), head_only)

    def not_modified(self, served: _ServedFile) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:  # RFC 9110: If-Modified-Since is ignored then
            return _etag_matches(if_none_match, (served.etag, served.gzip_etag))
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError):
                return False
            return served.last_modified <= since
        return False

    # -- /v2/homebrew/core ------------------------------------------------------------------------

    def authorized(self, image: str | None) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.registry.token}":
            return True
        self.registry.count("unauthorized")
        challenge = (f'Bearer realm="{self.registry.base_url}/token",service="ghcr.io"'
                     + (f',scope="repository:homebrew/core/{image}:pull"' if image else ""))
        self.send_small(401, _ghcr_error("UNAUTHORIZED", "authentication required"),
                        headers={"WWW-Authenticate": challenge},
                        head_only=self.command == "HEAD")
        return False

    def serve_registry(self, rest: str, head_only: bool) -> None:
        # Images contain "/" (openssl@3 -> openssl/3): split on the last marker, not on "/".
        if "/manifests/" in rest:
            image, _, reference = rest.rpartition("/manifests/")
            kind = "manifest"
        elif "/blobs/" in rest:
            image, _, reference = rest.rpartition("/blobs/")
            kind = "blob"
        else:
            self.registry.count("not_found")
            self.send_small(404, _ghcr_error("NAME_UNKNOWN", "repository name not known"),
                            head_only=head_only)
            return
        image, reference = unquote(image), unquote(reference)
        if not self.authorized(image) or self.answer_503(head_only):
            return
        if kind == "manifest":
            self.serve_manifest(image, reference, head_only)
        else:
            self.serve_blob_redirect(image, reference, head_only)

    def serve_manifest(self, image: str, reference: str, head_only: bool) -> None:
        found = self.registry.published.manifests.get((image, reference))
        if found is None:
            self.registry.count("not_found")
            self.send_small(404, _ghcr_error("MANIFEST_UNKNOWN", "manifest unknown"),
                            head_only=head_only)
            return
        body, media_type = found
        self.registry.count("manifest")
        headers = {"Content-Type": media_type,
                   "Docker-Content-Digest": "sha256:" + hashlib.sha256(body).hexdigest()}
        self.send_content(200, headers, len(body), lambda: _chunked(body),
                          lambda: _scrambled(body), head_only)

    def serve_blob_redirect(self, image: str, reference: str, head_only: bool) -> None:
        published = self.registry.published
        sha256 = reference.removeprefix("sha256:")
        # ghcr scopes blobs to a repository: a right digest under a wrong image is unknown.
        if (not reference.startswith("sha256:") or sha256 not in published.blobs
                or sha256 not in published.image_blobs.get(image, frozenset())):
            self.registry.count("not_found")
            self.send_small(404, _ghcr_error("BLOB_UNKNOWN", "blob unknown to registry"),
                            head_only=head_only)
            return
        self.registry.count("blob")
        if self.registry.fault_fires("bad_scheme", self.path) is not None:
            self.send_redirect("file:///etc/passwd")
        elif self.registry.fault_fires("redirect_loop", self.path) is not None:
            self.send_redirect(self.registry.base_url + self.path)
        elif self.registry.fault_fires("expired_redirect", self.path) is not None:
            self.send_redirect(self.registry.signed_blob_url(sha256, expires=int(time.time()) - 60))
        else:
            self.send_redirect(self.registry.signed_blob_url(sha256))


class _BlobHostHandler(_Handler):
    """The storage behind ghcr's redirects: signed, expiring, no Authorization allowed."""

    def do_GET(self) -> None:  # noqa: N802
        self.serve(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.serve(head_only=True)

    def serve(self, head_only: bool) -> None:
        path, _, query = self.path.partition("?")
        if not path.startswith("/blobs/"):
            self.send_small(404, _s3_error("NoSuchKey", "The specified key does not exist."),
                            "application/xml", head_only=head_only)
            return
        sha256 = path[len("/blobs/"):]
        if "Authorization" in self.headers:
            # What S3 says to a client that forwards ghcr's Bearer header to a signed URL.
            self.registry.count("blob_auth_rejected")
            self.send_small(400, _s3_error("InvalidArgument", "Only one auth mechanism allowed"),
                            "application/xml", head_only=head_only)
            return
        params = parse_qs(query)
        expires = params.get("expires", [""])[0]
        signature = params.get("sig", [""])[0]
        if not self.registry.signature_valid(sha256, expires, signature):
            self.registry.count("blob_forbidden")
            self.send_small(403, _s3_error("AccessDenied", "Request has expired or the "
                                           "signature does not match"),
                            "application/xml", head_only=head_only)
            return
        blob = self.registry.published.blobs.get(sha256)
        if blob is None:
            self.registry.count("not_found")
            self.send_small(404, _s3_error("NoSuchKey", "The specified key does not exist."),
                            "application/xml", head_only=head_only)
            return
        self.send_blob(blob, head_only)

    def send_blob(self, blob: BlobSpec, head_only: bool) -> None:
        start, stop = 0, blob.size
        status = 200
        headers = {"Content-Type": "application/octet-stream", "ETag": f'"{blob.sha256}"',
                   "Accept-Ranges": "bytes"}
        requested = _parse_range(self.headers.get("Range"), blob.size)
        if requested == "unsatisfiable":
            self.send_small(416, b"", "application/octet-stream",
                            headers={"Content-Range": f"bytes */{blob.size}"},
                            head_only=head_only)
            return
        if requested is not None:
            start, stop = requested
            status = 206
            headers["Content-Range"] = f"bytes {start}-{stop - 1}/{blob.size}"
        if not head_only:
            self.registry.count("blob_download")
        self.send_content(status, headers, stop - start,
                          lambda: blob.chunks(WRITE_CHUNK, start, stop),
                          lambda: blob.corrupted().chunks(WRITE_CHUNK, start, stop),
                          head_only)


def _parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """One ``bytes=a-b``, ``bytes=a-`` or ``bytes=-n`` range -> [start, stop); None to ignore."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[len("bytes="):].strip().partition("-")
    try:
        if first == "":
            start, stop = max(0, size - int(last)), size
        else:
            start = int(first)
            stop = min(size, int(last) + 1) if last else size
    except ValueError:
        return None
    if start >= size or start >= stop:
        return "unsatisfiable"
    return start, stop


class LocalRegistry:
    """A Homebrew-like upstream on 127.0.0.1: use as ``with LocalRegistry(catalog) as reg:``."""

    def __init__(self, catalog: Catalog, host: str = "127.0.0.1", token: str = "QQ==",
                 url_ttl: float = 60.0):
        self.host = host
        self.token = token
        self.url_ttl = url_ttl
        self.slow_delay = SLOW_DELAY_SECONDS  # per chunk, while a `slow` fault fires
        self._catalog = catalog
        self._published: _Published | None = None
        self._signing_key = os.urandom(32)
        self._lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._faults: dict[str, _Fault] = {}
        self._servers: list[_QuietServer] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> LocalRegistry:
        if self._servers:
            return self
        self._stopping.clear()
        registry = _QuietServer((self.host, 0), _RegistryHandler, self)
        blob_host = _QuietServer((self.host, 0), _BlobHostHandler, self)
        self._servers = [registry, blob_host]
        self._publish(self._catalog)
        for server, name in ((registry, "registry"), (blob_host, "blob-host")):
            thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                      name=f"brewsync-devstack-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()  # streaming handlers stop at their next chunk
        for server in self._servers:
            server.shutdown()
            server.close_open_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> LocalRegistry:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    # -- addresses -------------------------------------------------------------------------------

    def _port(self, which: int) -> int:
        if not self._servers:
            raise RuntimeError("LocalRegistry is not started")
        return self._servers[which].server_port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port(0)}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    @property
    def registry_url(self) -> str:
        """What ``{registry}`` becomes in the catalogue (ghcr's ``root_url``)."""
        return f"{self.base_url}{REGISTRY_PATH}"

    @property
    def blob_host_url(self) -> str:
        return f"http://{self.host}:{self._port(1)}"

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def blob_url(self, image: str, sha256: str) -> str:
        return f"{self.registry_url}/{image}/blobs/sha256:{sha256}"

    def manifest_url(self, image: str, reference: str) -> str:
        return f"{self.registry_url}/{image}/manifests/{reference}"

    # -- signed URLs -----------------------------------------------------------------------------

    def _sign(self, sha256: str, expires: str) -> str:
        return hmac.new(self._signing_key, f"{sha256}:{expires}".encode(),
                        hashlib.sha256).hexdigest()

    def signed_blob_url(self, sha256: str, expires: int | None = None) -> str:
        if expires is None:
            expires = int(time.time() + self.url_ttl)
        signature = self._sign(sha256, str(expires))
        return f"{self.blob_host_url}/blobs/{sha256}?expires={expires}&sig={signature}"

    def signature_valid(self, sha256: str, expires: str, signature: str) -> bool:
        if not expires.isdigit() or int(expires) < time.time():
            return False
        return hmac.compare_digest(self._sign(sha256, expires), signature)

    # -- catalogue -------------------------------------------------------------------------------

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def published(self) -> _Published:
        if self._published is None:
            raise RuntimeError("LocalRegistry is not started")
        return self._published

    def set_catalog(self, catalog: Catalog) -> None:
        """Serve another catalogue (new versions appear; ETags and Last-Modified change where
        bytes changed)."""
        self._catalog = catalog
        if self._servers:
            self._publish(catalog)

    def _publish(self, catalog: Catalog) -> None:
        index = json.dumps(catalog.formulae, separators=(",", ":")).replace(
            REGISTRY_PLACEHOLDER, self.registry_url)
        # The signed API files are served byte for byte, exactly as in the catalogue: a
        # signature covers bytes, so neither the origin nor a mirror may rewrite them.
        bodies = {**catalog.api_files, "formula.json": index.encode()}
        previous = self._published.api_files if self._published else {}
        now = int(time.time())
        api_files: dict[str, _ServedFile] = {}
        for relative, body in bodies.items():
            before = previous.get(relative)
            if before is not None and before.body == body:
                api_files[relative] = before  # unchanged: same validators, cached gzip
            else:
                # Last-Modified has one-second resolution: a change within the same second must
                # still move it forward, or If-Modified-Since would wrongly answer 304.
                last_modified = max(now, before.last_modified + 1) if before else now
                api_files[relative] = _ServedFile(body, last_modified)
        manifests = {key: (body, INDEX_MEDIA_TYPE) for key, body in catalog.manifests.items()}
        manifests.update({key: (body, MANIFEST_MEDIA_TYPE)
                          for key, body in catalog.platform_manifests.items()})
        image_blobs = dict(catalog.image_blobs)
        if not image_blobs:  # a catalogue built by hand without the index: derive it
            for (image, _), body in catalog.manifests.items():
                digests = {d["annotations"]["sh.brew.bottle.digest"]
                           for d in json.loads(body)["manifests"]}
                image_blobs[image] = image_blobs.get(image, frozenset()) | digests
        self._published = _Published(api_files=api_files, manifests=manifests,
                                     blobs=dict(catalog.blobs), image_blobs=image_blobs)

    # -- faults ----------------------------------------------------------------------------------

    def set_fault(self, kind: str, rate: float = 1.0, match: str | None = None,
                  count: int | None = None, seed: int = 0) -> None:
        """Misbehave on requests whose path (with query) contains ``match``, with probability
        ``rate`` (seeded), at most ``count`` times. Setting a kind again replaces its rule.

        ``5xx``              503 for index, API file, manifest and blob-redirect requests
        ``reset``            TCP RST: 1st, 3rd… firing after half the body, 2nd, 4th… inside
                             the headers (any content response: index, API, manifest, blob bytes)
        ``truncate``         full Content-Length, half the body, then the connection closes
        ``wrong_bytes``      right length, different bytes (the digest will not match)
        ``slow``             ``slow_delay`` seconds (50 ms) before each 256 KiB chunk
        ``expired_redirect`` the blob 307 points at an already expired signed URL (403 there)
        ``redirect_loop``    the blob 307 points back at the same registry URL
        ``bad_scheme``       the blob 307 points at ``file:///etc/passwd``
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(sorted(FAULT_KINDS))}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self._faults[kind] = _Fault(kind, rate, match, count, random.Random(seed))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def fault_fires(self, kind: str, path: str) -> int | None:
        """Whether ``kind`` hits this request: the 0-based firing number, or None."""
        with self._lock:
            fault = self._faults.get(kind)
            if fault is None or (fault.match is not None and fault.match not in path):
                return None
            if fault.count is not None and fault.fired >= fault.count:
                return None
            if fault.rng.random() >= fault.rate:
                return None
            fault.fired += 1
            self._stats[f"fault_{kind}"] += 1
            return fault.fired - 1

    # -- stats -----------------------------------------------------------------------------------

    def count(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._stats[name] += amount

    @property
    def stats(self) -> Counter[str]:
        """A snapshot of the counters (a Counter: a name never seen reads as 0).

        ``index``/``index_304`` formula.json bodies / not-modified answers; ``api``/``api_304``
        the other /api files; ``token``; ``manifest`` (200s); ``blob`` (307s from the registry);
        ``blob_download`` (blob-host GETs that start a body); ``bytes_sent`` (body bytes of any
        content response); ``unauthorized`` (401); ``not_found`` (404);
        ``blob_auth_rejected`` (400); ``blob_forbidden`` (403); ``fault_<kind>`` per firing.
        """
        with self._lock:
            return Counter(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats.clear()
