"""`brewsync alarms setup|status` on the moto server: idempotent, the same alarms Terraform's
monitoring module creates, and doctor's monitoring area clean afterwards."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from brewsync_ops.checks.monitoring import (DURATION_ALARM_PERCENT, STALE_AFTER_DAYS, STALE_METRIC, alarm_specs,
                                            ecs_failure_rule_name)
from brewsync_ops.cli import app
from brewsync_ops.devstack.stack import clients, provision, reset_moto
from sync_runtime.names import LAMBDA_TIMEOUT_SECONDS, METRICS_NAMESPACE, Names
from tests.terraform.tfhelpers import TERRAFORM, dir_blocks, load_tf, typed_blocks

N = Names()


@pytest.fixture
def stack(moto_server):
    reset_moto(moto_server)
    info = provision(moto_server)
    cw = clients(moto_server)("cloudwatch")
    cw.delete_alarms(AlarmNames=list(N.alarms))  # start with none: setup creates them
    return info


def cli(stack, *args):
    return CliRunner().invoke(app, list(args), env={"AWS_ENDPOINT_URL": stack.endpoint,
                                                    "BREWSYNC_BUCKET": stack.bucket})


def alarm_set(endpoint) -> dict:
    alarms = clients(endpoint)("cloudwatch").describe_alarms(AlarmNamePrefix=N.prefix)["MetricAlarms"]
    keep = ("Namespace", "MetricName", "Statistic", "Period", "Threshold", "ComparisonOperator", "AlarmActions")
    return {a["AlarmName"]: {k: a.get(k) for k in keep} for a in alarms}


def test_setup_is_idempotent_and_doctor_monitoring_is_then_clean(stack):
    before = cli(stack, "alarms", "status", "--json")
    assert before.exit_code == 1
    assert not any(a["exists"] for a in json.loads(before.stdout)["alarms"])

    first = cli(stack, "alarms", "setup", "--json")
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert {c["name"]: c["action"] for c in data["changes"] if c["resource"] == "alarm"} == {
        n: "created" for n in N.alarms}
    after_first = alarm_set(stack.endpoint)
    assert set(after_first) == set(N.alarms)

    second = cli(stack, "alarms", "setup", "--json")
    assert second.exit_code == 0, second.output
    data = json.loads(second.stdout)
    assert data["changed"] == 0 and {c["action"] for c in data["changes"]} == {"unchanged"}
    assert alarm_set(stack.endpoint) == after_first

    rule = clients(stack.endpoint)("events").describe_rule(Name=ecs_failure_rule_name(N))
    assert json.loads(rule["EventPattern"])["detail"]["lastStatus"] == ["STOPPED"]
    targets = clients(stack.endpoint)("events").list_targets_by_rule(Rule=ecs_failure_rule_name(N))["Targets"]
    assert [t["Arn"] for t in targets] == [stack.topic_arn]

    status = cli(stack, "alarms", "status", "--json")
    assert status.exit_code == 0, status.output
    st = json.loads(status.stdout)
    assert st["healthy"] and all(a["matches_spec"] for a in st["alarms"])

    doctor = cli(stack, "doctor", "--only", "monitoring", "--json")
    assert doctor.exit_code == 0, doctor.output
    assert json.loads(doctor.stdout)["healthy"] is True


def test_setup_repairs_drift_and_a_missing_topic(stack):
    assert cli(stack, "alarms", "setup").exit_code == 0
    cw = clients(stack.endpoint)("cloudwatch")
    spec = next(s for s in alarm_specs(N, stack.topic_arn) if s["AlarmName"] == N.alarm_lambda_duration)
    cw.put_metric_alarm(**{**spec, "Threshold": 1.0, "AlarmActions": []})
    status = cli(stack, "alarms", "status")
    assert status.exit_code == 1
    assert "no: " in status.stdout and "Threshold" in status.stdout
    dry = cli(stack, "alarms", "setup", "--dry-run", "--json")
    assert {a["name"]: a["would"] for a in json.loads(dry.stdout)["alarms"]}[N.alarm_lambda_duration] == "update"
    fixed = cli(stack, "alarms", "setup", "--json")
    changes = {c["name"]: c for c in json.loads(fixed.stdout)["changes"]}
    assert changes[N.alarm_lambda_duration]["action"] == "updated"
    assert set(changes[N.alarm_lambda_duration]["differed"]) == {"Threshold", "AlarmActions"}
    assert cli(stack, "alarms", "status").exit_code == 0

    sns = clients(stack.endpoint)("sns")
    sns.delete_topic(TopicArn=stack.topic_arn)
    again = cli(stack, "alarms", "setup", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["changes"][0]["action"] == "created"


# ---- the specs are Terraform's alarms -----------------------------------------------------------

def _terraform_alarms() -> dict:
    return {t.name: t.body for t in typed_blocks(TERRAFORM / "modules/monitoring", "resource")
            if t.type == "aws_cloudwatch_metric_alarm"}


def _default(blocks: dict, name: str):
    return blocks[name]["default"]


def test_specs_match_terraform_monitoring_module():
    tf = _terraform_alarms()
    module_vars = dir_blocks(TERRAFORM / "modules/monitoring", "variable")
    root_vars = dir_blocks(TERRAFORM, "variable")
    assert _default(module_vars, "duration_alarm_percent") == DURATION_ALARM_PERCENT
    assert _default(module_vars, "stale_metric_name") == STALE_METRIC
    assert _default(root_vars, "stale_after_days") == STALE_AFTER_DAYS
    assert _default(root_vars, "stale_metric_dimensions") == {}
    assert _default(module_vars, "metrics_namespace") == METRICS_NAMESPACE
    values = {"var.duration_alarm_percent": DURATION_ALARM_PERCENT, "var.lambda_timeout_seconds": LAMBDA_TIMEOUT_SECONDS,
              "var.metrics_namespace": METRICS_NAMESPACE, "var.stale_metric_name": STALE_METRIC,
              "var.stale_after_days": STALE_AFTER_DAYS, "local.duration_threshold_ms":
                  LAMBDA_TIMEOUT_SECONDS * 1000 * DURATION_ALARM_PERCENT / 100,
              "100 - var.duration_alarm_percent": 100 - DURATION_ALARM_PERCENT}

    def ev(v):
        if isinstance(v, str):
            whole = re.fullmatch(r"\$\{([^{}]*)\}", v)
            if whole and whole.group(1) in values:
                return values[whole.group(1)]
            return re.sub(r"\$\{([^{}]*)\}", lambda m: str(values[m.group(1)]), v)
        return v

    key_of = {"lambda_errors": N.alarm_lambda_errors, "ecs_failures": N.alarm_ecs_failures,
              "lambda_duration": N.alarm_lambda_duration, "stale_mirror": N.alarm_stale_mirror}
    specs = {s["AlarmName"]: s for s in alarm_specs(N, "arn:aws:sns:us-east-1:123456789012:t")}
    assert set(tf) == set(key_of) and set(specs) == set(N.alarms)
    dim_values = {"${var.function_name}": N.lambda_function,
                  "${aws_cloudwatch_event_rule.ecs_failures.name}": ecs_failure_rule_name(N)}
    for key, body in tf.items():
        spec = specs[key_of[key]]
        assert ev(body["namespace"]) == spec["Namespace"], key
        assert ev(body["metric_name"]) == spec["MetricName"], key
        assert body["statistic"] == spec["Statistic"], key
        assert body["period"] == spec["Period"], key
        assert ev(body["evaluation_periods"]) == spec["EvaluationPeriods"], key
        assert ev(body.get("datapoints_to_alarm")) == spec.get("DatapointsToAlarm"), key
        assert float(ev(body["threshold"])) == float(spec["Threshold"]), key
        assert body["comparison_operator"] == spec["ComparisonOperator"], key
        assert body["treat_missing_data"] == spec["TreatMissingData"], key
        assert ev(body["alarm_description"]) == spec["AlarmDescription"], key
        dims = body.get("dimensions")
        want = {d["Name"]: d["Value"] for d in spec["Dimensions"]}
        if isinstance(dims, dict):
            assert {k: dim_values[v] for k, v in dims.items()} == want, key
        else:  # stale mirror: none with the default {} dimensions
            assert want == {}, key
    names_tf = load_tf(TERRAFORM / "names.tf")["locals"][0]["names"]
    assert names_tf["ecs_failure_rule"] == "${var.prefix}-ecs-task-failed"
    assert ecs_failure_rule_name(N) == f"{N.prefix}-ecs-task-failed"
