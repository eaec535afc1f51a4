"""Schedule checks: the weekly EventBridge rule, its target, the permission, recent runs."""

from __future__ import annotations

import json

from sync_runtime.names import SCHEDULE_EXPRESSION

from ..findings import Finding, Status
from ._base import CheckOptions, attempt, call, finding, guarded, is_not_found, log_events
from .cron import validate_schedule

AREA = "schedule"
RECENT_DAYS = 8


def configured_expression(ctx) -> str:
    return (getattr(ctx, "terraform_outputs", None) or {}).get("schedule_expression") or SCHEDULE_EXPRESSION


def function_arn(dep) -> str:
    cfg = dep.function_config()
    if cfg:
        return cfg["FunctionArn"]
    return f"arn:aws:lambda:{dep.region}:{dep.account_id()}:function:{dep.names.lambda_function}"


@guarded(AREA, "schedule.rule-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    names = dep.names
    events = dep.client("events")
    try:
        rule = call(events.describe_rule, "events describe-rule", Name=names.schedule_rule)
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc):
            return [finding(AREA, "rule-missing", Status.FAIL, f"rule {names.schedule_rule} does not exist",
                            evidence="events describe-rule: ResourceNotFoundException",
                            fix="brewsync doctor --only schedule --fix")]
        raise
    out = [finding(AREA, "rule-missing", Status.OK, f"rule {names.schedule_rule} exists")]

    state = rule.get("State")
    out.append(finding(
        AREA, "rule-disabled", Status.OK if state == "ENABLED" else Status.FAIL,
        "rule is enabled" if state == "ENABLED" else "the schedule rule is disabled: no weekly sync runs",
        evidence=f"State={state}", fix="brewsync schedule enable"))

    expr = rule.get("ScheduleExpression")
    want = configured_expression(ctx)
    problem = validate_schedule(expr)
    out.append(finding(
        AREA, "cron-invalid", Status.FAIL if problem else Status.OK,
        f"schedule expression is invalid: {problem}" if problem else "schedule expression is valid",
        evidence=f"ScheduleExpression={expr}", fix=f"brewsync schedule set-cron '{want}'"))
    if not problem:
        same = expr == want
        out.append(finding(
            AREA, "cron-mismatch", Status.OK if same else Status.WARN,
            "schedule is the configured one" if same else f"schedule {expr} differs from the configured {want}",
            evidence=f"ScheduleExpression={expr}", fix=f"brewsync schedule set-cron '{want}'"))

    out += attempt(AREA, "target-missing", lambda: _targets(dep, events))
    out += attempt(AREA, "permission-missing", lambda: _permission(dep, rule["Arn"]))
    out += attempt(AREA, "no-recent-invocation", lambda: _recent(dep, opts))
    return out


def _targets(dep, events) -> list[Finding]:
    targets = call(events.list_targets_by_rule, "events list-targets-by-rule",
                   Rule=dep.names.schedule_rule).get("Targets", [])
    if not targets:
        return [finding(AREA, "target-missing", Status.FAIL, "the rule has no target: it fires into nothing",
                        evidence="list-targets-by-rule: []", fix="brewsync doctor --only schedule --fix")]
    out = [finding(AREA, "target-missing", Status.OK, f"rule has {len(targets)} target(s)")]
    want = function_arn(dep)
    arns = [t.get("Arn", "") for t in targets]
    good = any(a == want or a.startswith(want + ":") for a in arns)
    out.append(finding(AREA, "target-wrong", Status.OK if good else Status.FAIL,
                       "the orchestrator is a target" if good else "no target is the orchestrator function",
                       evidence="targets: " + ", ".join(arns), fix="brewsync doctor --only schedule --fix"))
    return out


def _permission(dep, rule_arn: str) -> Finding | None:
    if dep.function_config() is None:
        return None  # lambda.function-missing says it
    lam = dep.client("lambda")
    try:
        policy = json.loads(call(lam.get_policy, "lambda get-policy",
                                 FunctionName=dep.names.lambda_function)["Policy"])
    except Exception as exc:  # noqa: BLE001
        if not is_not_found(exc):
            raise
        policy = {"Statement": []}
    for st in policy.get("Statement", []):
        principal = st.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else principal
        if st.get("Effect", "Allow") != "Allow" or "events.amazonaws.com" not in str(service):
            continue
        if "lambda:InvokeFunction" not in str(st.get("Action")) and "lambda:*" not in str(st.get("Action")):
            continue
        source = (st.get("Condition", {}).get("ArnLike", {}) or {}).get("AWS:SourceArn")
        if source in (None, rule_arn) or (isinstance(source, str) and source.endswith("*")):
            return finding(AREA, "permission-missing", Status.OK, "EventBridge may invoke the function",
                           evidence=f"statement {st.get('Sid')}")
    return finding(AREA, "permission-missing", Status.FAIL,
                   "EventBridge has no permission to invoke the orchestrator: the rule fires, nothing runs",
                   evidence=f"no lambda:InvokeFunction statement for events.amazonaws.com / {rule_arn}",
                   fix="brewsync doctor --only schedule --fix")


def _recent(dep, opts: CheckOptions) -> Finding | None:
    if dep.function_config() is None:
        return None
    group = dep.names.lambda_log_group
    reports = log_events(dep, group, "REPORT", hours=RECENT_DAYS * 24, now=opts.clock(), limit=200)
    timeouts = {e.get("logStreamName") for e in log_events(dep, group, '"Task timed out"',
                                                           hours=RECENT_DAYS * 24, now=opts.clock(), limit=200)}
    ok = [e for e in reports if e.get("logStreamName") not in timeouts]
    if ok:
        last = max(e["timestamp"] for e in ok)
        from datetime import datetime, timezone

        when = datetime.fromtimestamp(last / 1000, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return finding(AREA, "no-recent-invocation", Status.OK, f"last successful run {when}",
                       evidence=f"{len(ok)} REPORT line(s) in {RECENT_DAYS} days")
    return finding(AREA, "no-recent-invocation", Status.FAIL,
                   f"no successful orchestrator run in the last {RECENT_DAYS} days",
                   evidence=f"{len(reports)} REPORT line(s), {len(timeouts)} timed-out stream(s) in {group}",
                   fix=f"brewsync trigger  (then: aws logs filter-log-events --log-group-name {group})")
