"""Integration fixtures: the local Homebrew-like registry, an S3 bucket on the moto server,
and helpers to run a sync through the real engine or the CLI."""

from __future__ import annotations

import pytest

from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry
from sync_runtime.engine import SyncEngine, SyncOptions
from sync_runtime.homebrew import HomebrewClient
from sync_runtime.stores import S3Store

TAGS = ("arm64_sonoma", "arm64_ventura", "monterey")


@pytest.fixture(scope="module")
def catalog():
    return generate_catalog(count=24, seed=7)


@pytest.fixture
def registry(catalog):
    with LocalRegistry(catalog) as reg:
        yield reg


@pytest.fixture
def s3_store(aws, bucket):
    return S3Store(bucket, "", aws)


def make_engine(registry, store, **opts):
    options = SyncOptions(**{"tags": TAGS, "concurrency": 4, "retry_pause": 0.01, **opts})
    client = HomebrewClient(registry.api_url, backoff=0.01, retries=3)
    return SyncEngine(client, store, options)
