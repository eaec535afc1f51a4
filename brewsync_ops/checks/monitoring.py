"""Monitoring checks: the runbook's alarms exist and notify the alert topic, which has subscribers.

``alarm_specs`` is the one Python definition of those alarms, identical to what Terraform's
monitoring module creates: the dev stack creates them from it, `brewsync alarms setup` and the
`--fix` remedy (re)create them from it.
"""

from __future__ import annotations

from sync_runtime.names import LAMBDA_TIMEOUT_SECONDS, METRICS_NAMESPACE, Names

from ..findings import Finding, Status
from ._base import CheckOptions, attempt, call, finding, guarded

AREA = "monitoring"


# Terraform's monitoring module (terraform/modules/monitoring/main.tf) with the root module's
# defaults: the same names, metrics, statistics, periods, thresholds and descriptions. ECS
# publishes no "task failed" metric: an EventBridge rule matches failed worker tasks and the
# alarm counts its matches (AWS/Events MatchedEvents). tests/integration/test_alarms_cli.py
# compares these specs with the Terraform source.
DURATION_ALARM_PERCENT = 80
STALE_AFTER_DAYS = 7
STALE_METRIC = "SyncDuration"
PERIOD_SECONDS = 300


def ecs_failure_rule_name(names: Names) -> str:
    """Terraform's ``local.extra_names.ecs_failure_rule``."""
    return names.ecs_failure_rule


def ecs_failure_rule_pattern(cluster_arn: str) -> dict:
    """Stopped worker tasks of this cluster that failed to start or exited non-zero."""
    return {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        "detail": {
            "clusterArn": [cluster_arn],
            "lastStatus": ["STOPPED"],
            "$or": [
                {"stopCode": ["TaskFailedToStart"]},
                {"containers": {"exitCode": [{"anything-but": 0}]}},
            ],
        },
    }


def ecs_failure_target(topic_arn: str) -> dict:
    """put_targets entry: the failure rule tells the alerts topic which task stopped and why."""
    return {
        "Id": "alerts-topic",
        "Arn": topic_arn,
        "InputTransformer": {
            "InputPathsMap": {"task": "$.detail.taskArn", "group": "$.detail.group",
                              "reason": "$.detail.stoppedReason"},
            "InputTemplate": '"brewsync worker task <task> (<group>) stopped: <reason>. See runbooks/ecs.md."',
        },
    }


def alarm_specs(names: Names, topic_arn: str) -> list[dict]:
    """put_metric_alarm keyword arguments of every alarm of a deployment (as Terraform creates them)."""
    fn = [{"Name": "FunctionName", "Value": names.lambda_function}]
    common = {"AlarmActions": [topic_arn], "OKActions": [topic_arn], "ActionsEnabled": True}
    duration_ms = LAMBDA_TIMEOUT_SECONDS * 1000 * DURATION_ALARM_PERCENT / 100
    return [
        dict(AlarmName=names.alarm_lambda_errors,
             AlarmDescription="The orchestrator raised an error. See runbooks/lambda.md.",
             Namespace="AWS/Lambda", MetricName="Errors", Dimensions=fn, Statistic="Sum", Period=PERIOD_SECONDS,
             EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
             TreatMissingData="notBreaching", **common),
        dict(AlarmName=names.alarm_ecs_failures,
             AlarmDescription="A worker task failed to start or exited non-zero. See runbooks/ecs.md.",
             Namespace="AWS/Events", MetricName="MatchedEvents",
             Dimensions=[{"Name": "RuleName", "Value": ecs_failure_rule_name(names)}], Statistic="Sum",
             Period=PERIOD_SECONDS, EvaluationPeriods=1, Threshold=1,
             ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching", **common),
        dict(AlarmName=names.alarm_lambda_duration,
             AlarmDescription=(f"An orchestrator run came within {100 - DURATION_ALARM_PERCENT}% of its "
                               f"{LAMBDA_TIMEOUT_SECONDS}s timeout: it should hand work to ECS sooner. "
                               "See runbooks/lambda.md."),
             Namespace="AWS/Lambda", MetricName="Duration", Dimensions=fn, Statistic="Maximum",
             Period=PERIOD_SECONDS, EvaluationPeriods=1, Threshold=duration_ms,
             ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching", **common),
        dict(AlarmName=names.alarm_stale_mirror,
             AlarmDescription=(f"No completed sync ({METRICS_NAMESPACE}/{STALE_METRIC}) for {STALE_AFTER_DAYS} "
                               "days. See runbooks/schedule.md."),
             Namespace=METRICS_NAMESPACE, MetricName=STALE_METRIC, Dimensions=[], Statistic="SampleCount",
             Period=86400, EvaluationPeriods=STALE_AFTER_DAYS, DatapointsToAlarm=STALE_AFTER_DAYS, Threshold=1,
             ComparisonOperator="LessThanThreshold", TreatMissingData="breaching", **common),
    ]


def topic_arn(dep) -> str | None:
    sns = dep.client("sns")
    want = f":{dep.names.sns_topic}"
    kwargs: dict = {}
    for _ in range(20):
        page = call(sns.list_topics, "sns list-topics", **kwargs)
        for t in page.get("Topics", []):
            if t["TopicArn"].endswith(want):
                return t["TopicArn"]
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]
    return None


@guarded(AREA, "monitoring.alarm-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    out: list[Finding] = []
    topic = None
    topic_findings = attempt(AREA, "topic-missing", lambda: _topic(dep))
    out += topic_findings
    topic = next((f.details.get("topic") for f in topic_findings if f.details.get("topic")), None)
    out += attempt(AREA, "alarm-missing", lambda: _alarms(dep, topic))
    return out


def _topic(dep) -> list[Finding]:
    arn = topic_arn(dep)
    if arn is None:
        return [finding(AREA, "topic-missing", Status.FAIL, f"alert topic {dep.names.sns_topic} does not exist",
                        fix="brewsync doctor --only monitoring --fix")]
    subs = call(dep.client("sns").list_subscriptions_by_topic, "sns list-subscriptions-by-topic",
                TopicArn=arn).get("Subscriptions", [])
    live = [s for s in subs if s.get("SubscriptionArn", "").startswith("arn:")]
    return [
        finding(AREA, "topic-missing", Status.OK, f"alert topic {dep.names.sns_topic} exists", topic=arn),
        finding(AREA, "no-subscribers", Status.OK if live else Status.WARN,
                f"{len(live)} confirmed subscriber(s)" if live else "nobody is subscribed to the alert topic: alarms go nowhere",
                evidence=f"{len(subs)} subscription(s), {len(live)} confirmed",
                fix=f"aws sns subscribe --topic-arn {arn} --protocol email --notification-endpoint you@example.com"),
    ]


def _alarms(dep, topic: str | None) -> list[Finding]:
    cw = dep.client("cloudwatch")
    wanted = list(dep.names.alarms)
    found = call(cw.describe_alarms, "cloudwatch describe-alarms", AlarmNames=wanted).get("MetricAlarms", [])
    by_name = {a["AlarmName"]: a for a in found}
    missing = [n for n in wanted if n not in by_name]
    out = [finding(AREA, "alarm-missing", Status.FAIL if missing else Status.OK,
                   f"{len(missing)} runbook alarm(s) missing" if missing else f"all {len(wanted)} alarms exist",
                   evidence=", ".join(missing) if missing else ", ".join(f"{a['AlarmName']}={a.get('StateValue')}" for a in found),
                   fix="brewsync doctor --only monitoring --fix")]
    silent = [n for n, a in by_name.items() if not a.get("ActionsEnabled", True)
              or (topic and topic not in a.get("AlarmActions", []))]
    out.append(finding(AREA, "alarm-no-action", Status.WARN if silent else Status.OK,
                       "alarm(s) do not notify the alert topic" if silent else "alarms notify the alert topic",
                       evidence=", ".join(silent), fix="brewsync doctor --only monitoring --fix"))
    firing = [n for n, a in by_name.items() if a.get("StateValue") == "ALARM"]
    if firing:
        out.append(finding(AREA, "alarm-firing", Status.WARN, f"{len(firing)} alarm(s) in ALARM",
                           evidence=", ".join(firing), fix="brewsync alarms status  (each alarm names its runbook)"))
    return out
