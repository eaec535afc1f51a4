"""Slack checks: the webhook secret exists and holds a webhook URL; with --send-test the webhook
answers 2xx. The URL is a secret: it is never put into a finding, only its redacted form."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from sync_runtime.redact import redact

from ..findings import Finding, Status
from ._base import CannotAsk, CheckOptions, call, finding, guarded, is_not_found

AREA = "slack"
SLACK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_PATH = re.compile(r"^/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+$")


def webhook_from_secret(value: str) -> str:
    """The secret holds the URL itself or JSON with ``webhook_url`` (or ``url``)."""
    value = (value or "").strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except json.JSONDecodeError:
            return value
        return str(data.get("webhook_url") or data.get("url") or "")
    return value


def webhook_problem(url: str) -> str | None:
    """None if ``url`` looks like a Slack incoming webhook (or the local dev receiver)."""
    parsed = urlparse(url)
    host = parsed.hostname or ""
    if host in SLACK_HOSTS:
        if parsed.scheme != "https":
            return "a Slack webhook must use https"
    elif host in LOCAL_HOSTS:
        pass  # `brewsync dev up`'s receiver speaks http on loopback
    else:
        return f"host {host or '(none)'} is not hooks.slack.com"
    if not _PATH.match(parsed.path):
        return "path is not /services/T…/B…/…"
    return None


def read_webhook(dep) -> str | None:
    sm = dep.client("secretsmanager")
    try:
        value = call(sm.get_secret_value, "secretsmanager get-secret-value", SecretId=dep.secret_id())
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return None
        raise
    return webhook_from_secret(value.get("SecretString") or "")


def send(url: str, text: str, timeout: float = 5.0) -> tuple[int | None, str]:
    """POST a Slack message; returns (status or None, short description without the URL)."""
    import requests

    try:
        resp = requests.post(url, json={"text": text}, timeout=timeout)
    except requests.RequestException as exc:
        return None, redact(f"{type(exc).__name__}: {exc}", [url])
    return resp.status_code, redact(f"HTTP {resp.status_code} {resp.text[:60]}".strip(), [url])


@guarded(AREA, "slack.secret-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    secret = dep.secret_id()
    url = read_webhook(dep)
    if url is None:
        return [finding(AREA, "secret-missing", Status.FAIL, f"secret {secret} does not exist: no notifications",
                        evidence="get-secret-value: ResourceNotFoundException",
                        fix="brewsync slack set-webhook")]
    out = [finding(AREA, "secret-missing", Status.OK, f"secret {secret} exists")]
    problem = webhook_problem(url)
    if problem:
        out.append(finding(AREA, "webhook-invalid", Status.FAIL, "the secret is not a Slack webhook URL",
                           evidence=problem, fix="brewsync slack set-webhook"))
        return out
    out.append(finding(AREA, "webhook-invalid", Status.OK, "the secret holds a webhook URL",
                       evidence=redact(url)))
    if opts.send_test:
        status, text = send(url, "brewsync doctor: test message")
        good = status is not None and 200 <= status < 300
        out.append(finding(AREA, "webhook-rejected", Status.OK if good else Status.FAIL,
                           "the webhook accepted a test message" if good else "the webhook rejected a test message",
                           evidence=f"{redact(url)}: {text}" if not good else text,
                           fix="create a new webhook in Slack, then brewsync slack set-webhook"))
    return out
