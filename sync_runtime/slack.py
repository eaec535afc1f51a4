"""Slack notifications of the deployed sync: start, success, partial failure, failure, test.

The webhook URL lives in Secrets Manager (``<prefix>/slack-webhook``), as the bare URL or as
JSON ``{"webhook_url": "…"}``. It is read once per invocation (cached on the `Notifier`) and
never logged: every message that could contain it goes through `redact`. Message builders are
pure (Block Kit + a plain-text ``text`` fallback); `Notifier.send` never raises: a Slack
problem (missing secret, 404, timeout) is logged and the sync goes on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from .redact import redact
from .units import human_bytes

log = logging.getLogger("brewsync.slack")

RUNBOOK_RECOVERY = "runbooks/recovery.md"
RUNBOOK_SLACK = "runbooks/slack.md"
MAX_LISTED_FAILURES = 10
TIMEOUT = (3.0, 5.0)


def webhook_from_secret(value: str) -> str | None:
    """The URL from a secret value: the URL itself, or JSON with ``webhook_url``."""
    value = (value or "").strip()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except ValueError:
            return None
        url = data.get("webhook_url") if isinstance(data, dict) else None
        value = url.strip() if isinstance(url, str) else ""
    return value if value.startswith(("https://", "http://")) else None


# ------------------------------------------------------------------ message builders (pure)

def human_seconds(s: float) -> str:
    s = int(round(s))
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m {s:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _message(text: str, blocks: list[dict]) -> dict:
    return {"text": text, "blocks": blocks}


def start_message(run_id: str, *, source: str, new: int, plan_bytes: int, route: str) -> dict:
    where = {"lambda": "in the Lambda", "ecs": "on ECS", "mixed": "in the Lambda, the rest on ECS"}.get(route, route)
    text = (f"Homebrew sync {run_id} started ({source}): {new} bottles, "
            f"{human_bytes(plan_bytes)} to copy {where}")
    return _message(text, [
        _section(f":arrows_counterclockwise: *Homebrew sync started* ({source})"),
        _section(f"*{new}* bottles to copy, *{human_bytes(plan_bytes)}*, {where}"),
        _context(f"run `{run_id}`"),
    ])


def success_message(run_id: str, *, bottles: int, nbytes: int, seconds: float, shards: int,
                    unchanged: int = 0) -> dict:
    ecs = f", {shards} ECS shard{'s' if shards != 1 else ''}" if shards else ""
    text = (f"Homebrew sync {run_id} succeeded: {bottles} bottles, {human_bytes(nbytes)} "
            f"in {human_seconds(seconds)}{ecs}")
    fields = [
        {"type": "mrkdwn", "text": f"*Bottles*\n{bottles}"},
        {"type": "mrkdwn", "text": f"*Downloaded*\n{human_bytes(nbytes)}"},
        {"type": "mrkdwn", "text": f"*Duration*\n{human_seconds(seconds)}"},
        {"type": "mrkdwn", "text": f"*ECS shards*\n{shards}"},
    ]
    return _message(text, [
        _section(":white_check_mark: *Homebrew sync succeeded*"),
        {"type": "section", "fields": fields},
        _context(f"run `{run_id}` · {unchanged} unchanged"),
    ])


def partial_message(run_id: str, *, bottles: int, nbytes: int, seconds: float, shards: int,
                    failures: Iterable[tuple[str, str]]) -> dict:
    failures = list(failures)
    shown = failures[:MAX_LISTED_FAILURES]
    more = len(failures) - len(shown)
    lines = "\n".join(f"• `{name}`: {redact(str(why))[:200]}" for name, why in shown)
    if more > 0:
        lines += f"\n… and {more} more (runs/{run_id}/report.json)"
    text = (f"Homebrew sync {run_id} partially failed: {bottles} bottles copied, "
            f"{len(failures)} failed: " + ", ".join(n for n, _ in shown) + (" …" if more > 0 else ""))
    return _message(text, [
        _section(f":warning: *Homebrew sync partially failed*: {bottles} copied "
                 f"({human_bytes(nbytes)}, {human_seconds(seconds)}, {shards} ECS shards), "
                 f"*{len(failures)} failed*"),
        _section(lines or "(no details)"),
        _context(f"run `{run_id}` · failed bottles are retried by the next run · see {RUNBOOK_RECOVERY}"),
    ])


def failure_message(run_id: str, *, error: str, runbook: str = RUNBOOK_RECOVERY) -> dict:
    error = redact(str(error))[:500]
    text = f"Homebrew sync {run_id} failed: {error} (runbook: {runbook})"
    return _message(text, [
        _section(":x: *Homebrew sync failed*"),
        _section(f"```{error}```"),
        _context(f"run `{run_id}` · what to do: {runbook}"),
    ])


def test_message(where: str = "the orchestrator Lambda") -> dict:
    text = f"brewsync: test message from {where}"
    return _message(text, [_section(f":wave: {text}: secret access and network path work.")])


# ------------------------------------------------------------------ the adapter

class Notifier:
    """Sends messages to the webhook in the secret. Build one per invocation."""

    def __init__(self, secret_id: str, *, aws=None, secrets_client=None, http=None,
                 timeout: tuple[float, float] = TIMEOUT):
        self.secret_id = secret_id
        self._aws = aws
        self._sm = secrets_client
        self._http = http
        self.timeout = timeout
        self._url: str | None = None
        self._looked_up = False
        self.problem: str | None = None  # why the last lookup or send failed (never the URL)
        self.sent = 0

    def _secrets(self):
        if self._sm is None:
            if self._aws is None:
                from .aws import AwsClients

                self._aws = AwsClients()
            self._sm = self._aws.client("secretsmanager")
        return self._sm

    def webhook_url(self) -> str | None:
        """The URL, read once; None (with `problem` set and a log line) when unavailable."""
        if self._looked_up:
            return self._url
        self._looked_up = True
        try:
            value = self._secrets().get_secret_value(SecretId=self.secret_id)
        except Exception as exc:  # noqa: BLE001 - any failure means "no notifications"
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
            if code == "ResourceNotFoundException":
                self.problem = f"secret {self.secret_id} does not exist"
            else:
                self.problem = f"cannot read secret {self.secret_id}: {code}"
            log.warning("Slack notifications off: %s (see %s)", self.problem, RUNBOOK_SLACK)
            return None
        url = webhook_from_secret(value.get("SecretString") or "")
        if url is None:
            self.problem = f"secret {self.secret_id} holds no webhook URL"
            log.warning("Slack notifications off: %s (see %s)", self.problem, RUNBOOK_SLACK)
            return None
        self._url = url
        return url

    def send(self, message: dict[str, Any]) -> bool:
        """POST one message; False (logged, never raised) when it could not be delivered."""
        url = self.webhook_url()
        if url is None:
            return False
        try:
            if self._http is None:
                import requests

                self._http = requests.Session()
            resp = self._http.post(url, json=message, timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - a Slack problem never fails the sync
            from urllib.parse import urlsplit

            # requests names only the path in some errors: mask that too.
            self.problem = redact(f"{type(exc).__name__}: {exc}", [url, urlsplit(url).path])
            log.warning("Slack message not delivered: %s (see %s)", self.problem, RUNBOOK_SLACK)
            return False
        if not 200 <= resp.status_code < 300:
            body = (resp.text or "")[:80]
            self.problem = redact(f"webhook answered HTTP {resp.status_code} {body}".strip(), [url])
            log.warning("Slack message not delivered: %s (see %s)", self.problem, RUNBOOK_SLACK)
            return False
        self.sent += 1
        log.info("Slack message sent: %s", redact(message.get("text", ""), [url])[:200])
        return True
