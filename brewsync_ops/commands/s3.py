"""`brewsync s3 check|policy|region`: the mirror bucket."""

from __future__ import annotations

import json
from typing import Optional

import typer

from ._common import JSON_OPT, QUERY_OPT, deployment, preflight, run_checks

app = typer.Typer(help="The mirror bucket.", no_args_is_help=True)


@app.command("check")
def check(ctx: typer.Context,
          write_probe: bool = typer.Option(False, "--write-probe", help="Put and delete a probe object."),
          as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Bucket, region, versioning, public access, policies (and a write probe)."""
    run_checks(ctx, ["s3"], as_json=as_json, query=query, title="s3", write_probe=write_probe)


@app.command("policy")
def policy(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """The bucket policy and what the sync roles may do on the bucket."""
    from ..checks.s3 import NEEDED_ACTIONS, _allowed, _statements_of_role
    from ..render import emit_json, stdout_console, table

    dep = deployment(ctx)
    preflight(dep)
    s3 = dep.client("s3")
    bucket = dep.bucket()
    try:
        bucket_policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except Exception as exc:  # noqa: BLE001
        if "NoSuchBucketPolicy" not in str(exc):
            raise
        bucket_policy = None
    iam = dep.client("iam")
    roles = {}
    for role in (dep.names.lambda_role, dep.names.ecs_task_role):
        statements = _statements_of_role(iam, role)
        roles[role] = {a: _allowed(statements, a, bucket) for a in NEEDED_ACTIONS}
    data = {"bucket": bucket, "bucketPolicy": bucket_policy, "roles": roles}
    if as_json or query:
        emit_json(data, query)
        return
    con = stdout_console()
    con.print(table(f"what the sync roles may do on {bucket}", ["role"] + [a.split(":")[1] for a in NEEDED_ACTIONS],
                    [[r] + ["yes" if ok else "NO" for ok in perms.values()] for r, perms in roles.items()]))
    con.print("bucket policy: " + (json.dumps(bucket_policy, indent=2) if bucket_policy else "none"))


@app.command("region")
def region(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """The bucket's region against the functions' region."""
    from ..checks._base import attempt
    from ..checks.s3 import _region
    from ._common import finish, show_findings

    dep = deployment(ctx)
    preflight(dep)
    findings = attempt("s3", "region-mismatch", lambda: _region(dep, dep.client("s3"), dep.bucket()))
    show_findings(findings, as_json=as_json, query=query, title="s3 region")
    finish(findings)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="s3")
