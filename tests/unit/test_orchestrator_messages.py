"""Slack message builders, the secret's two forms, the Notifier's failure modes, EMF lines (pure
or with fakes; no network)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from sync_runtime import observability, slack
from sync_runtime.observability import JsonFormatter, emf_record, emit_metrics, set_context

URL = "https://hooks.slack.com/services/T000/B000/abcdefghijklmnop"


def test_webhook_from_secret_accepts_both_forms():
    assert slack.webhook_from_secret(URL) == URL
    assert slack.webhook_from_secret(json.dumps({"webhook_url": URL})) == URL
    assert slack.webhook_from_secret(" " + URL + "\n") == URL
    for bad in ("", "{}", "{not json", json.dumps({"url": URL}), "hooks.slack.com/x", json.dumps([URL])):
        assert slack.webhook_from_secret(bad) is None


def _text_and_blocks(msg):
    assert isinstance(msg["text"], str) and msg["text"]
    assert msg["blocks"] and all(b["type"] in ("section", "context") for b in msg["blocks"])
    return msg["text"], json.dumps(msg["blocks"], ensure_ascii=False)


def test_message_builders():
    text, blocks = _text_and_blocks(slack.start_message("r1", source="schedule", new=12, plan_bytes=3_500_000, route="ecs"))
    assert "r1" in text and "12 bottles" in text and "3.5 MB" in text and "on ECS" in text
    text, blocks = _text_and_blocks(slack.success_message("r1", bottles=12, nbytes=3_500_000, seconds=125, shards=2))
    assert "succeeded" in text and "12 bottles" in text and "2m 05s" in text and "2 ECS shards" in text
    assert "*ECS shards*\\n2" in blocks
    failures = [(f"f{i}.tar.gz", "HTTP 404") for i in range(12)]
    text, blocks = _text_and_blocks(slack.partial_message("r1", bottles=3, nbytes=10, seconds=1, shards=0, failures=failures))
    assert "12 failed" in text and "f0.tar.gz" in text and "… and 2 more" in blocks and "HTTP 404" in blocks
    text, blocks = _text_and_blocks(slack.failure_message("r1", error=f"boom at {URL}"))
    assert "runbooks/recovery.md" in text and "runbooks/recovery.md" in blocks
    assert "abcdefghijklmnop" not in text + blocks  # a URL in an error is masked
    assert "test message" in slack.test_message()["text"]


class FakeSecrets:
    def __init__(self, value=None, error=None):
        self.value, self.error, self.calls = value, error, 0

    def get_secret_value(self, SecretId):  # noqa: N803 - boto3's name
        self.calls += 1
        if self.error:
            raise self.error
        return {"SecretString": self.value}


class FakeHttp:
    def __init__(self, status=200, error=None):
        self.status, self.error, self.posts = status, error, []

    def post(self, url, json, timeout):  # noqa: A002
        self.posts.append((url, json, timeout))
        if self.error:
            raise self.error

        class R:
            status_code = self.status
            text = "no_service" if self.status == 404 else "ok"
        return R()


class NotFound(Exception):
    response = {"Error": {"Code": "ResourceNotFoundException"}}


def test_notifier_reads_the_secret_once_and_sends(caplog):
    sm, http = FakeSecrets(json.dumps({"webhook_url": URL})), FakeHttp()
    n = slack.Notifier("homebrew-sync/slack-webhook", secrets_client=sm, http=http)
    assert n.send(slack.test_message()) and n.send(slack.test_message())
    assert sm.calls == 1 and len(http.posts) == 2 and http.posts[0][0] == URL
    assert http.posts[0][2][1] <= 10  # a short timeout


@pytest.mark.parametrize("sm, http, phrase", [
    (FakeSecrets(error=NotFound()), FakeHttp(), "secret homebrew-sync/slack-webhook does not exist"),
    (FakeSecrets("not a url"), FakeHttp(), "holds no webhook URL"),
    (FakeSecrets(URL), FakeHttp(404), "webhook answered HTTP 404 no_service"),
    (FakeSecrets(URL), FakeHttp(error=TimeoutError(f"read timed out: {URL}")), "TimeoutError"),
])
def test_notifier_failures_are_logged_never_raised_and_never_leak_the_url(sm, http, phrase, caplog):
    n = slack.Notifier("homebrew-sync/slack-webhook", secrets_client=sm, http=http)
    logger = logging.getLogger("brewsync.slack")
    logger.addHandler(caplog.handler)  # direct: the runtime may have stopped propagation to root
    try:
        with caplog.at_level(logging.WARNING, logger="brewsync.slack"):
            assert n.send(slack.start_message("r", source="manual", new=1, plan_bytes=1, route="lambda")) is False
    finally:
        logger.removeHandler(caplog.handler)
    assert phrase in n.problem and phrase in caplog.text
    assert "abcdefghijklmnop" not in caplog.text + n.problem


def test_emf_record_has_no_dimensions_and_units():
    rec = emf_record({"SyncDuration": 12.5, "BottlesDownloaded": 3, "BytesDownloaded": 10, "BottlesFailed": 0,
                      "PlanBytes": 99}, {"run_id": "r1"}, timestamp_ms=1)
    (directive,) = rec["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "HomebrewSync" and directive["Dimensions"] == [[]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {
        "SyncDuration": "Seconds", "BottlesDownloaded": "Count", "BytesDownloaded": "Bytes",
        "BottlesFailed": "Count", "PlanBytes": "Bytes"}
    assert rec["SyncDuration"] == 12.5 and rec["run_id"] == "r1" and rec["_aws"]["Timestamp"] == 1
    with pytest.raises(ValueError, match="unknown metric"):
        emf_record({"Bogus": 1})


def test_emit_metrics_prints_one_json_line(capsys):
    set_context(run_id="r9", request_id="req-9")
    try:
        emit_metrics({"PlanBytes": 5})
    finally:
        observability.clear_context()
    (line,) = capsys.readouterr().out.splitlines()
    rec = json.loads(line)
    assert rec["PlanBytes"] == 5 and rec["run_id"] == "r9" and rec["request_id"] == "req-9"


def test_json_log_lines_carry_context_and_redact():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("brewsync.test-json")
    logger.addHandler(handler)
    logger.propagate = False
    set_context(run_id="r2", request_id="req-2")
    try:
        logger.warning("Downloaded bottle %s (%d bytes, %s) via %s", "wget-1.0.arm64_sonoma.bottle.tar.gz", 10, "ab" * 32, URL)
    finally:
        observability.clear_context()
        logger.removeHandler(handler)
    rec = json.loads(stream.getvalue())
    assert rec["message"].startswith("Downloaded bottle wget-1.0.arm64_sonoma.bottle.tar.gz (10 bytes, abab")
    assert rec["run_id"] == "r2" and rec["request_id"] == "req-2" and rec["level"] == "WARNING"
    assert "abcdefghijklmnop" not in stream.getvalue()


def test_a_crash_logs_a_redacted_traceback():
    """log.exception must keep the traceback (on-call's only clue) but never a secret in it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("brewsync.test-crash")
    logger.addHandler(handler)
    logger.propagate = False

    def deep_in_the_engine():
        raise RuntimeError(f"POST {URL} refused")

    try:
        try:
            deep_in_the_engine()
        except RuntimeError:
            logger.exception("Run r3 crashed")
    finally:
        logger.removeHandler(handler)
    rec = json.loads(stream.getvalue())
    assert rec["error_type"] == "RuntimeError"
    assert "deep_in_the_engine" in rec["traceback"] and "Traceback" in rec["traceback"]
    assert "abcdefghijklmnop" not in stream.getvalue()


def test_a_failed_run_never_puts_a_secret_in_the_lambda_error(caplog):
    """SyncFailed becomes the Lambda's error result and the runtime's log line: mask it too."""
    from sync_runtime.orchestrator import Orchestrator, Request, SyncFailed

    class Boom(Orchestrator):
        def __init__(self):
            self.notifier = self.sent = None

        def run(self, request, context, run_id):
            raise RuntimeError(f"upload to {URL} failed")

    class Notifier:
        def __init__(self):
            self.messages = []

        def send(self, message):
            self.messages.append(message)
            return True

    orch = Boom()
    orch.notifier = Notifier()
    with pytest.raises(SyncFailed) as err:
        orch.handle(Request("manual"))
    assert "RuntimeError: upload to https://hooks.slack.com/…redacted" in err.value.message
    # (caplog's own formatter prints the raw traceback; ours masks it, see the test above)
    assert "abcdefghijklmnop" not in err.value.message + "".join(caplog.messages) + json.dumps(orch.notifier.messages)
