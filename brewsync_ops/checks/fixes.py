"""Safe remedies: each fixable finding id maps to one function that puts the deployment back the
way Terraform defines it. Nothing here deletes data or creates paid resources (NAT, buckets)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from sync_runtime.names import (DEFAULT_SIZE_THRESHOLD_GB, LAMBDA_DEFAULT_MEMORY_MB, LAMBDA_TIMEOUT_SECONDS,
                                Names)

from ._base import Deployment
from .s3 import NEEDED_ACTIONS


@dataclass(frozen=True)
class Remedy:
    description: str
    apply: Callable[[Deployment], str]


# ---- schedule -------------------------------------------------------------------------------

def _function_arn(dep: Deployment) -> str:
    from .schedule import function_arn

    return function_arn(dep)


def put_rule(dep: Deployment, *, expression: str | None = None, enabled: bool | None = None) -> str:
    from .schedule import configured_expression

    events = dep.client("events")
    name = dep.names.schedule_rule
    try:
        current = events.describe_rule(Name=name)
    except Exception:  # noqa: BLE001 - missing: create it as Terraform does
        current = {"State": "ENABLED", "Description": "Weekly Homebrew bottle sync"}
    state = current.get("State", "ENABLED") if enabled is None else ("ENABLED" if enabled else "DISABLED")
    events.put_rule(Name=name, ScheduleExpression=expression or configured_expression(dep.ctx), State=state,
                    Description=current.get("Description") or "Weekly Homebrew bottle sync")
    return f"rule {name}: {expression or configured_expression(dep.ctx)}, {state}"


def put_target(dep: Deployment) -> str:
    dep.client("events").put_targets(Rule=dep.names.schedule_rule, Targets=[{
        "Id": "orchestrator", "Arn": _function_arn(dep), "Input": json.dumps({"source": "schedule"})}])
    return f"target orchestrator → {dep.names.lambda_function}"


def add_permission(dep: Deployment) -> str:
    rule_arn = dep.client("events").describe_rule(Name=dep.names.schedule_rule)["Arn"]
    lam = dep.client("lambda")
    try:
        lam.remove_permission(FunctionName=dep.names.lambda_function, StatementId="AllowEventBridgeInvoke")
    except Exception:  # noqa: BLE001 - not there: fine
        pass
    lam.add_permission(FunctionName=dep.names.lambda_function, StatementId="AllowEventBridgeInvoke",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=rule_arn)
    return f"permission for {rule_arn}"


def create_schedule(dep: Deployment) -> str:
    done = [put_rule(dep), put_target(dep)]
    if dep.function_config() is not None:
        done.append(add_permission(dep))
    return "; ".join(done)


# ---- lambda ---------------------------------------------------------------------------------

def update_function_configuration(dep: Deployment, *, attempts: int = 60, pause: float = 1.0, **kwargs) -> dict:
    """update-function-configuration, one at a time: AWS refuses a second update while the first
    is in progress (ResourceConflictException) — exactly what `doctor --fix` does when timeout,
    memory and routing are all wrong. Wait for LastUpdateStatus to settle, retry on a conflict."""
    import time

    from ._base import error_code

    lam = dep.client("lambda")
    name = dep.names.lambda_function
    for n in range(attempts):
        try:
            status = lam.get_function_configuration(FunctionName=name).get("LastUpdateStatus")
            if status == "InProgress":
                time.sleep(pause)
                continue
            return lam.update_function_configuration(FunctionName=name, **kwargs)
        except Exception as exc:  # noqa: BLE001 - only a conflict is retried
            if error_code(exc) != "ResourceConflictException" or n == attempts - 1:
                raise
            time.sleep(pause)
    raise RuntimeError(f"{name}: an earlier configuration update is still in progress; try again shortly")


def tune_lambda(dep: Deployment, *, timeout: int | None = None, memory: int | None = None) -> str:
    kwargs: dict = {}
    if timeout is not None:
        kwargs["Timeout"] = timeout
    if memory is not None:
        kwargs["MemorySize"] = memory
    update_function_configuration(dep, **kwargs)
    return ", ".join(f"{k}={v}" for k, v in kwargs.items())


def fix_routing(dep: Deployment) -> str:
    cfg = dep.client("lambda").get_function_configuration(FunctionName=dep.names.lambda_function)
    env = dict((cfg.get("Environment") or {}).get("Variables") or {})
    defaults = {"SIZE_THRESHOLD_GB": str(DEFAULT_SIZE_THRESHOLD_GB), "ECS_CLUSTER": dep.names.ecs_cluster,
                "TASK_DEFINITION": dep.names.task_family}
    changed = []
    for key, value in defaults.items():
        bad = not env.get(key)
        if key == "SIZE_THRESHOLD_GB" and not bad:
            try:
                bad = float(env[key]) <= 0
            except ValueError:
                bad = True
        if key == "ECS_CLUSTER" and not bad and env[key] != dep.names.ecs_cluster:
            found = dep.client("ecs").describe_clusters(clusters=[env[key]]).get("clusters", [])
            bad = not any(c.get("status") == "ACTIVE" for c in found)
        if bad:
            env[key] = value
            changed.append(f"{key}={value}")
    if not changed:
        return "nothing to change"
    update_function_configuration(dep, Environment={"Variables": env})
    return "set " + ", ".join(changed) if changed else "nothing to change"


# ---- ecs ------------------------------------------------------------------------------------

def create_cluster(dep: Deployment) -> str:
    dep.client("ecs").create_cluster(clusterName=dep.cluster(),
                                     settings=[{"name": "containerInsights", "value": "enabled"}])
    return f"cluster {dep.cluster()} created"


# ---- s3 -------------------------------------------------------------------------------------

def enable_versioning(dep: Deployment) -> str:
    dep.client("s3").put_bucket_versioning(Bucket=dep.bucket(), VersioningConfiguration={"Status": "Enabled"})
    return f"versioning enabled on {dep.bucket()}"


def block_public_access(dep: Deployment) -> str:
    dep.client("s3").put_public_access_block(Bucket=dep.bucket(), PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    return f"public access blocked on {dep.bucket()}"


def s3_access_policy(bucket: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ListBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation",
                                                              "s3:ListBucketVersions"],
         "Resource": f"arn:aws:s3:::{bucket}"},
        {"Sid": "Objects", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectVersion",
                    "s3:AbortMultipartUpload"],
         "Resource": f"arn:aws:s3:::{bucket}/*"},
    ]}


def s3_policy_name(names: Names) -> str:
    return f"{names.prefix}-s3-access"


def put_role_policies(dep: Deployment) -> str:
    iam = dep.client("iam")
    doc = json.dumps(s3_access_policy(dep.bucket()))
    for role in (dep.names.lambda_role, dep.names.ecs_task_role):
        iam.put_role_policy(RoleName=role, PolicyName=s3_policy_name(dep.names), PolicyDocument=doc)
    return f"policy {s3_policy_name(dep.names)} ({', '.join(a.split(':')[1] for a in NEEDED_ACTIONS)}) on both roles"


# ---- network --------------------------------------------------------------------------------

def allow_egress(dep: Deployment, which: tuple[str, ...] = ("egress-https", "egress-dns")) -> str:
    from .network import EGRESS_RULES, _allows, task_security_groups

    ec2 = dep.client("ec2")
    done = []
    for group in task_security_groups(dep):
        for fid in which:
            proto, port, label = EGRESS_RULES[fid]
            if any(_allows(p, proto, port) for p in group.get("IpPermissionsEgress", [])):
                continue
            ec2.authorize_security_group_egress(GroupId=group["GroupId"], IpPermissions=[{
                "IpProtocol": proto, "FromPort": port, "ToPort": port,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": f"{label} out"}]}])
            done.append(f"{group['GroupId']} {label}")
    return "allowed " + ", ".join(done) if done else "egress already allowed"


def restore_routes(dep: Deployment) -> str:
    from .network import available_nats, route_tables_of, task_subnets, vpc_id

    vpc = vpc_id(dep)
    nats = available_nats(dep, vpc) if vpc else []
    if not nats:
        raise RuntimeError("no available NAT gateway to route through: terraform apply (module network)")
    nat = nats[0]["NatGatewayId"]
    ec2 = dep.client("ec2")
    done = []
    for table in {t["RouteTableId"]: t for t in route_tables_of(dep, vpc, task_subnets(dep)).values()}.values():
        routes = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        if routes and routes[0].get("NatGatewayId") in {n["NatGatewayId"] for n in nats}:
            continue
        if routes:
            ec2.replace_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        else:
            ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        done.append(f"{table['RouteTableId']} → {nat}")
    return ", ".join(done) or "routes already in place"


# ---- monitoring -----------------------------------------------------------------------------

def create_topic(dep: Deployment) -> str:
    arn = dep.client("sns").create_topic(Name=dep.names.sns_topic)["TopicArn"]
    return f"topic {arn}"


def put_alarms(dep: Deployment) -> str:
    from .monitoring import alarm_specs, topic_arn

    topic = topic_arn(dep) or dep.client("sns").create_topic(Name=dep.names.sns_topic)["TopicArn"]
    cw = dep.client("cloudwatch")
    for spec in alarm_specs(dep.names, topic):
        cw.put_metric_alarm(**spec)
    return f"{len(dep.names.alarms)} alarms → {dep.names.sns_topic}"


REMEDIES: dict[str, Remedy] = {
    "schedule.rule-missing": Remedy("create the schedule rule, its target and permission", create_schedule),
    "schedule.rule-disabled": Remedy("enable the schedule rule", lambda d: put_rule(d, enabled=True)),
    "schedule.cron-invalid": Remedy("set the configured schedule expression", put_rule),
    "schedule.cron-mismatch": Remedy("set the configured schedule expression", put_rule),
    "schedule.target-missing": Remedy("target the orchestrator from the rule", put_target),
    "schedule.target-wrong": Remedy("target the orchestrator from the rule", put_target),
    "schedule.permission-missing": Remedy("let EventBridge invoke the orchestrator", add_permission),
    "lambda.timeout-low": Remedy(f"set the timeout to {LAMBDA_TIMEOUT_SECONDS} s",
                                 lambda d: tune_lambda(d, timeout=LAMBDA_TIMEOUT_SECONDS)),
    "lambda.memory-low": Remedy(f"set the memory to {LAMBDA_DEFAULT_MEMORY_MB} MB",
                                lambda d: tune_lambda(d, memory=LAMBDA_DEFAULT_MEMORY_MB)),
    "lambda.routing-invalid": Remedy("restore the default routing settings", fix_routing),
    "ecs.cluster-missing": Remedy("create the ECS cluster", create_cluster),
    "s3.versioning-off": Remedy("enable bucket versioning", enable_versioning),
    "s3.public-access": Remedy("block public access", block_public_access),
    "s3.role-policy-missing": Remedy("grant both roles Get/Put/Delete/List on the bucket", put_role_policies),
    "network.egress-https": Remedy("allow HTTPS egress from the task security group",
                                   lambda d: allow_egress(d, ("egress-https",))),
    "network.egress-dns": Remedy("allow DNS egress from the task security group",
                                 lambda d: allow_egress(d, ("egress-dns",))),
    "network.route-missing": Remedy("route 0.0.0.0/0 of the task subnets through the NAT gateway", restore_routes),
    "monitoring.topic-missing": Remedy("create the alert topic", create_topic),
    "monitoring.alarm-missing": Remedy("create the runbook's alarms", put_alarms),
    "monitoring.alarm-no-action": Remedy("point the alarms at the alert topic", put_alarms),
}
