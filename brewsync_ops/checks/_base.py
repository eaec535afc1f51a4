"""What every check shares: options, the "could not ask" outcome, and one view of the deployment.

A check is ``check(ctx, opts) -> list[Finding]``. It never prints and never raises for AWS trouble:
an AWS call it cannot make (AccessDenied, not implemented by the endpoint, a parser error) turns
into an *unknown* finding that says why — never a crash, never a false pass.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable

from brewsync_ops.findings import Finding, Status, runbook_link

ACCESS_CODES = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
    "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
    "AuthorizationError", "403",
}
NOT_IMPLEMENTED_CODES = {"500", "501", "NotImplemented", "InternalFailure", "InternalError"}


class CannotAsk(Exception):
    """An AWS question we could not ask; the reason ends up in an *unknown* finding."""

    def __init__(self, reason: str, *, no_access: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.no_access = no_access  # no credentials / endpoint unreachable: doctor exits 4


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "") or "")


def is_not_found(exc: BaseException, *codes: str) -> bool:
    code = error_code(exc)
    wanted = set(codes) | {"ResourceNotFoundException", "NoSuchEntity", "NoSuchBucket", "NotFound", "404"}
    return code in wanted


def as_cannot_ask(exc: BaseException, what: str) -> CannotAsk | None:
    """Classify an exception from an AWS call: CannotAsk if it means 'could not ask', else None."""
    name = type(exc).__name__
    if isinstance(exc, NotImplementedError):
        return CannotAsk(f"{what}: not implemented by this endpoint")
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound"):
        return CannotAsk(f"{what}: no AWS credentials ({exc})", no_access=True)
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ReadTimeoutError"):
        return CannotAsk(f"{what}: cannot reach AWS ({exc})", no_access=True)
    if name == "ResponseParserError":
        return CannotAsk(f"{what}: the endpoint gave an unreadable answer (not implemented?)")
    code = error_code(exc)
    if code in ACCESS_CODES:
        return CannotAsk(f"{what}: access denied ({code})")
    if code in NOT_IMPLEMENTED_CODES:
        return CannotAsk(f"{what}: not implemented by this endpoint (HTTP {code})")
    return None


def call(fn: Callable[..., Any], what: str, **kwargs: Any) -> Any:
    """Make one AWS call; 'could not ask' errors become CannotAsk, others propagate."""
    try:
        return fn(**kwargs)
    except Exception as exc:  # noqa: BLE001 - classified right here
        cannot = as_cannot_ask(exc, what)
        if cannot is not None:
            raise cannot from exc
        raise


def finding(area: str, fid: str, status: Status, summary: str, evidence: str = "",
            fix: str | None = None, **details: Any) -> Finding:
    full = fid if fid.startswith(area + ".") else f"{area}.{fid}"
    return Finding(id=full, area=area, status=status, summary=summary, evidence=evidence,
                   fix=fix if status.is_problem or status is Status.UNKNOWN else None,
                   runbook=runbook_link(area, full), details=details)


def unknown(area: str, fid: str, reason: str, *, no_access: bool = False) -> Finding:
    f = finding(area, fid, Status.UNKNOWN, f"could not check: {reason}", evidence=reason)
    if no_access:
        f.details["no_access"] = True
    return f


def guarded(area: str, fallback_id: str) -> Callable:
    """Decorator: a check that raises still yields a finding (unknown, with the reason)."""

    def deco(fn: Callable[..., list[Finding]]) -> Callable[..., list[Finding]]:
        @functools.wraps(fn)
        def wrapper(ctx: Any, opts: "CheckOptions | None" = None) -> list[Finding]:
            opts = opts or CheckOptions()
            try:
                return fn(ctx, opts)
            except CannotAsk as exc:
                return [unknown(area, fallback_id, exc.reason, no_access=exc.no_access)]
            except Exception as exc:  # noqa: BLE001 - a bug or an odd answer: say so, do not crash
                cannot = as_cannot_ask(exc, fn.__name__)
                if cannot is not None:
                    return [unknown(area, fallback_id, cannot.reason, no_access=cannot.no_access)]
                return [unknown(area, fallback_id, f"check failed: {type(exc).__name__}: {exc}")]

        wrapper.area = area  # type: ignore[attr-defined]
        return wrapper

    return deco


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class CheckOptions:
    write_probe: bool = False
    send_test: bool = False
    full: bool = False
    sample: int = 50
    pending_minutes: int = 10
    now: datetime | None = None
    deployment: "Deployment | None" = None

    def clock(self) -> datetime:
        return self.now or utcnow()

    def dep(self, ctx: Any) -> "Deployment":
        if self.deployment is None:
            self.deployment = Deployment(ctx)
        return self.deployment


class Deployment:
    """Facts several checks need (the function's configuration, the bucket, the account),
    asked once per run and shared across threads."""

    def __init__(self, ctx: Any):
        self.ctx = ctx
        self.names = ctx.names
        self._lock = threading.RLock()  # held while a shared fact is asked (once)
        self._client_lock = threading.Lock()
        self._memo: dict[str, Any] = {}
        self._clients: dict[str, Any] = {}

    def _once(self, key: str, fn: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._memo:
                value = self._memo[key]
            else:
                try:
                    value = fn()
                except Exception as exc:  # noqa: BLE001 - remembered and re-raised to each caller
                    value = _Failed(exc)
                self._memo[key] = value
        if isinstance(value, _Failed):
            raise value.exc
        return value

    def client(self, service: str) -> Any:
        """A client per service, cached for this run, from the context's session: the checks'
        own retry setting (AWS_MAX_ATTEMPTS, default 3) and short timeouts, and the botocore
        loader shared process-wide (see share_loader)."""
        with self._client_lock:
            cached = self._clients.get(service)
        if cached is not None:
            return cached
        from botocore.config import Config

        aws = self.ctx.aws
        session = aws.session
        share_loader(session)
        config = Config(retries={"max_attempts": int(__import__("os").environ.get("AWS_MAX_ATTEMPTS") or 3),
                                 "mode": "standard"},
                        connect_timeout=5, read_timeout=30, max_pool_connections=32)
        kwargs: dict[str, Any] = {"config": config, "region_name": session.region_name or "us-east-1"}
        if aws.endpoint_url:
            kwargs["endpoint_url"] = aws.endpoint_url
        with self._client_lock:
            cached = self._clients.get(service)
            if cached is None:
                # botocore client creation is not thread-safe on one session: do it under the lock
                cached = self._clients[service] = session.client(service, **kwargs)
        return cached

    @property
    def region(self) -> str:
        return self.ctx.aws.session.region_name or "us-east-1"

    def account_id(self) -> str:
        return self._once("account", lambda: call(self.client("sts").get_caller_identity,
                                                  "sts get-caller-identity")["Account"])

    def function_config(self) -> dict | None:
        """The orchestrator's configuration, or None when the function does not exist."""

        def ask() -> dict | None:
            try:
                return call(self.client("lambda").get_function_configuration, "lambda get-function-configuration",
                            FunctionName=self.names.lambda_function)
            except CannotAsk:
                raise
            except Exception as exc:  # noqa: BLE001
                if is_not_found(exc):
                    return None
                raise

        return self._once("function", ask)

    def env(self) -> dict[str, str]:
        try:
            cfg = self.function_config()
        except CannotAsk:
            return {}
        return ((cfg or {}).get("Environment") or {}).get("Variables") or {}

    def bucket(self) -> str:
        if self.ctx.bucket:
            return self.ctx.bucket
        if self.env().get("BUCKET"):
            return self.env()["BUCKET"]
        return self.names.bucket_default(self.account_id())

    def subnets(self) -> list[str]:
        return [s for s in (self.env().get("SUBNETS") or "").split(",") if s]

    def security_groups(self) -> list[str]:
        return [s for s in (self.env().get("SECURITY_GROUPS") or "").split(",") if s]

    def cluster(self) -> str:
        return self.env().get("ECS_CLUSTER") or self.names.ecs_cluster

    def task_definition(self) -> str:
        return self.env().get("TASK_DEFINITION") or self.names.task_family

    def secret_id(self) -> str:
        return self.env().get("SLACK_SECRET_ID") or self.names.slack_secret


_LOADER_LOCK = threading.Lock()
_SHARED_LOADER: Any = None


def share_loader(session: Any) -> None:
    """Let every boto3 session of this process share one botocore data loader: parsing the
    service models is most of a client's creation cost (~40 ms each), and they never change."""
    global _SHARED_LOADER
    core = getattr(session, "_session", None)
    if core is None or getattr(core, "_brewsync_shared_loader", False):
        return
    with _LOADER_LOCK:
        if _SHARED_LOADER is None:
            _SHARED_LOADER = core.get_component("data_loader")
        else:
            core.register_component("data_loader", _SHARED_LOADER)
        core._brewsync_shared_loader = True


@dataclass
class _Failed:
    exc: BaseException


def since(hours: float, now: datetime | None = None) -> datetime:
    from datetime import timedelta

    return (now or utcnow()) - timedelta(hours=hours)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)



def attempt(area: str, fid: str, fn: Callable[[], "Finding | list[Finding] | None"]) -> list[Finding]:
    """Run one sub-check; 'could not ask' becomes an unknown finding for that id only."""
    try:
        out = fn()
    except CannotAsk as exc:
        return [unknown(area, fid, exc.reason, no_access=exc.no_access)]
    except Exception as exc:  # noqa: BLE001
        cannot = as_cannot_ask(exc, fid)
        if cannot is not None:
            return [unknown(area, fid, cannot.reason, no_access=cannot.no_access)]
        return [unknown(area, fid, f"check failed: {type(exc).__name__}: {exc}")]
    if out is None:
        return []
    return out if isinstance(out, list) else [out]


def log_events(dep: Deployment, group: str, pattern: str, *, hours: float, now: datetime | None = None,
               limit: int = 500) -> list[dict]:
    """Events of a log group matching a plain word or one quoted phrase in the last ``hours``.
    A missing log group means no events."""
    logs = dep.client("logs")
    kwargs: dict[str, Any] = {"logGroupName": group, "startTime": ms(since(hours, now)),
                              "filterPattern": pattern, "limit": min(limit, 10000)}
    events: list[dict] = []
    for _ in range(10):
        try:
            page = call(logs.filter_log_events, f"logs filter-log-events {group}", **kwargs)
        except CannotAsk:
            raise
        except Exception as exc:  # noqa: BLE001
            if is_not_found(exc):
                return []
            raise
        events.extend(page.get("events", []))
        token = page.get("nextToken")
        if not token or len(events) >= limit:
            break
        kwargs["nextToken"] = token
    return events


_REPORT_DURATION = __import__("re").compile(r"\tDuration: ([0-9.]+) ms|Duration: ([0-9.]+) ms")


def report_durations_ms(events: list[dict]) -> list[float]:
    """Durations of Lambda REPORT lines (``REPORT RequestId: … Duration: 1234.5 ms …``)."""
    out = []
    for e in events:
        m = _REPORT_DURATION.search(e.get("message", ""))
        if m and "REPORT" in e.get("message", ""):
            out.append(float(m.group(1) or m.group(2)))
    return out
