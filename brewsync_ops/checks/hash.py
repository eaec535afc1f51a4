"""Hash checks: bottles_hash.json exists, parses, follows the schema, matches the store, is fresh.

The schema belongs to ``sync_runtime.index`` (``validate_index``): the check and the runtime
cannot disagree about what a valid index is.
"""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sync_runtime.errors import IndexInvalid
from sync_runtime.names import INDEX_KEY

from ..findings import Finding, Status
from ._base import CannotAsk, CheckOptions, call, error_code, finding, guarded, is_not_found

AREA = "hash"
STALE_DAYS = 8


def validate(data) -> None:
    """The runtime's own schema check (raises IndexInvalid naming the first bad field)."""
    from sync_runtime.index import validate_index

    validate_index(data)


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None


def last_good_version(s3, bucket: str, *, look_at: int = 5) -> str | None:
    """The newest stored version of the index that is valid (None: none, or not versioned)."""
    try:
        versions = s3.list_object_versions(Bucket=bucket, Prefix=INDEX_KEY).get("Versions", [])
    except Exception:  # noqa: BLE001 - only a better hint is at stake
        return None
    versions = sorted((v for v in versions if v.get("Key") == INDEX_KEY and not v.get("IsLatest")),
                      key=lambda v: v["LastModified"], reverse=True)
    for v in versions[:look_at]:
        try:
            body = s3.get_object(Bucket=bucket, Key=INDEX_KEY, VersionId=v["VersionId"])["Body"].read()
            validate(json.loads(body))
            return v["VersionId"]
        except Exception:  # noqa: BLE001 - an unreadable or invalid version: try an older one
            continue
    return None


def _repair_command(s3, bucket: str) -> str:
    """The one command that repairs the index: restore the last good version, else rebuild."""
    good = last_good_version(s3, bucket)
    return f"brewsync hash restore --version {good}" if good else "brewsync hash rebuild"


@guarded(AREA, "hash.index-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    s3 = dep.client("s3")
    bucket = dep.bucket()
    try:
        body = call(s3.get_object, "s3 get-object", Bucket=bucket, Key=INDEX_KEY)["Body"].read()
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc, "NoSuchKey", "NoSuchBucket"):
            what = "the bucket does not exist" if error_code(exc) == "NoSuchBucket" else f"s3://{bucket}/{INDEX_KEY} is missing"
            return [finding(AREA, "index-missing", Status.FAIL, f"no index: {what}", evidence=error_code(exc),
                            fix=_repair_command(s3, bucket))]
        raise
    out = [finding(AREA, "index-missing", Status.OK, f"index present ({len(body)} bytes)")]
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        out.append(finding(AREA, "not-json", Status.FAIL, "the index is not JSON", evidence=str(exc)[:160],
                           fix=_repair_command(s3, bucket)))
        return out
    out.append(finding(AREA, "not-json", Status.OK, "the index is JSON"))
    from sync_runtime.index import is_legacy

    if is_legacy(data):
        out.append(finding(AREA, "schema-invalid", Status.WARN, "the index is in the legacy format",
                           evidence="entries like name-version-tag with download_date/file_size",
                           fix="brewsync hash rebuild"))
        return out
    try:
        validate(data)
    except IndexInvalid as exc:
        out.append(finding(AREA, "schema-invalid", Status.FAIL, "the index does not follow the schema",
                           evidence=str(exc)[:200], fix=_repair_command(s3, bucket)))
        return out
    bottles = data["bottles"]
    out.append(finding(AREA, "schema-invalid", Status.OK, f"schema valid, {len(bottles)} bottle(s)"))
    out.append(_entries(s3, bucket, bottles, opts))
    updated = parse_time(data.get("last_updated", ""))
    now = opts.clock()
    if updated is None or now - updated > timedelta(days=STALE_DAYS):
        out.append(finding(AREA, "stale", Status.WARN, f"the index was not updated for more than {STALE_DAYS} days",
                           evidence=f"last_updated={data.get('last_updated')}",
                           fix="brewsync schedule status; brewsync trigger"))
    else:
        out.append(finding(AREA, "stale", Status.OK, f"updated {data['last_updated']}"))
    return out


def _entries(s3, bucket: str, bottles: dict, opts: CheckOptions) -> Finding:
    items = sorted(bottles.items())
    if not opts.full and len(items) > opts.sample:
        items = random.Random(len(items)).sample(items, opts.sample)

    def one(item):
        filename, entry = item
        try:
            head = s3.head_object(Bucket=bucket, Key=entry["key"])
        except Exception as exc:  # noqa: BLE001
            if is_not_found(exc, "NoSuchKey"):
                return f"{filename}: object {entry['key']} missing"
            raise
        got = (head.get("Metadata") or {}).get("sha256")
        if got != entry["sha256"]:
            return f"{filename}: stored sha256 {str(got)[:12]}… ≠ index {entry['sha256'][:12]}…"
        if head.get("ContentLength") not in (None, entry["size"]):
            return f"{filename}: size {head.get('ContentLength')} ≠ index {entry['size']}"
        return None

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            problems = [p for p in pool.map(one, items) if p]
    except Exception as exc:  # noqa: BLE001
        from ._base import as_cannot_ask

        cannot = as_cannot_ask(exc, "s3 head-object")
        if cannot:
            raise cannot from exc
        raise
    scope = "all" if opts.full or len(bottles) <= opts.sample else f"a sample of {len(items)} of {len(bottles)}"
    if problems:
        return finding(AREA, "entry-mismatch", Status.FAIL,
                       f"{len(problems)} index entr{'y' if len(problems) == 1 else 'ies'} without a matching object ({scope} checked)",
                       evidence="; ".join(problems[:3]), fix="brewsync hash rebuild")
    return finding(AREA, "entry-mismatch", Status.OK, f"entries match the store ({scope} checked)")
