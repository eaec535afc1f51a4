"""`brewsync demo`: the whole sync on this machine, no AWS account and no internet needed.

Starts the local Homebrew-like registry (brewsync_ops/devstack) and a moto S3 server on
127.0.0.1, syncs a realistic catalogue into a bucket with the real engine, then prints the
summary and the settings a `brew` client would use against the mirror.
"""

from __future__ import annotations

import socket
import time
from typing import Optional

import typer

from ..exit_codes import ExitCode

DEMO_BUCKET = "brewsync-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client_settings(base: str) -> dict[str, str]:
    """What a brew user exports to use a mirror served at BASE (see reference/homebrew.md)."""
    return {
        "HOMEBREW_ARTIFACT_DOMAIN": base,
        "HOMEBREW_ARTIFACT_DOMAIN_NO_FALLBACK": "1",
        "HOMEBREW_DOCKER_REGISTRY_BASIC_AUTH_TOKEN": "none",
        "HOMEBREW_BOTTLE_DOMAIN": f"{base}/bottles",
        "HOMEBREW_API_DOMAIN": f"{base}/api",
    }


def demo(
    ctx: typer.Context,
    formulae: int = typer.Option(60, "--formulae", min=1, max=20000, help="Size of the generated catalogue."),
    to: Optional[str] = typer.Option(None, "--to", help="Sync into this folder instead of a local S3 bucket."),
    keep: bool = typer.Option(False, "--keep", help="Keep the servers running until Ctrl-C."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, max=64),
) -> None:
    """Sync a generated Homebrew catalogue from a local registry into a local S3 bucket."""
    from brewsync_ops.devstack.fixtures import generate_catalog
    from brewsync_ops.devstack.registry import LocalRegistry
    from sync_runtime.aws import AwsClients
    from sync_runtime.engine import SyncEngine, SyncOptions
    from sync_runtime.homebrew import HomebrewClient
    from sync_runtime.stores import FolderStore, S3Store

    from ..progress import make_progress
    from ..render import stderr_console, stdout_console
    from .sync import render_report

    err = stderr_console()
    server = None
    with LocalRegistry(generate_catalog(count=formulae, seed=1)) as registry:
        if to:
            store = FolderStore(to)
        else:
            try:
                from moto.server import ThreadedMotoServer
            except ImportError:
                from sync_runtime.errors import InputError

                raise InputError("the demo's local S3 needs moto", hint="pip install '.[dev]'  (or: brewsync demo --to ./mirror)") from None
            import logging

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request lines
            port = _free_port()
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            server.start()
            aws = AwsClients(endpoint_url=f"http://127.0.0.1:{port}", region="us-east-1",
                             boto3_session=_demo_session())
            aws.client("s3").create_bucket(Bucket=DEMO_BUCKET)
            aws.client("s3").put_bucket_versioning(Bucket=DEMO_BUCKET, VersioningConfiguration={"Status": "Enabled"})
            store = S3Store(DEMO_BUCKET, "", aws)
        err.print(f"local registry: {registry.api_url}   mirror: {store.url}")
        try:
            options = SyncOptions(concurrency=concurrency)
            with make_progress() as progress:
                engine = SyncEngine(HomebrewClient(registry.api_url), store, options, progress)
                report = engine.run()
            render_report(report, store)
            out = stdout_console()
            out.print("\nA brew client would use this mirror with:")
            for name, value in client_settings(store.public_url()).items():
                out.print(f"  export {name}={value}", markup=False, highlight=False)
            if keep:
                err.print("servers running; Ctrl-C to stop")
                while True:
                    time.sleep(3600)
            out.print("(the local servers stop now; `brewsync demo --keep` keeps them up to try these, "
                      "and `brewsync dev up` gives the whole deployed system locally)", markup=False, highlight=False)
        finally:
            if server is not None:
                server.stop()
    raise typer.Exit(int(ExitCode.OK if report.ok else ExitCode.FINDINGS))


def _demo_session():
    """Fixed fake credentials: the demo must never pick up (or need) a real AWS profile."""
    import boto3

    return boto3.session.Session(aws_access_key_id="demo", aws_secret_access_key="demo",
                                 region_name="us-east-1")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
