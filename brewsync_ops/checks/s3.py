"""S3 checks: the mirror bucket exists in the functions' region, the sync roles may use it,
versioning keeps the index history, public access is blocked; optionally a write probe."""

from __future__ import annotations

import json
import uuid

from ..findings import Finding, Status
from ._base import CannotAsk, CheckOptions, attempt, call, error_code, finding, guarded, is_not_found

AREA = "s3"
NEEDED_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket")
PROBE_PREFIX = ".brewsync-probe/"


@guarded(AREA, "s3.bucket-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    s3 = dep.client("s3")
    bucket = dep.bucket()
    try:
        call(s3.head_bucket, "s3 head-bucket", Bucket=bucket)
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc, "NoSuchBucket", "404"):
            return [finding(AREA, "bucket-missing", Status.FAIL, f"bucket {bucket} does not exist",
                            evidence="head-bucket: 404", fix="terraform apply  (module storage)")]
        if error_code(exc) == "403":
            return [finding(AREA, "bucket-missing", Status.UNKNOWN, f"bucket {bucket}: head-bucket refused (403)",
                            evidence="access denied, or the bucket belongs to another account")]
        raise
    out = [finding(AREA, "bucket-missing", Status.OK, f"bucket {bucket} exists")]
    out += attempt(AREA, "region-mismatch", lambda: _region(dep, s3, bucket))
    out += attempt(AREA, "versioning-off", lambda: _versioning(s3, bucket))
    out += attempt(AREA, "public-access", lambda: _public_access(s3, bucket))
    out += attempt(AREA, "policy-denies", lambda: _bucket_policy(dep, s3, bucket))
    out += attempt(AREA, "role-policy-missing", lambda: _role_policies(dep, bucket))
    if opts.write_probe:
        out += attempt(AREA, "write-probe", lambda: _probe(s3, bucket))
    return out


def _region(dep, s3, bucket: str) -> Finding:
    loc = call(s3.get_bucket_location, "s3 get-bucket-location", Bucket=bucket).get("LocationConstraint")
    region = loc or "us-east-1"
    if region == "EU":
        region = "eu-west-1"
    cfg = dep.function_config()
    fn_region = cfg["FunctionArn"].split(":")[3] if cfg else dep.region
    if region != fn_region:
        return finding(AREA, "region-mismatch", Status.WARN,
                       f"bucket is in {region}, the functions run in {fn_region}: cross-region transfer cost and latency",
                       evidence=f"LocationConstraint={loc}", fix="brewsync s3 region")
    return finding(AREA, "region-mismatch", Status.OK, f"bucket and functions in {region}")


def _versioning(s3, bucket: str) -> Finding:
    status = call(s3.get_bucket_versioning, "s3 get-bucket-versioning", Bucket=bucket).get("Status", "Off")
    ok = status == "Enabled"
    return finding(AREA, "versioning-off", Status.OK if ok else Status.FAIL,
                   "versioning enabled" if ok else "versioning is off: the index has no history to restore",
                   evidence=f"Status={status}", fix="brewsync doctor --only s3 --fix")


def _public_access(s3, bucket: str) -> Finding:
    try:
        cfg = call(s3.get_public_access_block, "s3 get-public-access-block",
                   Bucket=bucket)["PublicAccessBlockConfiguration"]
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
            raise
        cfg = {}
    keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    off = [k for k in keys if not cfg.get(k)]
    return finding(AREA, "public-access", Status.FAIL if off else Status.OK,
                   "public access is not blocked" if off else "public access blocked",
                   evidence=("off: " + ", ".join(off)) if off else "all four settings on",
                   fix="brewsync doctor --only s3 --fix")


def _role_arns(dep) -> dict[str, str]:
    account = dep.account_id()
    return {name: f"arn:aws:iam::{account}:role/{name}"
            for name in (dep.names.lambda_role, dep.names.ecs_task_role)}


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _action_matches(pattern: str, action: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(action.lower(), pattern.lower())


def _bucket_policy(dep, s3, bucket: str) -> Finding:
    try:
        policy = json.loads(call(s3.get_bucket_policy, "s3 get-bucket-policy", Bucket=bucket)["Policy"])
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001
        if error_code(exc) == "NoSuchBucketPolicy":
            return finding(AREA, "policy-denies", Status.OK, "no bucket policy (IAM decides)")
        raise
    roles = _role_arns(dep)
    denies = []
    for st in policy.get("Statement", []):
        if st.get("Effect") != "Deny" or st.get("Condition"):
            continue  # conditional denies (e.g. aws:SecureTransport) do not block our signed HTTPS calls
        principal = st.get("Principal")
        principals = ["*"] if principal == "*" else _as_list((principal or {}).get("AWS"))
        hit = [r for r, arn in roles.items() if "*" in principals or arn in principals]
        actions = _as_list(st.get("Action"))
        blocked = [a for a in NEEDED_ACTIONS if any(_action_matches(p, a) for p in actions)]
        if hit and blocked:
            denies.append(f"{st.get('Sid') or 'statement'} denies {', '.join(blocked)} to {', '.join(hit)}")
    if denies:
        return finding(AREA, "policy-denies", Status.FAIL, "the bucket policy denies the sync roles",
                       evidence="; ".join(denies), fix="brewsync s3 policy  (remove the Deny statement)")
    return finding(AREA, "policy-denies", Status.OK, "bucket policy does not deny the sync roles")


def _statements_of_role(iam, role: str) -> list[dict]:
    statements: list[dict] = []
    for pname in call(iam.list_role_policies, "iam list-role-policies", RoleName=role).get("PolicyNames", []):
        doc = call(iam.get_role_policy, "iam get-role-policy", RoleName=role, PolicyName=pname)["PolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        statements += _as_list(doc.get("Statement"))
    for att in call(iam.list_attached_role_policies, "iam list-attached-role-policies",
                    RoleName=role).get("AttachedPolicies", []):
        pol = call(iam.get_policy, "iam get-policy", PolicyArn=att["PolicyArn"])["Policy"]
        ver = call(iam.get_policy_version, "iam get-policy-version", PolicyArn=att["PolicyArn"],
                   VersionId=pol["DefaultVersionId"])["PolicyVersion"]["Document"]
        ver = json.loads(ver) if isinstance(ver, str) else ver
        statements += _as_list(ver.get("Statement"))
    return statements


def _allowed(statements: list[dict], action: str, bucket: str) -> bool:
    want = f"arn:aws:s3:::{bucket}" if action == "s3:ListBucket" else f"arn:aws:s3:::{bucket}/x"
    import fnmatch

    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        if not any(_action_matches(p, action) for p in _as_list(st.get("Action"))):
            continue
        if any(fnmatch.fnmatch(want, r) for r in _as_list(st.get("Resource"))):
            return True
    return False


def _role_policies(dep, bucket: str) -> Finding:
    iam = dep.client("iam")
    gaps = []
    for role in _role_arns(dep):
        try:
            statements = _statements_of_role(iam, role)
        except CannotAsk:
            raise
        except Exception as exc:  # noqa: BLE001
            if is_not_found(exc):
                gaps.append(f"role {role} does not exist")
                continue
            raise
        missing = [a for a in NEEDED_ACTIONS if not _allowed(statements, a, bucket)]
        if missing:
            gaps.append(f"{role} lacks {', '.join(a.split(':')[1] for a in missing)}")
    if gaps:
        return finding(AREA, "role-policy-missing", Status.FAIL,
                       "the sync roles may not Get/Put/Delete/List the bucket", evidence="; ".join(gaps),
                       fix="brewsync doctor --only s3 --fix")
    return finding(AREA, "role-policy-missing", Status.OK, "both roles may Get/Put/Delete/List the bucket")


def _probe(s3, bucket: str) -> Finding:
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
    try:
        put = call(s3.put_object, "s3 put-object", Bucket=bucket, Key=key, Body=b"brewsync write probe")
        kwargs = {"VersionId": put["VersionId"]} if put.get("VersionId") else {}
        call(s3.delete_object, "s3 delete-object", Bucket=bucket, Key=key, **kwargs)
    except CannotAsk as exc:
        return finding(AREA, "write-probe", Status.FAIL, "write probe failed", evidence=exc.reason,
                       fix="brewsync s3 policy; brewsync doctor --only s3")
    return finding(AREA, "write-probe", Status.OK, "put + delete of a probe object succeeded", evidence=key)
