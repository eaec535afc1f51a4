"""`brewsync bundle [--terraform DIR] [-o FILE]`: the runbook's "collect diagnostic information" step
as one ``.tar.gz`` to attach to a ticket.

Members (under ``brewsync-bundle-<UTC stamp>/``): ``doctor.json`` (every check, as ``doctor
--json``), ``logs/lambda.log`` and ``logs/ecs.log`` (the last 24 h), ``config/*.json`` (function,
its resource policy, task definition, cluster, schedule rule and targets, bucket settings, IAM
roles and their policies, alarms, topic, the secret's metadata), ``terraform-outputs.json`` with
``--terraform DIR``, ``versions.json`` and ``manifest.json`` (what was collected, what could not
be and why). A step that fails is recorded in the manifest; the bundle is still written.

Every member passes through `sync_runtime.redact` with the Slack secret's actual value (when
readable), its path segments, and the caller's AWS secret key and session token as extra secrets;
values of keys that name a secret (``*TOKEN*``, ``*PASSWORD*``, ``*WEBHOOK*``…) are masked, and
Terraform outputs marked sensitive are never written.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import sys
import tarfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from sync_runtime.errors import InputError
from sync_runtime.redact import redact

from ._common import JSON_OPT, QUERY_OPT, app_context, deployment, preflight

LOG_HOURS = 24
MAX_LOG_EVENTS = 50_000
MASK = "…redacted"
_SECRET_KEY = re.compile(r"(?i)(secret|token|password|passwd|webhook|api[_-]?key|private[_-]?key|credential)")
_NOT_A_SECRET = re.compile(r"(?i)(_id|_arn|_name|arn|name|id)$")


def mask_secret_keys(data: Any) -> Any:
    """Mask values whose key names a secret (``SLACK_WEBHOOK_URL``, ``token``), keeping keys that only
    *name* a secret (``SLACK_SECRET_ID``, ``SecretArn``). Lambda/ECS environments are lists of
    ``{"name", "value"}`` pairs or dicts: both handled."""
    if isinstance(data, dict):
        if set(data) >= {"name", "value"} and isinstance(data.get("name"), str):
            key = data["name"]
            if _SECRET_KEY.search(key) and not _NOT_A_SECRET.search(key):
                return {**data, "value": MASK}
        out = {}
        for k, v in data.items():
            if isinstance(k, str) and _SECRET_KEY.search(k) and not _NOT_A_SECRET.search(k) and isinstance(v, (str, int, float)):
                out[k] = MASK
            else:
                out[k] = mask_secret_keys(v)
        return out
    if isinstance(data, list):
        return [mask_secret_keys(v) for v in data]
    return data


def secret_values(value: str | None) -> list[str]:
    """The secret itself and the parts of it that identify it (a webhook URL's path segments)."""
    from sync_runtime.slack import webhook_from_secret

    if not value:
        return []
    out = [value.strip()]
    # The secret may be JSON ({"webhook_url": "…"}, as the notifier accepts): the URL inside it
    # is what shows up in logs and errors, so it (and its path) must be masked too.
    url = webhook_from_secret(value) or value.strip()
    out.append(url)
    m = re.match(r"https?://[^/]+(/.*)$", url)
    if m:
        out.append(m.group(1))
        out += [seg for seg in m.group(1).split("/") if len(seg) >= 8]
    return sorted(set(out), key=len, reverse=True)


class Bundle:
    """Members in memory, redacted on the way in; ``write`` makes the tar.gz."""

    def __init__(self, root: str, secrets: list[str]):
        self.root = root
        self.secrets = [s for s in secrets if s and len(s) >= 6]
        self.members: dict[str, bytes] = {}
        self.errors: dict[str, str] = {}

    def add_text(self, name: str, text: str) -> None:
        self.members[name] = redact(text, self.secrets).encode()

    def add_json(self, name: str, data: Any) -> None:
        self.add_text(name, json.dumps(mask_secret_keys(data), indent=2, sort_keys=True, default=str) + "\n")

    def step(self, name: str, fn: Callable[[], Any], *, as_text: bool = False) -> None:
        try:
            value = fn()
        except Exception as exc:  # noqa: BLE001 - one missing piece must not lose the rest
            from ..checks._base import as_cannot_ask

            cannot = as_cannot_ask(exc, name)
            self.errors[name] = cannot.reason if cannot else f"{type(exc).__name__}: {exc}"
            return
        if value is None:
            return
        if as_text:
            self.add_text(name, value)
        else:
            self.add_json(name, value)

    def write(self, path: Path) -> None:
        now = time.time()
        manifest = {"members": sorted(self.members), "errors": {k: redact(v, self.secrets) for k, v in self.errors.items()},
                    "redacted": "webhook URLs, signed-URL signatures, the Slack secret's value, AWS secret keys, "
                                "values of keys naming a secret, sensitive Terraform outputs"}
        self.add_text("manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with tarfile.open(tmp, "w:gz") as tar:
            for name in sorted(self.members):
                data = self.members[name]
                info = tarfile.TarInfo(f"{self.root}/{name}")
                info.size = len(data)
                info.mtime = int(now)
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(data))
        os.replace(tmp, path)


# ---- what is collected -------------------------------------------------------------------------

def _strip_meta(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "ResponseMetadata"}


def _function(dep) -> dict:
    lam = dep.client("lambda")
    out = _strip_meta(lam.get_function(FunctionName=dep.names.lambda_function))
    out.get("Code", {}).pop("Location", None)  # a presigned URL to the code: useless in a ticket
    return out


def _function_policy(dep) -> Any:
    raw = dep.client("lambda").get_policy(FunctionName=dep.names.lambda_function)["Policy"]
    return json.loads(raw)


def _task_definition(dep) -> dict:
    return _strip_meta(dep.client("ecs").describe_task_definition(taskDefinition=dep.task_definition()))


def _cluster(dep) -> dict:
    return _strip_meta(dep.client("ecs").describe_clusters(clusters=[dep.cluster()], include=["SETTINGS"]))


def _rule(dep) -> dict:
    from ..checks.monitoring import ecs_failure_rule_name

    events = dep.client("events")
    out = {}
    for name in (dep.names.schedule_rule, ecs_failure_rule_name(dep.names)):
        try:
            out[name] = {"rule": _strip_meta(events.describe_rule(Name=name)),
                         "targets": events.list_targets_by_rule(Rule=name).get("Targets", [])}
        except Exception as exc:  # noqa: BLE001
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def _bucket(dep) -> dict:
    s3 = dep.client("s3")
    bucket = dep.bucket()
    out: dict[str, Any] = {"bucket": bucket}
    calls = {"location": s3.get_bucket_location, "versioning": s3.get_bucket_versioning,
             "encryption": s3.get_bucket_encryption, "public_access_block": s3.get_public_access_block,
             "policy": s3.get_bucket_policy, "lifecycle": s3.get_bucket_lifecycle_configuration,
             "tagging": s3.get_bucket_tagging, "ownership_controls": s3.get_bucket_ownership_controls}
    for key, fn in calls.items():
        try:
            value = _strip_meta(fn(Bucket=bucket))
            if key == "policy" and isinstance(value.get("Policy"), str):
                value["Policy"] = json.loads(value["Policy"])
            out[key] = value
        except Exception as exc:  # noqa: BLE001 - "not configured" is an answer too
            from ..checks._base import error_code

            out[key] = {"error": error_code(exc) or type(exc).__name__}
    try:
        head = s3.head_object(Bucket=bucket, Key="bottles_hash.json")
        out["index_object"] = {k: head.get(k) for k in ("ContentLength", "LastModified", "ETag", "VersionId")}
    except Exception as exc:  # noqa: BLE001
        from ..checks._base import error_code

        out["index_object"] = {"error": error_code(exc) or type(exc).__name__}
    return out


def _iam(dep) -> dict:
    iam = dep.client("iam")
    out = {}
    for role in (dep.names.lambda_role, dep.names.ecs_task_role, dep.names.ecs_execution_role):
        try:
            entry: dict[str, Any] = {"role": iam.get_role(RoleName=role)["Role"]}
            inline = iam.list_role_policies(RoleName=role).get("PolicyNames", [])
            entry["inline_policies"] = {p: iam.get_role_policy(RoleName=role, PolicyName=p)["PolicyDocument"]
                                        for p in inline}
            entry["attached_policies"] = iam.list_attached_role_policies(RoleName=role).get("AttachedPolicies", [])
            out[role] = entry
        except Exception as exc:  # noqa: BLE001
            out[role] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def _alarms(dep) -> dict:
    from ..checks.monitoring import topic_arn

    cw = dep.client("cloudwatch")
    out: dict[str, Any] = {"alarms": cw.describe_alarms(AlarmNames=list(dep.names.alarms)).get("MetricAlarms", [])}
    topic = topic_arn(dep)
    out["topic"] = topic
    if topic:
        sns = dep.client("sns")
        out["topic_attributes"] = sns.get_topic_attributes(TopicArn=topic).get("Attributes", {})
        out["subscriptions"] = sns.list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
    return out


def _secret_meta(dep) -> dict:
    meta = _strip_meta(dep.client("secretsmanager").describe_secret(SecretId=dep.secret_id()))
    return {k: v for k, v in meta.items() if k not in ("SecretString", "SecretBinary")}


def _read_secret(dep) -> str | None:
    try:
        return dep.client("secretsmanager").get_secret_value(SecretId=dep.secret_id()).get("SecretString")
    except Exception:  # noqa: BLE001 - unreadable: the pattern-based redaction still applies
        return None


def _log_text(dep, group: str, hours: int) -> str:
    from .logs import LogReader, iso

    start = datetime.now(timezone.utc) - timedelta(hours=hours)
    events, truncated = LogReader(dep.client("logs")).filter_events(group, int(start.timestamp() * 1000),
                                                                    limit=MAX_LOG_EVENTS)
    lines = [f"# {group}: {len(events)} event(s) since {iso(start.timestamp() * 1000)}"
             + (f" (truncated at {MAX_LOG_EVENTS})" if truncated else "")]
    for e in sorted(events, key=lambda e: (e.get("timestamp", 0), e.get("eventId", ""))):
        lines.append(f"{iso(e.get('timestamp', 0))} {e.get('logStreamName', '')} {(e.get('message') or '').rstrip()}")
    return "\n".join(lines) + "\n"


def _doctor(actx, dep) -> dict:
    from ..checks import CheckOptions, run_all
    from ..render import findings_data

    findings = run_all(actx, options=CheckOptions(deployment=dep))
    return findings_data(findings)


def terraform_outputs(directory: str) -> dict:
    """`terraform output -json` in DIRECTORY; sensitive outputs replaced by a marker."""
    from ..context import terraform_output_json

    return {k: ({"sensitive": True, "value": MASK} if v.get("sensitive") else {"value": v.get("value")})
            for k, v in terraform_output_json(directory).items()}


def versions(actx) -> dict:
    from importlib import metadata

    out: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform(),
                           "collected_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "prefix": actx.prefix, "region": actx.aws.region_name,
                           "endpoint_url": actx.endpoint_url}
    for dist in ("brewsync", "boto3", "botocore", "typer", "rich", "requests", "jmespath", "moto", "awscli"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = None
    import shutil
    import subprocess

    exe = shutil.which("terraform")
    if exe:
        try:
            proc = subprocess.run([exe, "version", "-json"], capture_output=True, text=True, timeout=20)
            out["terraform"] = json.loads(proc.stdout).get("terraform_version") if proc.returncode == 0 else None
        except Exception:  # noqa: BLE001
            out["terraform"] = None
    else:
        out["terraform"] = None
    return out


def build(actx, dep, output: Path, terraform_dir: str | None = None) -> dict:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    extra = [os.environ.get("AWS_SECRET_ACCESS_KEY"), os.environ.get("AWS_SESSION_TOKEN")]
    try:
        creds = actx.aws.session.get_credentials()
        if creds is not None:
            extra += [creds.secret_key, creds.token]
    except Exception:  # noqa: BLE001
        pass
    slack = _read_secret(dep)
    bundle = Bundle(f"brewsync-bundle-{stamp}", secret_values(slack) + [s for s in extra if s])
    names = dep.names
    bundle.step("doctor.json", lambda: _doctor(actx, dep))
    bundle.step("logs/lambda.log", lambda: _log_text(dep, names.lambda_log_group, LOG_HOURS), as_text=True)
    bundle.step("logs/ecs.log", lambda: _log_text(dep, names.ecs_log_group, LOG_HOURS), as_text=True)
    bundle.step("config/lambda-function.json", lambda: _function(dep))
    bundle.step("config/lambda-policy.json", lambda: _function_policy(dep))
    bundle.step("config/ecs-task-definition.json", lambda: _task_definition(dep))
    bundle.step("config/ecs-cluster.json", lambda: _cluster(dep))
    bundle.step("config/eventbridge-rules.json", lambda: _rule(dep))
    bundle.step("config/s3-bucket.json", lambda: _bucket(dep))
    bundle.step("config/iam-roles.json", lambda: _iam(dep))
    bundle.step("config/alarms.json", lambda: _alarms(dep))
    bundle.step("config/slack-secret-metadata.json", lambda: _secret_meta(dep))
    if terraform_dir:
        bundle.step("terraform-outputs.json", lambda: terraform_outputs(terraform_dir))
    bundle.step("versions.json", lambda: versions(actx))
    bundle.write(output)
    return {"bundle": str(output), "members": sorted(bundle.members), "errors": bundle.errors,
            "bytes": output.stat().st_size}


def bundle(ctx: typer.Context,
           terraform: Optional[str] = typer.Option(None, "--terraform", help="Also include `terraform output -json` of DIR."),
           output: Optional[Path] = typer.Option(None, "--output", "-o", help="Bundle file (default brewsync-bundle-<time>.tar.gz)."),
           as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Everything support needs in one redacted .tar.gz: doctor, 24 h of logs, configurations, versions."""
    from ..render import check_query, emit_json

    check_query(query)
    if terraform and not Path(terraform).is_dir():
        raise InputError(f"--terraform {terraform}: not a directory")
    if output is None:
        output = Path(f"brewsync-bundle-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.tar.gz")
    if output.exists() and output.is_dir():
        raise InputError(f"-o {output}: is a directory")
    actx = app_context(ctx)
    dep = deployment(ctx)
    preflight(dep)
    result = build(actx, dep, output, terraform)
    if as_json or query:
        emit_json(result, query)
        return
    typer.echo(f"wrote {output} ({result['bytes']} bytes, {len(result['members'])} files, secrets redacted)")
    for name, why in sorted(result["errors"].items()):
        typer.echo(redact(f"  not collected: {name}: {why}"))


def register(root: typer.Typer) -> None:
    root.command("bundle")(bundle)
