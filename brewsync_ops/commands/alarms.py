"""`brewsync alarms setup|status`: the runbook's alarms and their SNS topic, as Terraform's
monitoring module creates them (specs in brewsync_ops/checks/monitoring.py).

``setup`` is idempotent: the topic (CreateTopic returns the existing one), the EventBridge rule
that turns a failed worker task into a countable event and a message on the topic, and the four
alarms (PutMetricAlarm overwrites an alarm of the same name). It reports, per resource, whether
it was created, updated (differed from the spec) or already as specified.
"""

from __future__ import annotations

import json
from typing import Any, Optional

import typer

from ._common import JSON_OPT, QUERY_OPT, deployment, preflight

app = typer.Typer(help="The runbook's CloudWatch alarms and their SNS topic.", no_args_is_help=True)

# Fields of a spec compared with describe-alarms to tell "as specified" from "drifted".
_COMPARED = ("Namespace", "MetricName", "Statistic", "Period", "EvaluationPeriods", "DatapointsToAlarm",
             "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmActions", "OKActions",
             "ActionsEnabled", "Dimensions", "AlarmDescription")


def drift(spec: dict, actual: dict | None) -> list[str]:
    """Fields where an existing alarm differs from its spec (pure)."""
    if actual is None:
        return ["missing"]
    out = []
    for key in _COMPARED:
        if key not in spec:
            continue
        want, have = spec[key], actual.get(key)
        if key == "Dimensions":
            want = sorted((d["Name"], d["Value"]) for d in want or [])
            have = sorted((d["Name"], d["Value"]) for d in have or [])
        elif key in ("AlarmActions", "OKActions"):
            want, have = sorted(want or []), sorted(have or [])
        elif key == "Threshold":
            want, have = float(want), float(have) if have is not None else None
        if want != have:
            out.append(key)
    return out


def cluster_arn(dep) -> str:
    cluster = dep.cluster()
    try:
        found = dep.client("ecs").describe_clusters(clusters=[cluster]).get("clusters", [])
        if found and found[0].get("clusterArn"):
            return found[0]["clusterArn"]
    except Exception:  # noqa: BLE001 - the ARN is derivable; the rule works before the cluster exists
        pass
    return f"arn:aws:ecs:{dep.region}:{dep.account_id()}:cluster/{cluster}"


def setup(dep) -> dict:
    """Create or update the topic, the ECS failure rule and every alarm; what changed."""
    from ..checks.monitoring import (alarm_specs, ecs_failure_rule_name, ecs_failure_rule_pattern,
                                     ecs_failure_target, topic_arn)

    names = dep.names
    changes: list[dict] = []
    existing_topic = topic_arn(dep)
    topic = dep.client("sns").create_topic(Name=names.sns_topic)["TopicArn"]
    changes.append({"resource": "sns-topic", "name": names.sns_topic,
                    "action": "unchanged" if existing_topic else "created", "arn": topic})

    events = dep.client("events")
    rule = ecs_failure_rule_name(names)
    pattern = ecs_failure_rule_pattern(cluster_arn(dep))
    description = "brewsync: a worker task failed to start or exited non-zero"
    try:
        current = events.describe_rule(Name=rule)
    except Exception as exc:  # noqa: BLE001
        from ..checks._base import is_not_found

        if not is_not_found(exc):
            raise
        current = None
    same_rule = bool(current) and _same_json(current.get("EventPattern"), pattern) and current.get("State") == "ENABLED"
    if not same_rule:
        events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED", Description=description)
    target = ecs_failure_target(topic)
    targets = events.list_targets_by_rule(Rule=rule).get("Targets", [])
    same_target = any(t.get("Id") == target["Id"] and t.get("Arn") == topic
                      and t.get("InputTransformer", {}).get("InputTemplate") == target["InputTransformer"]["InputTemplate"]
                      for t in targets)
    if not same_target:
        events.put_targets(Rule=rule, Targets=[target])
    changes.append({"resource": "events-rule", "name": rule,
                    "action": "created" if current is None else ("unchanged" if same_rule and same_target else "updated")})

    cw = dep.client("cloudwatch")
    specs = alarm_specs(names, topic)
    found = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=[s["AlarmName"] for s in specs]).get("MetricAlarms", [])}
    for spec in specs:
        diff = drift(spec, found.get(spec["AlarmName"]))
        if diff:
            cw.put_metric_alarm(**spec)
        changes.append({"resource": "alarm", "name": spec["AlarmName"],
                        "action": "created" if diff == ["missing"] else ("updated" if diff else "unchanged"),
                        **({"differed": diff} if diff and diff != ["missing"] else {})})
    return {"topic": topic, "changes": changes,
            "changed": sum(1 for c in changes if c["action"] != "unchanged")}


def _same_json(text: str | None, want: dict) -> bool:
    try:
        return json.loads(text or "null") == want
    except ValueError:
        return False


def status(dep) -> dict:
    """Every runbook alarm: state, reason, whether it matches its spec; the topic's subscribers."""
    from ..checks.monitoring import alarm_specs, topic_arn

    names = dep.names
    topic = topic_arn(dep)
    subs: list[dict] = []
    if topic:
        subs = dep.client("sns").list_subscriptions_by_topic(TopicArn=topic).get("Subscriptions", [])
    specs = alarm_specs(names, topic or f"arn:aws:sns:{dep.region}:{dep.account_id()}:{names.sns_topic}")
    cw = dep.client("cloudwatch")
    found = {a["AlarmName"]: a for a in cw.describe_alarms(AlarmNames=[s["AlarmName"] for s in specs]).get("MetricAlarms", [])}
    alarms: list[dict[str, Any]] = []
    for spec in specs:
        actual = found.get(spec["AlarmName"])
        diff = drift(spec, actual)
        alarms.append({
            "name": spec["AlarmName"], "exists": actual is not None,
            "state": actual.get("StateValue") if actual else None,
            "reason": (actual or {}).get("StateReason"),
            "since": str((actual or {}).get("StateUpdatedTimestamp") or "") or None,
            "metric": f"{spec['Namespace']}/{spec['MetricName']}",
            "condition": f"{spec['Statistic']} {_op(spec['ComparisonOperator'])} {spec['Threshold']:g} "
                         f"over {spec['EvaluationPeriods']}×{spec['Period']}s",
            "matches_spec": not diff, "differs": [] if diff == ["missing"] else diff,
        })
    return {"topic": topic, "subscriptions": [{"protocol": s.get("Protocol"), "endpoint": s.get("Endpoint"),
                                               "confirmed": s.get("SubscriptionArn", "").startswith("arn:")}
                                              for s in subs],
            "alarms": alarms,
            "healthy": bool(topic) and all(a["exists"] and a["matches_spec"] for a in alarms)
                       and any(s.get("SubscriptionArn", "").startswith("arn:") for s in subs)}


def _op(op: str) -> str:
    return {"GreaterThanOrEqualToThreshold": ">=", "GreaterThanThreshold": ">", "LessThanThreshold": "<",
            "LessThanOrEqualToThreshold": "<="}.get(op, op)


@app.command("setup")
def setup_command(ctx: typer.Context,
                  dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would change."),
                  as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Create or update the alert topic, the ECS failure rule and the four alarms (idempotent)."""
    from ..render import check_query, emit_json, stdout_console, table

    check_query(query)
    dep = deployment(ctx)
    preflight(dep)
    if dry_run:
        data = status(dep)
        plan = [{"name": a["name"], "would": "create" if not a["exists"] else ("update" if a["differs"] else "keep"),
                 "differs": a["differs"]} for a in data["alarms"]]
        result = {"dry_run": True, "topic": data["topic"], "alarms": plan}
        if as_json or query:
            emit_json(result, query)
        else:
            stdout_console().print(table("alarms setup --dry-run", ["alarm", "would", "differs"],
                                         [[p["name"], p["would"], ", ".join(p["differs"])] for p in plan]))
        return
    result = setup(dep)
    if as_json or query:
        emit_json(result, query)
        return
    console = stdout_console()
    console.print(table("alarms setup", ["resource", "name", "action", "differed"],
                        [[c["resource"], c["name"], c["action"], ", ".join(c.get("differed", []))]
                         for c in result["changes"]]))
    console.print(f"{result['changed']} change(s); alarms notify {result['topic']}")
    if not status(dep)["subscriptions"]:
        console.print(f"nobody is subscribed yet: aws sns subscribe --topic-arn {result['topic']} "
                      "--protocol email --notification-endpoint you@example.com")


@app.command("status")
def status_command(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """State of every runbook alarm and whether it matches its spec; exit 1 when one is missing,
    differs, fires, or nobody is subscribed."""
    from ..exit_codes import ExitCode
    from ..render import check_query, emit_json, stdout_console, table

    check_query(query)
    dep = deployment(ctx)
    preflight(dep)
    data = status(dep)
    firing = [a["name"] for a in data["alarms"] if a["state"] == "ALARM"]
    if as_json or query:
        emit_json(data, query)
    else:
        style = {"OK": "green", "ALARM": "bold red", "INSUFFICIENT_DATA": "yellow", None: "magenta"}
        console = stdout_console()
        rows = [[a["name"], f"[{style.get(a['state'], '')}]{a['state'] or 'missing'}[/]", a["metric"], a["condition"],
                 "yes" if a["matches_spec"] else ("—" if not a["exists"] else "no: " + ", ".join(a["differs"])),
                 a["reason"] or ""] for a in data["alarms"]]
        from rich.table import Table

        t = Table(title="alarms", title_justify="left")
        for col in ("alarm", "state", "metric", "condition", "as specified", "reason"):
            t.add_column(col, overflow="fold")
        for r in rows:
            t.add_row(*r)
        console.print(t)
        subs = data["subscriptions"]
        console.print(f"topic: {data['topic'] or 'missing'}; {sum(s['confirmed'] for s in subs)} confirmed "
                      f"subscriber(s) of {len(subs)}")
        if not data["healthy"]:
            console.print("fix: brewsync alarms setup   (and subscribe someone to the topic)")
    if not data["healthy"] or firing:
        raise typer.Exit(int(ExitCode.FINDINGS))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="alarms")

