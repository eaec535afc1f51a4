"""Every runbook fault: inject it into the default stack → `doctor --json` reports its finding id
(fail/warn, right runbook anchor) → `doctor --fix --yes` where a safe remedy exists → gone.

All against the session's moto server; the stack is re-provisioned for each test (~1 s)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from brewsync_ops.cli import app
from brewsync_ops.devstack.faults import FAULTS
from brewsync_ops.devstack.stack import provision, reset_moto
from brewsync_ops.devstack.webhook import WebhookReceiver
from brewsync_ops.findings import runbook_link



@pytest.fixture(scope="module")
def webhook():
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def stack(moto_server, webhook):
    reset_moto(moto_server)
    webhook.reset()
    webhook.clear()
    return provision(moto_server, webhook_url=webhook.url)


def doctor(stack, *args: str, input: str | None = None):
    env = {"AWS_ENDPOINT_URL": stack.endpoint, "BREWSYNC_BUCKET": stack.bucket}
    return CliRunner().invoke(app, ["doctor", *args], env=env, input=input)


def by_id(result) -> dict:
    return {f["id"]: f for f in json.loads(result.stdout)["findings"]}


def area_args(name: str) -> list[str]:
    area = name.split(".", 1)[0]
    return ["--only", area] + (["--send-test"] if area == "slack" else [])


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_is_found_and_fixed(stack, name):
    fault = FAULTS[name]
    fault.inject(stack)

    result = doctor(stack, *area_args(name), "--json")
    assert result.exit_code == 1, result.output
    found = by_id(result)
    assert name in found, f"{name} not reported; got {sorted(found)}"
    assert found[name]["status"] in ("fail", "warn")
    assert found[name]["runbook"] == runbook_link(fault.area, name)
    assert found[name]["fix"], "every problem names the command that fixes it"

    if fault.fixable:
        fixed = doctor(stack, *area_args(name), "--fix", "--yes", "--json")
        assert fixed.exit_code in (0, 1), fixed.output
        data = json.loads(fixed.stdout)
        assert any(f["id"] == name and f["applied"] for f in data["fixes"]), data["fixes"]
        after = {f["id"]: f for f in data["findings"]}
        # present and ok: a re-check that crashed (one unknown row under another id) is not "fixed"
        assert after.get(name, {}).get("status") == "ok", (after.get(name), sorted(after))
        assert not [f for f in after.values() if f["status"] == "unknown" and f["id"] != "ecs.fargate-quota"]


def test_healthy_stack_exits_0_with_no_fail_or_warn(stack, webhook):
    result = doctor(stack, "--json", "--write-probe", "--send-test", "--full")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["healthy"] is True
    assert not [f["id"] for f in data["findings"] if f["status"] in ("fail", "warn")]
    ids = {f["id"] for f in data["findings"]}
    assert {"s3.write-probe", "slack.webhook-rejected", "hash.entry-mismatch"} <= ids
    # a check that cannot ask says unknown with the reason, never a pass: moto has no Fargate quota
    quota = next(f for f in data["findings"] if f["id"] == "ecs.fargate-quota")
    assert quota["status"] == "unknown" and quota["evidence"]
    # the test message arrived, and the secret appears nowhere in the output
    assert webhook.messages and "text" in webhook.messages[-1]
    assert webhook.path.rsplit("/", 1)[-1] not in result.output


def test_human_output_is_one_table_and_a_verdict(stack):
    FAULTS["schedule.rule-disabled"].inject(stack)
    result = doctor(stack)
    assert result.exit_code == 1, result.output
    lines = result.stdout.rstrip().splitlines()
    assert lines[-1].startswith("1 finding(s) to act on")
    assert "schedule.rule-disabled" in result.stdout and "brewsync schedule enable" in result.stdout
    assert "runbooks/schedule.md#schedule-rule-disabled" in result.stdout


def test_fix_asks_before_each_remedy(stack):
    FAULTS["schedule.rule-disabled"].inject(stack)
    FAULTS["s3.versioning-off"].inject(stack)
    result = doctor(stack, "--only", "schedule,s3", "--fix", "--json", input="y\nn\n")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout[result.stdout.index("{"):])  # CliRunner echoes the answers on stdout
    applied = {f["id"]: f["applied"] for f in data["fixes"]}
    assert applied == {"schedule.rule-disabled": True, "s3.versioning-off": False}
    still = [f["id"] for f in data["findings"] if f["status"] in ("fail", "warn")]
    assert still == ["s3.versioning-off"]


def test_secret_value_never_printed_even_when_webhook_rejects(stack, webhook):
    FAULTS["slack.webhook-rejected"].inject(stack)
    token = webhook.path.rsplit("/", 1)[-1]
    for args in (["--only", "slack", "--send-test"], ["--only", "slack", "--send-test", "--json"]):
        result = doctor(stack, *args)
        assert result.exit_code == 1
        assert token not in result.output
    env = {"AWS_ENDPOINT_URL": stack.endpoint}
    for args in (["slack", "test"], ["slack", "check", "--send-test"], ["--debug", "slack", "test"]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 1, result.output
        assert token not in result.output


def test_query_filters_json(stack):
    FAULTS["network.egress-dns"].inject(stack)
    result = doctor(stack, "--only", "network", "--query", "findings[?status=='fail'].id")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == ["network.egress-dns"]
