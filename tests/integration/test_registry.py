"""The local Homebrew-like registry (brewsync_ops/devstack), exercised over real HTTP.

Every test talks to the real servers on 127.0.0.1 with `requests`, the way the sync does:
what is asserted is what a client observes (status codes, headers, bytes), plus the registry's
counters to prove a fault really happened rather than a test passing by accident.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from brewsync_ops.devstack.fixtures import (
    INDEX_MEDIA_TYPE,
    REGISTRY_PLACEHOLDER,
    BlobSpec,
    Catalog,
    FormulaSpec,
    bump_version,
    catalog_from_formulae,
    generate_catalog,
)
from brewsync_ops.devstack.registry import FAULT_KINDS, LocalRegistry
from sync_runtime.bottle import NAME_RE, image_name, manifest_tag, pkg_version
from sync_runtime.tags import serving_tag

TIMEOUT = 10


# -- fixtures (kept here: tests/conftest_registry.py belongs to someone else) --------------------


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return generate_catalog()


@pytest.fixture(scope="module")
def shared_registry(catalog: Catalog) -> Iterator[LocalRegistry]:
    with LocalRegistry(catalog) as registry:
        yield registry


@pytest.fixture
def registry(shared_registry: LocalRegistry) -> LocalRegistry:
    """The module's registry, with no faults left over and counters at zero."""
    shared_registry.clear_faults()
    shared_registry.reset_stats()
    return shared_registry


@pytest.fixture
def http() -> Iterator[requests.Session]:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment must never see these requests
    yield session
    session.close()


def bottles(catalog: Catalog) -> list[tuple[dict, str, dict]]:
    """(formula entry, tag, file entry) for every bottle in the catalogue."""
    return [(f, tag, file) for f in catalog.formulae
            for tag, file in (f["bottle"].get("stable", {}).get("files", {}) or {}).items()]


def a_bottle(catalog: Catalog, name: str = "openssl@3") -> tuple[str, str, str]:
    """(image, sha256, blob url with the placeholder) of one bottle of ``name``."""
    entry = catalog.formula(name)
    file = next(iter(entry["bottle"]["stable"]["files"].values()))
    return image_name(name), file["sha256"], file["url"]


def fill(url: str, registry: LocalRegistry) -> str:
    return url.replace(REGISTRY_PLACEHOLDER, registry.registry_url)


# -- the catalogue --------------------------------------------------------------------------------


def test_catalogue_holds_every_case_a_mirror_can_get_wrong(catalog: Catalog) -> None:
    names = {f["name"] for f in catalog.formulae}
    assert len(catalog.formulae) == 40
    assert {"openssl@3", "python@3.13", "gtk+3", "aarch64-elf-gcc", "aardvark_shell_utils",
            "libxml2", "node", "wget"} <= names
    assert all(NAME_RE.match(n) and ".." not in n for n in names)

    no_bottles = [f for f in catalog.formulae if f["bottle"] == {}]
    only_all = [f for f in catalog.formulae if list(f["bottle"].get("stable", {})
                                                     .get("files", {})) == ["all"]]
    assert no_bottles and only_all
    assert any(f["revision"] > 0 for f in catalog.formulae)
    assert any(f["bottle"].get("stable", {}).get("rebuild", 0) > 0 for f in catalog.formulae)

    shared = catalog.formula("libxml2")["bottle"]["stable"]["files"]
    shas = [file["sha256"] for file in shared.values()]
    assert len(shas) > len(set(shas)), "two tags of libxml2 must share one blob"

    # aarch64-elf-gcc lacks the newest macOS tags: a client on arm64_sequoia falls back.
    gcc_tags = catalog.formula("aarch64-elf-gcc")["bottle"]["stable"]["files"]
    assert "arm64_sequoia" not in gcc_tags
    assert serving_tag("arm64_sequoia", gcc_tags) == "arm64_sonoma"

    for entry, tag, file in bottles(catalog):
        assert entry["bottle"]["stable"]["root_url"] == REGISTRY_PLACEHOLDER
        assert file["url"] == (f"{REGISTRY_PLACEHOLDER}/{image_name(entry['name'])}"
                               f"/blobs/sha256:{file['sha256']}")
        assert file["cellar"] == ":any"
        assert catalog.blobs[file["sha256"]].sha256 == file["sha256"]


def test_catalogue_is_deterministic_and_seed_dependent() -> None:
    first, second = generate_catalog(count=15, seed=3), generate_catalog(count=15, seed=3)
    assert first.formulae == second.formulae
    assert first.manifests == second.manifests and first.api_files == second.api_files
    other = generate_catalog(count=15, seed=4)
    assert set(other.blobs) != set(first.blobs)


def test_blob_bytes_are_deterministic_in_any_chunking() -> None:
    blob = BlobSpec.make(seed=7, size=(1 << 20) + 12345)  # crosses a block boundary
    whole = blob.read()
    assert len(whole) == blob.size and hashlib.sha256(whole).hexdigest() == blob.sha256
    assert b"".join(blob.chunks(4096)) == whole
    assert b"".join(blob.chunks(1000, start=(1 << 20) - 10, stop=(1 << 20) + 10)) == \
        whole[(1 << 20) - 10:(1 << 20) + 10]
    assert blob.corrupted().read() != whole and len(blob.corrupted().read()) == blob.size


def test_manifest_annotations_give_every_tag_size_and_digest(catalog: Catalog) -> None:
    for entry in catalog.formulae:
        files = entry["bottle"].get("stable", {}).get("files", {})
        tag = manifest_tag(pkg_version(entry["versions"]["stable"], entry["revision"]),
                           entry["bottle"]["stable"]["rebuild"]) if files else None
        if not files:
            assert not any(image == image_name(entry["name"]) for image, _ in catalog.manifests)
            continue
        index = json.loads(catalog.manifests[(image_name(entry["name"]), tag)])
        assert index["schemaVersion"] == 2 and index["mediaType"] == INDEX_MEDIA_TYPE
        by_tag = {d["annotations"]["org.opencontainers.image.ref.name"]: d["annotations"]
                  for d in index["manifests"]}
        assert set(by_tag) == {f"{tag}.{t}" for t in files}
        for bottle_tag, file in files.items():
            annotations = by_tag[f"{tag}.{bottle_tag}"]
            assert annotations["sh.brew.bottle.digest"] == file["sha256"]
            assert annotations["sh.brew.bottle.size"] == str(catalog.blobs[file["sha256"]].size)
            assert isinstance(json.loads(annotations["sh.brew.tab"]), dict)
        assert all("platform" in d for d in index["manifests"])


def test_manifest_tag_carries_revision_and_rebuild(catalog: Catalog) -> None:
    assert ("wget", "1.25.0_2-1") in catalog.manifests
    assert ("openssl/3", "3.4.1_1-2") in catalog.manifests
    assert ("gtkx3", "3.24.43-1") in catalog.manifests


def test_api_files_are_jws_shaped(catalog: Catalog) -> None:
    for name in ("formula.jws.json", "cask.jws.json", "formula_tap_migrations.jws.json",
                 "cask_tap_migrations.jws.json", "internal/packages.arm64_sonoma.jws.json"):
        document = json.loads(catalog.api_files[name])
        json.loads(document["payload"])
        assert document["signatures"][0]["protected"] and document["signatures"][0]["signature"]
    packages = json.loads(json.loads(
        catalog.api_files["internal/packages.arm64_sequoia.jws.json"])["payload"])["formulae"]
    gcc_sonoma = catalog.formula("aarch64-elf-gcc")["bottle"]["stable"]["files"]["arm64_sonoma"]
    assert packages["aarch64-elf-gcc"][3] == gcc_sonoma["sha256"]  # the fallback bottle


def test_hand_written_catalogue(http: requests.Session) -> None:
    specs = [FormulaSpec("hello", "2.12.1", revision=1, bottles={"arm64_sonoma": 500, "all": 300}),
             FormulaSpec("empty", "1.0")]
    catalog = catalog_from_formulae(specs)
    assert catalog.formula("empty")["bottle"] == {}
    assert list(catalog.manifests) == [("hello", "2.12.1_1")]
    with pytest.raises(ValueError):
        catalog_from_formulae([FormulaSpec("a", "1"), FormulaSpec("a", "2")])


# -- formula.json and the API files --------------------------------------------------------------


def test_index_is_served_gzipped_with_the_registry_filled_in(registry: LocalRegistry,
                                                              http: requests.Session) -> None:
    response = http.get(f"{registry.api_url}/formula.json",
                        headers={"Accept-Encoding": "gzip"}, stream=True, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    raw = response.raw.read(decode_content=False)
    assert int(response.headers["Content-Length"]) == len(raw)
    formulae = json.loads(gzip.decompress(raw))
    assert REGISTRY_PLACEHOLDER not in json.dumps(formulae)
    openssl = next(f for f in formulae if f["name"] == "openssl@3")
    assert openssl["bottle"]["stable"]["root_url"] == registry.registry_url

    plain = http.get(f"{registry.api_url}/formula.json",
                     headers={"Accept-Encoding": "identity"}, timeout=TIMEOUT)
    assert "Content-Encoding" not in plain.headers and plain.json() == formulae
    assert plain.headers["ETag"] != response.headers["ETag"]  # one strong ETag per encoding
    assert registry.stats["index"] == 2


def test_index_etag_and_last_modified_give_304(registry: LocalRegistry,
                                               http: requests.Session) -> None:
    url = f"{registry.api_url}/formula.json"
    first = http.get(url, timeout=TIMEOUT)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")

    by_etag = http.get(url, headers={"If-None-Match": etag}, timeout=TIMEOUT)
    assert by_etag.status_code == 304 and by_etag.content == b"" and by_etag.headers["ETag"] == etag
    by_date = http.get(url, headers={"If-Modified-Since": last_modified}, timeout=TIMEOUT)
    assert by_date.status_code == 304
    other = http.get(url, headers={"If-None-Match": '"something-else"'}, timeout=TIMEOUT)
    assert other.status_code == 200
    assert registry.stats["index"] == 2 and registry.stats["index_304"] == 2


def test_api_files_are_served_with_etag(registry: LocalRegistry, catalog: Catalog,
                                        http: requests.Session) -> None:
    for name in ("formula.jws.json", "internal/packages.arm64_sonoma.jws.json"):
        response = http.get(f"{registry.api_url}/{name}", timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.content == catalog.api_files[name]  # signed: byte for byte
        again = http.get(f"{registry.api_url}/{name}",
                         headers={"If-None-Match": response.headers["ETag"]}, timeout=TIMEOUT)
        assert again.status_code == 304
    assert http.get(f"{registry.api_url}/nope.json", timeout=TIMEOUT).status_code == 404
    assert registry.stats["api"] == 2 and registry.stats["api_304"] == 2


def test_new_catalogue_changes_index_etag_and_manifests(http: requests.Session) -> None:
    before = generate_catalog(count=12)
    after = bump_version(before, "wget")
    with LocalRegistry(before) as registry:
        url = f"{registry.api_url}/formula.json"
        first = http.get(url, timeout=TIMEOUT)
        cask_etag = http.get(f"{registry.api_url}/cask.jws.json", timeout=TIMEOUT).headers["ETag"]
        registry.set_catalog(after)
        changed = http.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=TIMEOUT)
        assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
        assert changed.headers["Last-Modified"] != first.headers["Last-Modified"]
        assert next(f for f in changed.json() if f["name"] == "wget")["revision"] == 3
        unchanged = http.get(f"{registry.api_url}/cask.jws.json",
                             headers={"If-None-Match": cask_etag}, timeout=TIMEOUT)
        assert unchanged.status_code == 304
        auth = registry.auth_headers
        assert http.get(registry.manifest_url("wget", "1.25.0_3-1"), headers=auth,
                        timeout=TIMEOUT).status_code == 200
        assert http.get(registry.manifest_url("wget", "1.25.0_2-1"), headers=auth,
                        timeout=TIMEOUT).status_code == 404


# -- ghcr: auth, manifests, blobs -----------------------------------------------------------------


def test_registry_requires_the_bearer_token(registry: LocalRegistry, catalog: Catalog,
                                            http: requests.Session) -> None:
    image, sha, url = a_bottle(catalog)
    for target in (fill(url, registry), registry.manifest_url(image, "3.4.1_1-2")):
        response = http.get(target, timeout=TIMEOUT, allow_redirects=False)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == (
            f'Bearer realm="{registry.base_url}/token",service="ghcr.io",'
            'scope="repository:homebrew/core/openssl/3:pull"')
    wrong = http.get(fill(url, registry), headers={"Authorization": "Bearer nope"},
                     timeout=TIMEOUT, allow_redirects=False)
    assert wrong.status_code == 401
    token = http.get(f"{registry.base_url}/token", timeout=TIMEOUT).json()["token"]
    assert token == "QQ=="
    assert registry.stats["unauthorized"] == 3


def test_manifest_by_image_with_slash(registry: LocalRegistry, catalog: Catalog,
                                      http: requests.Session) -> None:
    response = http.get(registry.manifest_url("openssl/3", "3.4.1_1-2"),
                        headers={**registry.auth_headers, "Accept": INDEX_MEDIA_TYPE},
                        timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == INDEX_MEDIA_TYPE
    assert response.content == catalog.manifests[("openssl/3", "3.4.1_1-2")]
    descriptor = response.json()["manifests"][0]
    per_platform = http.get(registry.manifest_url("openssl/3", descriptor["digest"]),
                            headers=registry.auth_headers, timeout=TIMEOUT)
    assert per_platform.status_code == 200
    assert hashlib.sha256(per_platform.content).hexdigest() == descriptor["digest"][7:]
    missing = http.get(registry.manifest_url("openssl/3", "0.0.1"), headers=registry.auth_headers,
                       timeout=TIMEOUT)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    assert registry.stats["manifest"] == 2


def test_blob_redirects_to_signed_url_and_bytes_match(registry: LocalRegistry, catalog: Catalog,
                                                      http: requests.Session) -> None:
    image, sha, url = a_bottle(catalog, "gtk+3")
    redirect = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT,
                        allow_redirects=False)
    assert redirect.status_code == 307
    location = redirect.headers["Location"]
    assert location.startswith(f"{registry.blob_host_url}/blobs/{sha}?expires=")
    assert "sig=" in location

    # requests drops the Bearer header when the redirect changes host:port: that must work.
    followed = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert followed.status_code == 200 and [r.status_code for r in followed.history] == [307]
    assert "Authorization" not in followed.request.headers
    assert int(followed.headers["Content-Length"]) == catalog.blobs[sha].size
    assert hashlib.sha256(followed.content).hexdigest() == sha

    head = http.head(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert head.status_code == 307
    assert registry.stats["blob"] == 3 and registry.stats["blob_download"] == 1


def test_every_blob_of_the_catalogue_downloads_with_its_digest(registry: LocalRegistry,
                                                                catalog: Catalog) -> None:
    def fetch(url: str) -> str:
        with requests.Session() as session:
            session.trust_env = False
            response = session.get(fill(url, registry), headers=registry.auth_headers,
                                   timeout=TIMEOUT)
            response.raise_for_status()
            return hashlib.sha256(response.content).hexdigest()

    urls = {file["sha256"]: file["url"] for _, _, file in bottles(catalog)}
    with ThreadPoolExecutor(max_workers=16) as pool:
        digests = dict(zip(urls, pool.map(fetch, urls.values())))
    assert all(got == want for want, got in digests.items())
    assert registry.stats["blob_download"] == len(urls)


def test_unknown_blob_and_blob_under_wrong_image_are_404(registry: LocalRegistry,
                                                         catalog: Catalog,
                                                         http: requests.Session) -> None:
    _, sha, _ = a_bottle(catalog, "openssl@3")
    for target in (registry.blob_url("openssl/3", "0" * 64), registry.blob_url("wget", sha)):
        response = http.get(target, headers=registry.auth_headers, timeout=TIMEOUT,
                            allow_redirects=False)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "BLOB_UNKNOWN"


def test_blob_host_rejects_authorization_header(registry: LocalRegistry, catalog: Catalog,
                                                http: requests.Session) -> None:
    _, sha, _ = a_bottle(catalog)
    response = http.get(registry.signed_blob_url(sha), headers=registry.auth_headers,
                        timeout=TIMEOUT)
    assert response.status_code == 400 and b"InvalidArgument" in response.content
    assert registry.stats["blob_auth_rejected"] == 1


def test_blob_host_rejects_expired_and_tampered_urls(registry: LocalRegistry, catalog: Catalog,
                                                     http: requests.Session) -> None:
    _, sha, _ = a_bottle(catalog)
    expired = registry.signed_blob_url(sha, expires=int(time.time()) - 1)
    assert http.get(expired, timeout=TIMEOUT).status_code == 403
    tampered = registry.signed_blob_url(sha).replace("sig=", "sig=0")
    assert http.get(tampered, timeout=TIMEOUT).status_code == 403
    other_blob = registry.signed_blob_url(sha).replace(sha, "f" * 64)
    assert http.get(other_blob, timeout=TIMEOUT).status_code == 403
    assert registry.stats["blob_forbidden"] == 3


def test_short_url_ttl_expires(catalog: Catalog, http: requests.Session) -> None:
    with LocalRegistry(catalog, url_ttl=-5) as registry:
        _, _, url = a_bottle(catalog)
        response = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
        assert response.status_code == 403


def test_blob_host_serves_ranges(registry: LocalRegistry, catalog: Catalog,
                                 http: requests.Session) -> None:
    blob = max(catalog.blobs.values(), key=lambda b: b.size)
    url = registry.signed_blob_url(blob.sha256)
    response = http.get(url, headers={"Range": "bytes=100-199"}, timeout=TIMEOUT)
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{blob.size}"
    assert response.content == blob.read()[100:200]
    tail = http.get(url, headers={"Range": f"bytes={blob.size - 10}-"}, timeout=TIMEOUT)
    assert tail.content == blob.read()[-10:]
    beyond = http.get(url, headers={"Range": f"bytes={blob.size}-"}, timeout=TIMEOUT)
    assert beyond.status_code == 416


def test_large_blob_streams_with_the_right_digest(http: requests.Session) -> None:
    size = 64 << 20
    catalog = generate_catalog(count=3, large_blob_size=size)
    llvm = catalog.formula("llvm")["bottle"]["stable"]["files"]
    (file,) = llvm.values()
    assert catalog.blobs[file["sha256"]].size == size
    with LocalRegistry(catalog) as registry:
        response = http.get(fill(file["url"], registry), headers=registry.auth_headers,
                            stream=True, timeout=TIMEOUT)
        assert int(response.headers["Content-Length"]) == size
        digest, received = hashlib.sha256(), 0
        for chunk in response.iter_content(1 << 20):
            digest.update(chunk)
            received += len(chunk)
        assert received == size and digest.hexdigest() == file["sha256"]


# -- faults ---------------------------------------------------------------------------------------


def test_5xx_hits_index_manifest_and_blob_then_stops_after_count(
        registry: LocalRegistry, catalog: Catalog, http: requests.Session) -> None:
    _, _, url = a_bottle(catalog)
    targets = [f"{registry.api_url}/formula.json",
               registry.manifest_url("openssl/3", "3.4.1_1-2"), fill(url, registry)]
    registry.set_fault("5xx", count=3)
    for target in targets:
        response = http.get(target, headers=registry.auth_headers, timeout=TIMEOUT)
        assert response.status_code == 503
    for target in targets:
        assert http.get(target, headers=registry.auth_headers, timeout=TIMEOUT).status_code == 200
    assert registry.stats["fault_5xx"] == 3


def test_fault_match_and_rate_select_requests(registry: LocalRegistry, catalog: Catalog,
                                              http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog, "wget")
    _, _, other_url = a_bottle(catalog, "node")
    registry.set_fault("5xx", match=sha)
    assert http.get(fill(other_url, registry), headers=registry.auth_headers,
                    timeout=TIMEOUT).status_code == 200
    assert http.get(fill(url, registry), headers=registry.auth_headers,
                    timeout=TIMEOUT).status_code == 503
    registry.set_fault("5xx", rate=0.5, seed=1)
    statuses = [http.get(f"{registry.api_url}/formula.json", timeout=TIMEOUT).status_code
                for _ in range(20)]
    assert 0 < statuses.count(503) < 20
    registry.set_fault("5xx", rate=0.0)
    assert http.get(f"{registry.api_url}/formula.json", timeout=TIMEOUT).status_code == 200
    with pytest.raises(ValueError):
        registry.set_fault("gremlins")


def test_reset_mid_body_then_mid_headers(registry: LocalRegistry, catalog: Catalog,
                                         http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("reset", match=sha, count=2)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):  # headers came, body did not
        http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    with pytest.raises(requests.exceptions.ConnectionError):  # died inside the headers
        http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    response = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert hashlib.sha256(response.content).hexdigest() == sha
    assert registry.stats["fault_reset"] == 2


def test_truncate_sends_less_than_content_length(registry: LocalRegistry, catalog: Catalog,
                                                 http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("truncate", match=sha, count=1)
    # Look at the raw socket: requests would only say "incomplete read".
    location = http.get(fill(url, registry), headers=registry.auth_headers,
                        allow_redirects=False, timeout=TIMEOUT).headers["Location"]
    host, port = registry.blob_host_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as connection:
        path = location.removeprefix(registry.blob_host_url)
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    declared = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")))
    assert declared == catalog.blobs[sha].size and 0 < len(body) < declared
    assert hashlib.sha256(http.get(fill(url, registry), headers=registry.auth_headers,
                                   timeout=TIMEOUT).content).hexdigest() == sha


def test_truncate_index_is_an_incomplete_read(registry: LocalRegistry,
                                              http: requests.Session) -> None:
    registry.set_fault("truncate", match="formula.json", count=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        http.get(f"{registry.api_url}/formula.json", timeout=TIMEOUT)
    assert registry.stats["fault_truncate"] == 1


def test_wrong_bytes_keep_the_length_but_not_the_digest(registry: LocalRegistry,
                                                        catalog: Catalog,
                                                        http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("wrong_bytes", match=sha, count=1)
    bad = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert bad.status_code == 200 and len(bad.content) == catalog.blobs[sha].size
    assert hashlib.sha256(bad.content).hexdigest() != sha
    good = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert hashlib.sha256(good.content).hexdigest() == sha
    assert registry.stats["fault_wrong_bytes"] == 1


def test_slow_delays_each_chunk(registry: LocalRegistry, catalog: Catalog,
                                http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("slow", match=sha, count=1)
    started = time.monotonic()
    response = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert time.monotonic() - started >= registry.slow_delay
    assert hashlib.sha256(response.content).hexdigest() == sha
    assert registry.stats["fault_slow"] == 1


def test_expired_redirect_forces_a_second_ask(registry: LocalRegistry, catalog: Catalog,
                                              http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("expired_redirect", match=sha, count=1)
    first = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert first.status_code == 403 and first.history[0].status_code == 307
    second = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert hashlib.sha256(second.content).hexdigest() == sha
    stats = registry.stats
    assert stats["blob"] == 2 and stats["blob_forbidden"] == 1
    assert stats["fault_expired_redirect"] == 1


def test_redirect_loop(registry: LocalRegistry, catalog: Catalog,
                       http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("redirect_loop", match=sha)
    loop = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT,
                    allow_redirects=False)
    assert loop.status_code == 307 and loop.headers["Location"] == fill(url, registry)
    with pytest.raises(requests.exceptions.TooManyRedirects):
        http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    registry.set_fault("redirect_loop", match=sha, count=3)
    finite = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert len(finite.history) == 4 and hashlib.sha256(finite.content).hexdigest() == sha


def test_bad_scheme_redirect(registry: LocalRegistry, catalog: Catalog,
                             http: requests.Session) -> None:
    _, sha, url = a_bottle(catalog)
    registry.set_fault("bad_scheme", count=2)
    response = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT,
                        allow_redirects=False)
    assert response.status_code == 307 and response.headers["Location"] == "file:///etc/passwd"
    with pytest.raises(requests.exceptions.InvalidSchema):
        http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    after = http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    assert hashlib.sha256(after.content).hexdigest() == sha
    assert registry.stats["fault_bad_scheme"] == 2


def test_every_fault_kind_is_tested() -> None:
    assert FAULT_KINDS == {"5xx", "reset", "truncate", "wrong_bytes", "slow",
                           "expired_redirect", "redirect_loop", "bad_scheme"}


# -- life cycle -----------------------------------------------------------------------------------


def test_start_is_fast_quiet_and_stop_closes_ports(catalog: Catalog, http: requests.Session,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    registry = LocalRegistry(catalog)
    started = time.perf_counter()
    registry.start()
    elapsed = time.perf_counter() - started
    assert elapsed < 0.1, f"start took {elapsed:.3f}s"
    _, sha, url = a_bottle(catalog)
    registry.set_fault("reset", count=1)
    with pytest.raises(requests.exceptions.RequestException):
        http.get(fill(url, registry), headers=registry.auth_headers, timeout=TIMEOUT)
    http.get(fill(url, registry), timeout=TIMEOUT)  # a 401
    ports = [registry.base_url, registry.blob_host_url]
    registry.stop()
    for base in ports:
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(base, timeout=TIMEOUT)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
