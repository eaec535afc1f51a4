"""parse_event: every accepted shape, and a clear InputError for everything else (pure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync_runtime.errors import InputError
from sync_runtime.orchestrator import Request, parse_event, rejected

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load(name: str):
    return json.loads((EVENTS / f"{name}.json").read_text())


@pytest.mark.parametrize("name, expected", [
    ("scheduled", Request("schedule")),
    ("schedule_source", Request("schedule")),
    ("manual", Request("manual")),
    ("manual_dry_run", Request("manual", dry_run=True)),
    ("recovery_rebuild_hash", Request("recovery", rebuild_hash=True)),
    ("notification_test", Request("notification-test")),
])
def test_sample_events_parse(name, expected):
    assert parse_event(load(name)) == expected


def test_formulae_are_validated_and_deduplicated():
    req = parse_event({"source": "manual", "formulae": ["wget", "openssl@3", "gtk+3", "wget"]})
    assert req.formulae == ("wget", "openssl@3", "gtk+3")


def test_only_notification_test_is_a_test_request():
    assert parse_event({"source": "notification-test"}).is_test
    with pytest.raises(InputError, match="'slack-test' is not one of"):
        parse_event({"source": "slack-test"})


@pytest.mark.parametrize("event, phrase", [
    (None, "event must be a JSON object, got NoneType"),
    ([], "event must be a JSON object, got list"),
    ("schedule", "event must be a JSON object, got str"),
    ({}, "'source' is missing"),
    ({"source": "weekly"}, "'source' 'weekly' is not one of schedule, manual, recovery, notification-test"),
    ({"source": 3}, "'source' must be a string, got int"),
    ({"source": "manual", "dryrun": True}, "unknown key(s) 'dryrun'"),
    ({"source": "manual", "dry_run": "false"}, "'dry_run' must be true or false, got str"),
    ({"source": "manual", "dry_run": 1}, "'dry_run' must be true or false, got int"),
    ({"source": "manual", "rebuild_hash": None}, "'rebuild_hash' must be true or false, got NoneType"),
    ({"source": "manual", "formulae": "wget"}, "'formulae' must be a list of formula names, got str"),
    ({"source": "manual", "formulae": [1]}, "'formulae'[0] must be a string, got int"),
    ({"source": "manual", "formulae": ["../x"]}, "is not a valid Homebrew formula name"),
    ({"source": "notification-test", "dry_run": True}, "'notification-test' takes no other keys"),
    ({"source": "manual", "formulae": ["a"] * 2001}, "at most 2000 names"),
    ({"detail-type": "Scheduled Event", "source": "aws.events", "x": 1, "version": "0"}, None),
])
def test_bad_events_are_rejected_with_a_clear_message(event, phrase):
    if phrase is None:  # an EventBridge event is recognised by its shape, extra keys and all
        assert parse_event(event) == Request("schedule")
        return
    with pytest.raises(InputError) as err:
        parse_event(event)
    assert phrase in err.value.message
    result = rejected(err.value)
    assert result["ok"] is False and result["status"] == "rejected" and phrase in result["error"]
    json.dumps(result)  # serialisable, no exception objects or tracebacks
