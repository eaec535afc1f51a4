"""The Slack webhook secret never appears in anything brewsync prints or logs.

Runs the whole CLI surface — `--help` of every command (found by walking the command tree),
doctor (table and JSON), slack check/test, sync, logs — against a default stack whose secret
is a webhook URL on the local receiver, capturing stdout, stderr and every log record.
"""

from __future__ import annotations

import logging

import pytest
import typer
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.fixtures import generate_catalog
from brewsync_ops.devstack.registry import LocalRegistry
from brewsync_ops.devstack.stack import provision, reset_moto
from brewsync_ops.devstack.webhook import WebhookReceiver

pytestmark = pytest.mark.reliability


def command_paths(group, prefix=()):
    yield prefix
    if hasattr(group, "commands"):  # a group (typer vendors its own click: no isinstance)
        for name, cmd in group.commands.items():
            yield from command_paths(cmd, prefix + (name,))


@pytest.fixture(scope="module")
def stack(moto_server):
    with WebhookReceiver() as receiver, LocalRegistry(generate_catalog(count=6, seed=5)) as registry:
        reset_moto(moto_server)
        info = provision(moto_server, webhook_url=receiver.url, api_url=registry.api_url)
        yield info, receiver, registry


def secret_parts(url: str) -> list[str]:
    path = url.split("/services/", 1)[1]
    return [url, path] + [p for p in path.split("/") if len(p) >= 8]


def test_secret_never_printed_or_logged(stack, caplog, tmp_path):
    info, receiver, registry = stack
    env = {"AWS_ENDPOINT_URL": info.endpoint, "BREWSYNC_BUCKET": info.bucket,
           "BREWSYNC_API_URL": registry.api_url, "NO_COLOR": "1", "COLUMNS": "200"}
    runner = CliRunner()
    # Everything brewsync logs (DEBUG and up); third-party wire logs at the level we run them.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="brewsync")
    outputs = []
    root = typer.main.get_command(app)
    paths = list(command_paths(root))
    assert len(paths) > 30  # the whole surface, not a sample
    for path in paths:
        r = runner.invoke(app, [*path, "--help"], env=env)
        assert r.exit_code == 0, (path, r.stderr)
        outputs.append(r.stdout + r.stderr)
    invocations = [
        ["doctor"], ["doctor", "--json"], ["doctor", "--send-test", "--json"],
        ["slack", "check"], ["slack", "test"], ["slack", "check", "--json"],
        ["sync", "--to", str(tmp_path / "m"), "--formula", "wget"],
        ["sync", "--to", f"s3://{info.bucket}", "--formula", "wget", "--json"],
        ["logs", "errors", "--since", "1d"], ["logs", "downloads", "--since", "1d", "--json"],
        ["lambda", "status", "--json"], ["bundle", "-o", str(tmp_path / "bundle.tar.gz")],
        ["--debug", "slack", "test"],
    ]
    ran = 0
    for args in invocations:
        r = runner.invoke(app, args, env=env)
        if r.exit_code == 2 and "No such command" in r.stderr:
            continue  # a command another part of the toolkit has not shipped
        ran += 1
        outputs.append(r.stdout + r.stderr)
    assert ran >= 10
    assert receiver.messages, "slack test really posted through the secret"
    text = "\n".join(outputs) + "\n".join(rec.getMessage() for rec in caplog.records)
    for part in secret_parts(info.webhook_url):
        assert part not in text, f"secret fragment {part[:6]}… leaked"
    bundle = tmp_path / "bundle.tar.gz"
    if bundle.exists():
        import tarfile

        with tarfile.open(bundle) as tar:
            for member in tar.getmembers():
                if member.isfile():
                    content = tar.extractfile(member).read().decode(errors="replace")
                    for part in secret_parts(info.webhook_url):
                        assert part not in content, f"secret in bundle member {member.name}"
