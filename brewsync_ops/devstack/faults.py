"""Every runbook fault, injectable into the dev stack: ``FAULTS[name].inject(stack)``.

A fault's name is the finding id `brewsync doctor` reports for it (``schedule.rule-disabled``),
so ``brewsync dev break schedule.rule-disabled`` → ``brewsync doctor`` shows exactly that row.
``fixable`` says whether ``doctor --fix`` has a safe remedy for it. A few ECS faults reach into
moto's in-process state (a real exit code, a task stuck in PENDING): those run where the moto
server runs (the `dev up` process, or a test's in-process server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sync_runtime.names import INDEX_KEY

from .stack import StackInfo, clients, lambda_report_lines, put_log_lines, write_index_and_bottles


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    inject: Callable[[StackInfo], None]
    fixable: bool = False

    @property
    def area(self) -> str:
        return self.name.split(".", 1)[0]


FAULTS: dict[str, Fault] = {}


def fault(name: str, description: str, fixable: bool = False):
    def deco(fn: Callable[[StackInfo], None]) -> Callable[[StackInfo], None]:
        FAULTS[name] = Fault(name, description, fn, fixable)
        return fn

    return deco


def _c(stack: StackInfo):
    return clients(stack.endpoint, stack.region)


def _now() -> datetime:
    return datetime.now(timezone.utc)


# ---- schedule -------------------------------------------------------------------------------

@fault("schedule.rule-missing", "delete the weekly EventBridge rule (and its target)", fixable=True)
def _rule_missing(stack):
    ev = _c(stack)("events")
    ev.remove_targets(Rule=stack.names.schedule_rule, Ids=["orchestrator"])
    ev.delete_rule(Name=stack.names.schedule_rule)


@fault("schedule.rule-disabled", "disable the weekly EventBridge rule", fixable=True)
def _rule_disabled(stack):
    _c(stack)("events").disable_rule(Name=stack.names.schedule_rule)


@fault("schedule.cron-invalid", "set an invalid cron (both day fields set) that moto accepts", fixable=True)
def _cron_invalid(stack):
    _c(stack)("events").put_rule(Name=stack.names.schedule_rule, ScheduleExpression="cron(0 3 * * SUN *)",
                                 State="ENABLED")


@fault("schedule.cron-mismatch", "set a valid cron that is not the configured one", fixable=True)
def _cron_mismatch(stack):
    _c(stack)("events").put_rule(Name=stack.names.schedule_rule, ScheduleExpression="cron(0 4 ? * MON *)",
                                 State="ENABLED")


@fault("schedule.target-missing", "remove the rule's target", fixable=True)
def _target_missing(stack):
    _c(stack)("events").remove_targets(Rule=stack.names.schedule_rule, Ids=["orchestrator"])


@fault("schedule.target-wrong", "point the rule at another function", fixable=True)
def _target_wrong(stack):
    ev = _c(stack)("events")
    ev.remove_targets(Rule=stack.names.schedule_rule, Ids=["orchestrator"])
    ev.put_targets(Rule=stack.names.schedule_rule, Targets=[{
        "Id": "old", "Arn": stack.function_arn.replace(stack.names.lambda_function, "homebrew-sync-legacy")}])


@fault("schedule.permission-missing", "remove EventBridge's permission to invoke the orchestrator", fixable=True)
def _permission_missing(stack):
    _c(stack)("lambda").remove_permission(FunctionName=stack.names.lambda_function,
                                          StatementId="AllowEventBridgeInvoke")


@fault("schedule.no-recent-invocation", "erase the orchestrator's run history (no run in 8 days)")
def _no_recent(stack):
    logs = _c(stack)("logs")
    group = stack.names.lambda_log_group
    for s in logs.describe_log_streams(logGroupName=group).get("logStreams", []):
        logs.delete_log_stream(logGroupName=group, logStreamName=s["logStreamName"])


# ---- lambda ---------------------------------------------------------------------------------

@fault("lambda.function-missing", "delete the orchestrator function")
def _function_missing(stack):
    _c(stack)("lambda").delete_function(FunctionName=stack.names.lambda_function)


@fault("lambda.timeout-low", "set the orchestrator timeout to 300 s", fixable=True)
def _timeout_low(stack):
    _c(stack)("lambda").update_function_configuration(FunctionName=stack.names.lambda_function, Timeout=300)


@fault("lambda.memory-low", "set the orchestrator memory to 512 MB", fixable=True)
def _memory_low(stack):
    _c(stack)("lambda").update_function_configuration(FunctionName=stack.names.lambda_function, MemorySize=512)


@fault("lambda.timed-out", "log a run that ended with 'Task timed out'")
def _timed_out(stack):
    rid = "99999999-0000-0000-0000-000000000001"
    lines = [f"START RequestId: {rid} Version: $LATEST",
             f"{_now():%Y-%m-%dT%H:%M:%S.000Z} {rid} Task timed out after 900.00 seconds",
             f"END RequestId: {rid}"] + lambda_report_lines(rid, 900000.0)[2:]
    put_log_lines(_c(stack), stack.names.lambda_log_group, "2026/01/02/[$LATEST]timeout", lines,
                  _now() - timedelta(hours=2))


@fault("lambda.duration-near-timeout", "log a run that took 91 % of the timeout")
def _near_timeout(stack):
    put_log_lines(_c(stack), stack.names.lambda_log_group, "2026/01/02/[$LATEST]slow",
                  lambda_report_lines("99999999-0000-0000-0000-000000000002", 820000.0), _now() - timedelta(hours=3))


@fault("lambda.errors", "record 3 orchestrator errors in the last hour")
def _errors(stack):
    _c(stack)("cloudwatch").put_metric_data(Namespace="AWS/Lambda", MetricData=[{
        "MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": stack.names.lambda_function}],
        "Value": 3, "Unit": "Count", "Timestamp": _now() - timedelta(minutes=30)}])


@fault("lambda.routing-invalid", "break the routing settings (threshold not a number, no task definition)",
       fixable=True)
def _routing(stack):
    lam = _c(stack)("lambda")
    env = lam.get_function_configuration(FunctionName=stack.names.lambda_function)["Environment"]["Variables"]
    env["SIZE_THRESHOLD_GB"] = "twenty"
    env.pop("TASK_DEFINITION", None)
    lam.update_function_configuration(FunctionName=stack.names.lambda_function, Environment={"Variables": env})


# ---- ecs ------------------------------------------------------------------------------------

@fault("ecs.cluster-missing", "delete the ECS cluster", fixable=True)
def _cluster_missing(stack):
    _c(stack)("ecs").delete_cluster(cluster=stack.names.ecs_cluster)


@fault("ecs.task-definition-missing", "deregister every revision of the worker task definition")
def _taskdef_missing(stack):
    ecs = _c(stack)("ecs")
    for arn in ecs.list_task_definitions(familyPrefix=stack.names.task_family)["taskDefinitionArns"]:
        ecs.deregister_task_definition(taskDefinition=arn)


@fault("ecs.image-missing", "delete the worker image from ECR")
def _image_missing(stack):
    _c(stack)("ecr").batch_delete_image(repositoryName=stack.names.ecr_repository, imageIds=[{"imageTag": "latest"}])


def _run_task(stack) -> str:
    ecs = _c(stack)("ecs")
    task = ecs.run_task(cluster=stack.names.ecs_cluster, taskDefinition=stack.names.task_family, launchType="FARGATE",
                        networkConfiguration={"awsvpcConfiguration": {"subnets": stack.private_subnets,
                                                                      "securityGroups": [stack.security_group],
                                                                      "assignPublicIp": "DISABLED"}})
    return task["tasks"][0]["taskArn"]


def _moto_task(stack, arn: str):
    try:
        from moto.ecs.models import ecs_backends
    except ImportError as exc:  # pragma: no cover - moto is what the dev stack runs on
        raise RuntimeError("this fault needs moto in-process") from exc
    backend = ecs_backends[stack.account_id][stack.region]
    tasks = backend.tasks.get(stack.names.ecs_cluster) or {}
    if arn not in tasks:
        raise RuntimeError("this fault must run in the process that hosts the moto server (brewsync dev break)")
    return tasks[arn]


@fault("ecs.task-failed", "a worker task that stopped with exit code 137 (OutOfMemoryError)")
def _task_failed(stack):
    arn = _run_task(stack)
    _c(stack)("ecs").stop_task(cluster=stack.names.ecs_cluster, task=arn,
                               reason="OutOfMemoryError: Container killed due to memory usage")
    task = _moto_task(stack, arn)
    for container in task.containers:
        container.exitCode = 137
        container.last_status = "STOPPED"


@fault("ecs.task-stuck-pending", "a worker task stuck in PENDING for 30 minutes")
def _task_pending(stack):
    arn = _run_task(stack)
    task = _moto_task(stack, arn)
    task._transitions = [("PENDING", "PENDING")]  # never advances
    task.status = "PENDING"
    task.created_at = task.createdAt = _now() - timedelta(minutes=30)


@fault("ecs.efs-mount-missing", "add an EFS volume to the task definition with a mount target in one subnet only")
def _efs_mount(stack):
    c = _c(stack)
    fs = c("efs").create_file_system(CreationToken=f"{stack.prefix}-cache", PerformanceMode="generalPurpose",
                                     ThroughputMode="elastic",
                                     Tags=[{"Key": "Name", "Value": f"{stack.prefix}-cache"}])["FileSystemId"]
    c("efs").create_mount_target(FileSystemId=fs, SubnetId=stack.private_subnets[0],
                                 SecurityGroups=[stack.security_group])
    ecs = c("ecs")
    td = ecs.describe_task_definition(taskDefinition=stack.names.task_family)["taskDefinition"]
    keep = {k: td[k] for k in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory",
                                "taskRoleArn", "executionRoleArn", "containerDefinitions") if k in td}
    keep["volumes"] = [{"name": "cache", "efsVolumeConfiguration": {"fileSystemId": fs, "transitEncryption": "ENABLED"}}]
    ecs.register_task_definition(**keep)


# ---- s3 -------------------------------------------------------------------------------------

def _empty_and_delete(s3, bucket: str) -> None:
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        items = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                 for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if items:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": items})
    s3.delete_bucket(Bucket=bucket)


@fault("s3.bucket-missing", "delete the mirror bucket")
def _bucket_missing(stack):
    _empty_and_delete(_c(stack)("s3"), stack.bucket)


@fault("s3.policy-denies", "add a bucket policy that denies the sync roles")
def _policy_denies(stack):
    roles = [f"arn:aws:iam::{stack.account_id}:role/{r}" for r in (stack.names.lambda_role, stack.names.ecs_task_role)]
    _c(stack)("s3").put_bucket_policy(Bucket=stack.bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "LockdownGoneWrong", "Effect": "Deny", "Principal": {"AWS": roles}, "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{stack.bucket}", f"arn:aws:s3:::{stack.bucket}/*"]}]}))


@fault("s3.role-policy-missing", "remove the bucket access policy from the ECS task role", fixable=True)
def _role_policy(stack):
    from brewsync_ops.checks.fixes import s3_policy_name

    _c(stack)("iam").delete_role_policy(RoleName=stack.names.ecs_task_role, PolicyName=s3_policy_name(stack.names))


@fault("s3.region-mismatch", "re-create the bucket in eu-west-1 (functions stay in their region)")
def _region(stack):
    c = _c(stack)
    s3 = c("s3")
    _empty_and_delete(s3, stack.bucket)
    s3.create_bucket(Bucket=stack.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=stack.bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=stack.bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    write_index_and_bottles(c, stack.bucket, _now() - timedelta(days=1))


@fault("s3.versioning-off", "suspend bucket versioning", fixable=True)
def _versioning(stack):
    _c(stack)("s3").put_bucket_versioning(Bucket=stack.bucket, VersioningConfiguration={"Status": "Suspended"})


@fault("s3.public-access", "remove the bucket's public access block", fixable=True)
def _public(stack):
    _c(stack)("s3").delete_public_access_block(Bucket=stack.bucket)


# ---- hash -----------------------------------------------------------------------------------

def _index(stack) -> dict:
    return json.loads(_c(stack)("s3").get_object(Bucket=stack.bucket, Key=INDEX_KEY)["Body"].read())


def _put_index(stack, body: bytes) -> None:
    _c(stack)("s3").put_object(Bucket=stack.bucket, Key=INDEX_KEY, Body=body)


@fault("hash.index-missing", "delete bottles_hash.json (a delete marker; history stays)")
def _index_missing(stack):
    _c(stack)("s3").delete_object(Bucket=stack.bucket, Key=INDEX_KEY)


@fault("hash.not-json", "overwrite bottles_hash.json with a truncated write")
def _not_json(stack):
    _put_index(stack, b'{"schema_version": 1, "last_updated": "2026-11-')


@fault("hash.schema-invalid", "drop the sha256 of one index entry")
def _schema(stack):
    data = _index(stack)
    first = sorted(data["bottles"])[0]
    del data["bottles"][first]["sha256"]
    _put_index(stack, json.dumps(data).encode())


@fault("hash.entry-mismatch", "replace one bottle object with bytes of another digest")
def _mismatch(stack):
    data = _index(stack)
    first = sorted(data["bottles"])[0]
    entry = data["bottles"][first]
    body = b"corrupted bottle"
    import hashlib

    _c(stack)("s3").put_object(Bucket=stack.bucket, Key=entry["key"], Body=body,
                               Metadata={"sha256": hashlib.sha256(body).hexdigest()})


@fault("hash.stale", "make the index's last_updated 12 days old")
def _stale(stack):
    data = _index(stack)
    data["last_updated"] = (_now() - timedelta(days=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _put_index(stack, json.dumps(data).encode())


# ---- slack ----------------------------------------------------------------------------------

@fault("slack.secret-missing", "delete the Slack webhook secret")
def _secret_missing(stack):
    _c(stack)("secretsmanager").delete_secret(SecretId=stack.names.slack_secret, ForceDeleteWithoutRecovery=True)


@fault("slack.webhook-invalid", "store a value that is not a Slack webhook URL")
def _webhook_invalid(stack):
    _c(stack)("secretsmanager").put_secret_value(SecretId=stack.names.slack_secret,
                                                 SecretString="https://example.com/not-a-webhook")


@fault("slack.webhook-rejected", "make the webhook receiver answer 404 (a revoked webhook)")
def _webhook_rejected(stack):
    import requests

    base = stack.webhook_url.split("/services/", 1)[0]
    requests.post(f"{base}/_control", json={"status": 404}, timeout=5).raise_for_status()


# ---- network --------------------------------------------------------------------------------

@fault("network.nat-missing", "delete the NAT gateway")
def _nat(stack):
    _c(stack)("ec2").delete_nat_gateway(NatGatewayId=stack.nat_gateway)


@fault("network.route-missing", "delete the private route table's 0.0.0.0/0 route", fixable=True)
def _route(stack):
    _c(stack)("ec2").delete_route(RouteTableId=stack.route_table, DestinationCidrBlock="0.0.0.0/0")


@fault("network.egress-https", "revoke HTTPS (443/tcp) egress from the task security group", fixable=True)
def _https(stack):
    _c(stack)("ec2").revoke_security_group_egress(GroupId=stack.security_group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


@fault("network.egress-dns", "revoke DNS (53/udp) egress from the task security group", fixable=True)
def _dns(stack):
    _c(stack)("ec2").revoke_security_group_egress(GroupId=stack.security_group, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


# ---- monitoring -----------------------------------------------------------------------------

@fault("monitoring.alarm-missing", "delete the Lambda errors alarm", fixable=True)
def _alarm_missing(stack):
    _c(stack)("cloudwatch").delete_alarms(AlarmNames=[stack.names.alarm_lambda_errors])


@fault("monitoring.alarm-no-action", "make the ECS failures alarm notify nobody", fixable=True)
def _alarm_no_action(stack):
    from brewsync_ops.checks.monitoring import alarm_specs

    spec = next(s for s in alarm_specs(stack.names, stack.topic_arn) if s["AlarmName"] == stack.names.alarm_ecs_failures)
    spec = dict(spec, AlarmActions=[], OKActions=[])
    _c(stack)("cloudwatch").put_metric_alarm(**spec)


@fault("monitoring.topic-missing", "delete the alert SNS topic", fixable=True)
def _topic_missing(stack):
    _c(stack)("sns").delete_topic(TopicArn=stack.topic_arn)


@fault("monitoring.no-subscribers", "unsubscribe everyone from the alert topic")
def _no_subs(stack):
    sns = _c(stack)("sns")
    for s in sns.list_subscriptions_by_topic(TopicArn=stack.topic_arn)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=s["SubscriptionArn"])


# ---- perf -----------------------------------------------------------------------------------

def _metric(stack, namespace: str, name: str, dims: list[dict], value: float, unit: str) -> None:
    _c(stack)("cloudwatch").put_metric_data(Namespace=namespace, MetricData=[{
        "MetricName": name, "Dimensions": dims, "Value": value, "Unit": unit,
        "Timestamp": _now() - timedelta(hours=h)} for h in (1, 2)])


@fault("perf.lambda-duration", "record orchestrator runs averaging 10 minutes")
def _perf_lambda(stack):
    _metric(stack, "AWS/Lambda", "Duration", [{"Name": "FunctionName", "Value": stack.names.lambda_function}],
            600000, "Milliseconds")


@fault("perf.ecs-cpu", "record ECS CPU utilisation at 97 %")
def _perf_cpu(stack):
    _metric(stack, "AWS/ECS", "CPUUtilization", [{"Name": "ClusterName", "Value": stack.names.ecs_cluster}], 97, "Percent")


@fault("perf.ecs-memory", "record ECS memory utilisation at 96 %")
def _perf_mem(stack):
    _metric(stack, "AWS/ECS", "MemoryUtilization", [{"Name": "ClusterName", "Value": stack.names.ecs_cluster}], 96,
            "Percent")


@fault("perf.efs-throughput", "add an EFS file system in bursting throughput mode")
def _perf_efs(stack):
    _c(stack)("efs").create_file_system(CreationToken=f"{stack.prefix}-burst", ThroughputMode="bursting",
                                        Tags=[{"Key": "Name", "Value": f"{stack.prefix}-burst"}])


def inject(stack: StackInfo, name: str) -> Fault:
    if name not in FAULTS:
        raise KeyError(name)
    FAULTS[name].inject(stack)
    return FAULTS[name]


