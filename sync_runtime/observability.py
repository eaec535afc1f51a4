"""Logs and metrics of the deployed sync: JSON log lines and CloudWatch EMF lines on stdout.

- Every log line of the ``brewsync`` loggers becomes one JSON object with the run id and the
  Lambda request id (or the ECS shard), so Logs Insights can filter one run. The engine's
  ``Downloaded bottle <filename> (<bytes> bytes, <sha256>)`` message is kept verbatim in
  ``message``: the runbook's log queries search for that phrase.
- Metrics are Embedded Metric Format lines printed to stdout (namespace ``HomebrewSync``) with
  *no dimensions*: the stale-mirror alarm in Terraform reads ``SyncDuration`` without any. No
  PutMetricData calls, so metrics cost no API call and need no IAM permission.
- Messages pass through `redact` so a webhook URL or signed URL can never reach the log.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Mapping
from typing import Any

from .names import METRICS_NAMESPACE
from .redact import redact

LOGGER = "brewsync"
_context: dict[str, Any] = {}

METRIC_UNITS = {
    "BottlesDownloaded": "Count",
    "BytesDownloaded": "Bytes",
    "BottlesFailed": "Count",
    "SyncDuration": "Seconds",
    "PlanBytes": "Bytes",
}


def set_context(**values: Any) -> None:
    """Fields added to every log line (run_id, request_id, shard); None removes a field."""
    for key, value in values.items():
        if value is None:
            _context.pop(key, None)
        else:
            _context[key] = value


def clear_context() -> None:
    _context.clear()


class JsonFormatter(logging.Formatter):
    _SKIP = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        out.update(_context)
        for key, value in vars(record).items():
            if key not in self._SKIP and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["error_type"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            # The one clue on-call has for an unexpected crash; masked like the message.
            out["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, default=str, sort_keys=False)


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is *now* (Lambda's, a container's, a test's capture)."""

    brewsync = True

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def setup_logging(level: int = logging.INFO) -> logging.Logger:
    """JSON lines for the ``brewsync`` loggers on stdout (idempotent: one handler)."""
    logger = logging.getLogger(LOGGER)
    if not any(getattr(h, "brewsync", False) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(level)
    # Lambda's root handler would print every line a second time, in its own format.
    logger.propagate = False
    return logger


def emf_record(metrics: Mapping[str, float | int], properties: Mapping[str, Any] | None = None,
               *, timestamp_ms: int | None = None) -> dict:
    """One EMF object (pure): the metrics with their units, in HomebrewSync, no dimensions."""
    unknown = set(metrics) - set(METRIC_UNITS)
    if unknown:
        raise ValueError(f"unknown metric(s): {', '.join(sorted(unknown))}")
    record: dict[str, Any] = dict(properties or {})
    record["_aws"] = {
        "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        "CloudWatchMetrics": [{
            "Namespace": METRICS_NAMESPACE,
            # One empty dimension set: the metrics are published without dimensions.
            "Dimensions": [[]],
            "Metrics": [{"Name": name, "Unit": METRIC_UNITS[name]} for name in metrics],
        }],
    }
    for name, value in metrics.items():
        record[name] = value
    return record


def emit_metrics(metrics: Mapping[str, float | int], **properties: Any) -> dict:
    """Print one EMF line on stdout (CloudWatch Logs turns it into metrics)."""
    props = {k: v for k, v in {**_context, **properties}.items() if v is not None}
    record = emf_record(metrics, props)
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()
    return record
