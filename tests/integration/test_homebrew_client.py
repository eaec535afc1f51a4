"""The HTTP edge against the local ghcr/formulae stand-in: token, redirects, refresh, 304."""

from __future__ import annotations

import hashlib

import pytest

from sync_runtime.errors import RegistryError
from sync_runtime.homebrew import HomebrewClient, TransientError, parse_manifest_sizes


@pytest.fixture
def client(registry):
    return HomebrewClient(registry.api_url, backoff=0.01, retries=2)


def blob(catalog, name="wget", tag="arm64_sonoma"):
    f = catalog.formula(name)
    return f["bottle"]["stable"]["files"][tag], f["bottle"]["stable"]["root_url"]


def download(client, url):
    h = hashlib.sha256()
    for chunk in client.open_blob(url).chunks():
        h.update(chunk)
    return h.hexdigest()


def test_token_sent_to_registry_not_to_blob_host(client, registry, catalog):
    file, _ = blob(catalog)
    url = file["url"].replace("{registry}", registry.registry_url)
    assert download(client, url) == file["sha256"]
    stats = registry.stats
    assert stats["blob"] == 1 and stats["blob_download"] == 1
    assert stats["unauthorized"] == 0 and stats["blob_auth_rejected"] == 0


def test_wrong_token_is_a_clear_error(registry, catalog):
    file, _ = blob(catalog)
    with pytest.raises(RegistryError, match="HTTP 401"):
        HomebrewClient(registry.api_url, token="nope", retries=0).open_blob(file["url"].replace("{registry}", registry.registry_url))


def test_expired_signed_url_asks_the_registry_again(client, registry, catalog):
    file, _ = blob(catalog)
    registry.set_fault("expired_redirect", count=1)
    url = file["url"].replace("{registry}", registry.registry_url)
    assert download(client, url) == file["sha256"]
    assert client.stats["redirect_refreshes"] == 1
    assert registry.stats["blob"] == 2 and registry.stats["blob_forbidden"] == 1


@pytest.mark.parametrize("fault,message", [("redirect_loop", "too many redirects"),
                                           ("bad_scheme", "non-HTTP")])
def test_hostile_redirects_are_refused(client, registry, catalog, fault, message):
    file, _ = blob(catalog)
    registry.set_fault(fault)
    with pytest.raises(RegistryError, match=message):
        client.open_blob(file["url"].replace("{registry}", registry.registry_url))


def test_5xx_is_retried_then_reported_as_transient(client, registry, catalog):
    file, _ = blob(catalog)
    url = file["url"].replace("{registry}", registry.registry_url)
    registry.set_fault("5xx", count=2)
    assert download(client, url) == file["sha256"]  # two 503s absorbed by urllib3's Retry
    registry.set_fault("5xx")
    with pytest.raises(TransientError, match="503"):
        client.open_blob(url)


def test_index_etag_and_gzip(client, registry):
    first = client.fetch_formula_index()
    assert first.body and first.body.startswith(b"[") and first.etag
    again = client.fetch_formula_index(etag=first.etag)
    assert again.body is None
    assert registry.stats["index_304"] == 1


def test_manifest_gives_sizes_by_digest(client, registry, catalog):
    f = catalog.formula("openssl@3")
    raw = client.fetch_manifest(registry.registry_url, "openssl/3", "3.4.1_1-2")
    sizes = parse_manifest_sizes(raw)
    for tag, file in f["bottle"]["stable"]["files"].items():
        assert sizes[file["sha256"]] == catalog.blobs[file["sha256"]].size
