"""Shared test fixtures: a real moto *server* on 127.0.0.1 and fake AWS credentials.

Every AWS call in the tests goes over HTTP to this server (boto3 and the `aws` CLI alike); no
test reaches the internet. Tests that need a clean account reset it with `moto_reset`.
"""

from __future__ import annotations

import os
import socket

import pytest

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_MAX_ATTEMPTS": "1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_COLOR": "1",
    "COLUMNS": "200",
    "TERM": "dumb",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def _fake_aws_env():
    """No test may use real credentials or a real profile."""
    saved = {k: os.environ.get(k) for k in list(FAKE_ENV) + ["AWS_PROFILE", "AWS_ENDPOINT_URL", "BREWSYNC_BUCKET"]}
    os.environ.update(FAKE_ENV)
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "BREWSYNC_BUCKET"):
        os.environ.pop(k, None)
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def moto_server(_fake_aws_env):
    """A moto server on 127.0.0.1; yields its endpoint URL."""
    import logging

    from moto.server import ThreadedMotoServer

    # The server logs every request at INFO: capturing ~150 lines a test only costs time.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_reset(moto_server):
    """Start the test from an empty account."""
    import requests

    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    yield moto_server


@pytest.fixture
def aws(moto_server):
    """brewsync's client factory pointed at the moto server."""
    from sync_runtime.aws import AwsClients

    return AwsClients(endpoint_url=moto_server, region="us-east-1")


@pytest.fixture
def bucket(aws):
    """A fresh, versioned bucket on the moto server."""
    import uuid

    name = f"mirror-{uuid.uuid4().hex[:10]}"
    aws.client("s3").create_bucket(Bucket=name)
    aws.client("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


@pytest.fixture(autouse=True)
def _restore_brewsync_logging():
    """The Lambda/worker code installs a JSON stdout handler on the `brewsync` logger; undo it
    after each test so a later CLI test's --json stdout is not mixed with log lines."""
    import logging

    logger = logging.getLogger("brewsync")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]
