"""The HTTP edge to Homebrew: the formula index (formulae.brew.sh) and the registry (ghcr.io).

- Retries with backoff on 5xx / connection errors (urllib3's `Retry`), timeouts everywhere.
- `Authorization: Bearer QQ==` (the anonymous token) goes to the registry host only: redirects
  are followed by hand and never carry it to the blob host.
- A signed blob URL that answers 403 has expired: ask the registry again for a fresh redirect.
- Redirect loops and non-HTTP redirect targets are refused.
- The index is fetched with `If-None-Match` against a cached copy, so an unchanged index costs
  one 304; gzip is asked for (requests decodes it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .errors import InputError, RegistryError

ANON_TOKEN = "QQ=="
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_INDEX_BYTES = 512 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 1 << 20
USER_AGENT = "brewsync/0.1 (+https://github.com/brewsync)"
API_FILES = ("formula.jws.json", "cask.jws.json", "formula_tap_migrations.jws.json",
             "cask_tap_migrations.jws.json")


class TransientError(RegistryError):
    """Worth another try: connection reset, truncated body, 5xx after retries, expired URL."""


@dataclass(frozen=True)
class Fetched:
    body: bytes | None   # None when the server said 304 Not Modified
    etag: str | None
    last_modified: str | None = None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


class HomebrewClient:
    def __init__(self, api_url: str, *, token: str = ANON_TOKEN, retries: int = 4,
                 backoff: float = 0.5, timeout: tuple[float, float] = (10.0, 60.0),
                 pool_size: int = 16):
        scheme = urlsplit(api_url).scheme
        if scheme not in ("http", "https"):
            raise InputError(f"--api-url {api_url!r}: must be an http(s) URL")
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._pool_size = pool_size
        self._local = threading.local()
        self.stats = {"requests": 0, "not_modified": 0, "redirect_refreshes": 0}
        self._stats_lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------
    @property
    def session(self):
        """One requests.Session per thread (connection reuse without cross-thread sharing)."""
        s = getattr(self._local, "session", None)
        if s is None:
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry

            retry = Retry(
                total=self._retries, connect=self._retries, read=self._retries,
                status=self._retries, backoff_factor=self._backoff, backoff_max=20,
                status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET", "HEAD"),
                raise_on_status=False, raise_on_redirect=False, redirect=0,
                respect_retry_after_header=True,
            )
            s = requests.Session()
            s.headers["User-Agent"] = USER_AGENT
            adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=self._pool_size)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            self._local.session = s
        return s

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] = self.stats.get(key, 0) + 1

    def _get(self, url: str, *, headers: dict | None = None, stream: bool = False):
        import requests

        self._count("requests")
        try:
            return self.session.get(url, headers=headers or {}, stream=stream,
                                    allow_redirects=False, timeout=self.timeout)
        except requests.exceptions.RetryError as exc:
            raise TransientError(f"GET {_short(url)}: gave up after retries ({exc})") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"GET {_short(url)}: {type(exc).__name__}: {_reason(exc)}") from None

    # -- the formula index and API files ----------------------------------------------
    def fetch_api_file(self, path: str, *, etag: str | None = None) -> Fetched:
        """GET <api_url>/<path>, conditional on ``etag``; (None body) on 304."""
        url = f"{self.api_url}/{path}"
        headers = {"Accept-Encoding": "gzip"}
        if etag:
            headers["If-None-Match"] = etag
        r = self._get(url, headers=headers, stream=True)
        with r:
            if r.status_code == 304:
                self._count("not_modified")
                return Fetched(None, etag, r.headers.get("Last-Modified"))
            if r.status_code != 200:
                raise RegistryError(f"GET {_short(url)} answered HTTP {r.status_code}",
                                    hint="check --api-url (the Homebrew API base, e.g. https://formulae.brew.sh/api)")
            body = _read_limited(r, MAX_INDEX_BYTES, url)
        return Fetched(body, r.headers.get("ETag"), r.headers.get("Last-Modified"))

    def fetch_formula_index(self, *, etag: str | None = None) -> Fetched:
        return self.fetch_api_file("formula.json", etag=etag)

    # -- the registry -----------------------------------------------------------------
    def fetch_manifest(self, root_url: str, image: str, tag: str) -> bytes:
        url = f"{root_url.rstrip('/')}/{image}/manifests/{tag}"
        r = self._get(url, headers={"Authorization": f"Bearer {self.token}", "Accept": OCI_INDEX}, stream=True)
        with r:
            if r.status_code != 200:
                raise RegistryError(f"manifest {image}:{tag}: HTTP {r.status_code}")
            body = _read_limited(r, MAX_MANIFEST_BYTES, url)
        return body

    def open_blob(self, url: str, *, refreshes: int = 3) -> "BlobResponse":
        """Start a blob download: registry GET with the token, redirects without it."""
        registry_origin = _origin(url)
        for _ in range(refreshes + 1):
            current = url
            for _hop in range(MAX_REDIRECTS + 1):
                same_origin = _origin(current) == registry_origin
                headers = {"Authorization": f"Bearer {self.token}"} if same_origin else {}
                r = self._get(current, headers=headers, stream=True)
                if r.status_code in (301, 302, 303, 307, 308):
                    location = r.headers.get("Location")
                    r.close()
                    if not location:
                        raise RegistryError(f"redirect without Location from {_short(current)}")
                    nxt = urljoin(current, location)
                    if urlsplit(nxt).scheme not in ("http", "https"):
                        raise RegistryError(f"refusing redirect to non-HTTP URL {_short(nxt)}")
                    current = nxt
                    continue
                break
            else:
                raise RegistryError(f"too many redirects (> {MAX_REDIRECTS}) for {_short(url)}")
            if r.status_code == 200:
                return BlobResponse(r)
            status = r.status_code
            r.close()
            if status == 403 and current != url:
                # The signed URL expired between the redirect and our GET: ask again.
                self._count("redirect_refreshes")
                continue
            if status in (401, 403):
                raise RegistryError(f"registry refused {_short(url)}: HTTP {status}")
            if status == 404:
                raise RegistryError(f"blob not found: {_short(url)} (HTTP 404)")
            if status >= 500 or status == 429:
                raise TransientError(f"GET {_short(current)}: HTTP {status} after retries")
            raise RegistryError(f"GET {_short(current)}: HTTP {status}")
        raise TransientError(f"signed URL kept expiring for {_short(url)}")


class BlobResponse:
    def __init__(self, response):
        self._r = response
        length = response.headers.get("Content-Length")
        self.length = int(length) if length and length.isdigit() else None

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        import requests

        try:
            yield from self._r.iter_content(chunk_size=size)
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"download interrupted: {_reason(exc)}") from None
        finally:
            self._r.close()

    def close(self) -> None:
        self._r.close()


def _read_limited(r, limit: int, url: str) -> bytes:
    import requests

    data = bytearray()
    try:
        for chunk in r.iter_content(CHUNK):
            data += chunk
            if len(data) > limit:
                raise RegistryError(f"{_short(url)} is larger than {limit} bytes: refusing it")
    except requests.exceptions.RequestException as exc:
        raise TransientError(f"GET {_short(url)}: body interrupted: {_reason(exc)}") from None
    return bytes(data)


def _short(url: str) -> str:
    """A URL without its query string (signed URLs carry credentials there)."""
    return url.split("?", 1)[0]


def _reason(exc: Exception) -> str:
    text = str(exc)
    return _short(text)[:200]


def parse_manifest_sizes(raw: bytes) -> dict[str, int]:
    """sha256 -> size from an OCI image index's `sh.brew.bottle.digest`/`.size` annotations.

    Keyed by digest, not by tag: the bottle record already knows its sha256, so nothing has to
    be parsed back out of the `ref.name` string.
    """
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    sizes: dict[str, int] = {}
    if not isinstance(data, dict):
        return sizes
    for desc in data.get("manifests") or []:
        ann = desc.get("annotations") if isinstance(desc, dict) else None
        if not isinstance(ann, dict):
            continue
        digest, size = ann.get("sh.brew.bottle.digest"), ann.get("sh.brew.bottle.size")
        if isinstance(digest, str) and isinstance(size, (str, int)) and str(size).isdigit():
            sizes[digest.removeprefix("sha256:")] = int(size)
    return sizes
