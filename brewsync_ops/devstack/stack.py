"""Provision, on a moto server, the default deployment exactly as Terraform creates it.

Same names (``sync_runtime.names.Names``), same settings (Lambda 900 s / 2048 MB with its
environment, ECS cluster + Fargate task definition, bucket with versioning, public-access block
and a valid index, Slack secret, SNS topic + subscription, the runbook's alarms, a VPC with
private subnets behind a NAT gateway and a task security group with 443/53 egress), plus a
little history (a successful run one day ago) so a healthy stack checks healthy.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sync_runtime.names import (DEFAULT_SIZE_THRESHOLD_GB, DEFAULT_TAGS, INDEX_KEY, LAMBDA_DEFAULT_MEMORY_MB,
                                LAMBDA_TIMEOUT_SECONDS, SCHEDULE_EXPRESSION, Names)

DEFAULT_REGION = "us-east-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"
SHARD_COUNT = 4
SAMPLE_BOTTLES = (("wget", "1.25.0", 0, "arm64_sonoma"), ("jq", "1.7.1", 1, "arm64_sonoma"),
                  ("openssl@3", "3.4.1", 0, "monterey"))

HANDLER_SOURCE = b'''import json, os
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"source": (event or {}).get("source"), "bucket": os.environ.get("BUCKET")})}
'''


@dataclass
class StackInfo:
    endpoint: str
    region: str
    prefix: str
    account_id: str
    bucket: str
    webhook_url: str
    api_url: str
    vpc_id: str = ""
    private_subnets: list[str] = field(default_factory=list)
    public_subnet: str = ""
    security_group: str = ""
    nat_gateway: str = ""
    route_table: str = ""
    function_arn: str = ""
    rule_arn: str = ""
    topic_arn: str = ""
    image_uri: str = ""

    @property
    def names(self) -> Names:
        return Names(self.prefix)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "StackInfo":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def env(self) -> dict[str, str]:
        """The environment every `brewsync` command and the `aws` CLI use against this stack."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "BREWSYNC_BUCKET": self.bucket,
            "BREWSYNC_API_URL": self.api_url,
        }


_FACTORIES: dict[tuple[str, str], Any] = {}
_FACTORY_LOCK = threading.Lock()


def clients(endpoint: str, region: str = DEFAULT_REGION):
    """A boto3 client factory bound to the moto server (no retries: moto answers at once).
    Factories and their clients are kept per (endpoint, region): creating clients is the
    expensive part of provisioning."""
    with _FACTORY_LOCK:
        if (endpoint, region) in _FACTORIES:
            return _FACTORIES[(endpoint, region)]
    import boto3
    from botocore.config import Config

    from brewsync_ops.checks._base import share_loader

    session = boto3.session.Session(aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                                    region_name=region)
    share_loader(session)
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=32)
    cache: dict[str, Any] = {}
    lock = threading.Lock()

    def client(service: str):
        with lock:
            if service not in cache:
                cache[service] = session.client(service, endpoint_url=endpoint, config=config)
            return cache[service]

    with _FACTORY_LOCK:
        return _FACTORIES.setdefault((endpoint, region), client)


def reset_moto(endpoint: str) -> None:
    import requests

    requests.post(f"{endpoint}/moto-api/reset", timeout=30).raise_for_status()


def configure_moto(endpoint: str) -> None:
    """Lambda without Docker: must be set before any function is created."""
    import requests

    requests.post(f"{endpoint}/moto-api/config", json={"lambda": {"use_docker": False}},
                  timeout=10).raise_for_status()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", HANDLER_SOURCE)
    return buf.getvalue()


def _assume(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def bottle_entry(name: str, version: str, rebuild: int, tag: str, synced_at: str) -> tuple[str, dict, bytes]:
    body = f"bottle {name} {version} {tag} {rebuild}\n".encode() * 8
    suffix = f".{rebuild}" if rebuild else ""
    filename = f"{name}-{version}.{tag}.bottle{suffix}.tar.gz"
    entry = {"name": name, "version": version, "rebuild": rebuild, "tag": tag,
             "sha256": hashlib.sha256(body).hexdigest(), "size": len(body), "key": f"bottles/{filename}",
             "synced_at": synced_at}
    return filename, entry, body


def write_index_and_bottles(client, bucket: str, when: datetime) -> dict:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    s3 = client("s3")
    bottles = {}
    for spec in SAMPLE_BOTTLES:
        filename, entry, body = bottle_entry(*spec, synced_at=stamp)
        s3.put_object(Bucket=bucket, Key=entry["key"], Body=body, Metadata={"sha256": entry["sha256"]})
        bottles[filename] = entry
    index = {"schema_version": 1, "last_updated": stamp, "bottles": bottles}
    s3.put_object(Bucket=bucket, Key=INDEX_KEY, Body=json.dumps(index, indent=1, sort_keys=True).encode(),
                  ContentType="application/json")
    return index


def lambda_report_lines(request_id: str, duration_ms: float, memory: int = LAMBDA_DEFAULT_MEMORY_MB) -> list[str]:
    return [f"START RequestId: {request_id} Version: $LATEST",
            f"END RequestId: {request_id}",
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: "
            f"{int(duration_ms) + 1} ms\tMemory Size: {memory} MB\tMax Memory Used: 412 MB"]


def put_log_lines(client, group: str, stream: str, lines: list[str], when: datetime) -> None:
    logs = client("logs")
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    except Exception:  # noqa: BLE001 - exists
        pass
    base = int(when.timestamp() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": base + i, "message": line} for i, line in enumerate(lines)])


def provision(endpoint: str, *, region: str = DEFAULT_REGION, prefix: str = "homebrew-sync",
              webhook_url: str = "http://127.0.0.1:9/services/T0000000/B0000000/devwebhook",
              api_url: str = "http://127.0.0.1:9/api", bucket: str | None = None,
              configure: bool = True) -> StackInfo:
    """Create every default resource; returns what was created (ids and ARNs)."""
    if configure:
        configure_moto(endpoint)
    client = clients(endpoint, region)
    names = Names(prefix)
    account = client("sts").get_caller_identity()["Account"]
    bucket = bucket or names.bucket_default(account)
    info = StackInfo(endpoint=endpoint, region=region, prefix=prefix, account_id=account, bucket=bucket,
                     webhook_url=webhook_url, api_url=api_url)
    now = datetime.now(timezone.utc)

    # ---- network: VPC with DNS hostnames, public subnet + NAT, private subnets, routes, SG ------
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": names.vpc}]}])["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    info.vpc_id = vpc
    azs = [f"{region}a", f"{region}b"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.0.0/24", AvailabilityZone=azs[0])["Subnet"]["SubnetId"]
    info.public_subnet = public
    info.private_subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{10 + i}.0/24",
                                              AvailabilityZone=az)["Subnet"]["SubnetId"] for i, az in enumerate(azs)]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    info.nat_gateway = nat
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    info.route_table = private_rt
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    for s in info.private_subnets:
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=s)
    sg = ec2.create_security_group(GroupName=names.security_group, VpcId=vpc,
                                   Description="brewsync ECS tasks: egress only")["GroupId"]
    info.security_group = sg
    # Terraform's aws_security_group drops AWS's default allow-all egress: only what we declare.
    ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS out"}]},
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "DNS out"}]},
    ])

    # ---- storage -------------------------------------------------------------------------
    s3 = client("s3")
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    write_index_and_bottles(client, bucket, now - timedelta(days=1))

    # ---- IAM -----------------------------------------------------------------------------
    from brewsync_ops.checks.fixes import s3_access_policy, s3_policy_name

    iam = client("iam")
    roles = {}
    for role, service in ((names.lambda_role, "lambda.amazonaws.com"), (names.ecs_task_role, "ecs-tasks.amazonaws.com"),
                          (names.ecs_execution_role, "ecs-tasks.amazonaws.com")):
        roles[role] = iam.create_role(RoleName=role, AssumeRolePolicyDocument=_assume(service))["Role"]["Arn"]
    s3_doc = json.dumps(s3_access_policy(bucket))
    for role in (names.lambda_role, names.ecs_task_role):
        iam.put_role_policy(RoleName=role, PolicyName=s3_policy_name(names), PolicyDocument=s3_doc)
    logs_arn = f"arn:aws:logs:{region}:{account}:log-group:"
    iam.put_role_policy(RoleName=names.lambda_role, PolicyName=f"{prefix}-orchestrator", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": f"{logs_arn}{names.lambda_log_group}:*"},
            {"Effect": "Allow", "Action": ["ecs:RunTask", "ecs:DescribeTasks"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole",
             "Resource": [roles[names.ecs_task_role], roles[names.ecs_execution_role]]},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
             "Resource": f"arn:aws:secretsmanager:{region}:{account}:secret:{names.slack_secret}*"},
            {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"},
        ]}))
    iam.put_role_policy(RoleName=names.ecs_execution_role, PolicyName=f"{prefix}-execution", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage",
                                           "ecr:GetDownloadUrlForLayer", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "*"}]}))

    # ---- secret, topic, logs --------------------------------------------------------------
    client("secretsmanager").create_secret(Name=names.slack_secret, SecretString=webhook_url,
                                           Description="Slack incoming webhook for brewsync notifications")
    sns = client("sns")
    info.topic_arn = sns.create_topic(Name=names.sns_topic)["TopicArn"]
    sns.subscribe(TopicArn=info.topic_arn, Protocol="email", Endpoint="ops@example.com")
    logs = client("logs")
    for group in (names.lambda_log_group, names.ecs_log_group):
        logs.create_log_group(logGroupName=group)
        logs.put_retention_policy(logGroupName=group, retentionInDays=30)

    # ---- ECR image + ECS ------------------------------------------------------------------
    ecr = client("ecr")
    repo_uri = ecr.create_repository(repositoryName=names.ecr_repository)["repository"]["repositoryUri"]
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                           "digest": "sha256:" + hashlib.sha256(b"config").hexdigest()},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                            "digest": "sha256:" + hashlib.sha256(b"layer").hexdigest()}]}
    ecr.put_image(repositoryName=names.ecr_repository, imageManifest=json.dumps(manifest), imageTag="latest")
    info.image_uri = f"{repo_uri}:latest"
    ecs = client("ecs")
    ecs.create_cluster(clusterName=names.ecs_cluster, settings=[{"name": "containerInsights", "value": "enabled"}])
    ecs.register_task_definition(
        family=names.task_family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="1024",
        memory="2048", taskRoleArn=roles[names.ecs_task_role], executionRoleArn=roles[names.ecs_execution_role],
        containerDefinitions=[{
            "name": names.container_name, "image": info.image_uri, "essential": True, "memory": 2048,
            "command": ["python", "-m", "sync_runtime.worker"],
            # What terraform/modules/worker sets (RUN_ID and SHARD come from RunTask overrides).
            "environment": [{"name": k, "value": v} for k, v in sorted({
                "BUCKET": bucket, "SLACK_SECRET_ID": names.slack_secret, "API_URL": api_url,
                "BREWSYNC_PREFIX": prefix, "AWS_DEFAULT_REGION": region, "TMPDIR": "/tmp"}.items())],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": names.ecs_log_group, "awslogs-region": region, "awslogs-stream-prefix": "worker"}},
        }])

    # ---- Lambda + schedule ----------------------------------------------------------------
    lam = client("lambda")
    env = {
        "BUCKET": bucket, "TAGS": ",".join(DEFAULT_TAGS), "SIZE_THRESHOLD_GB": str(DEFAULT_SIZE_THRESHOLD_GB),
        "SHARD_COUNT": str(SHARD_COUNT), "ECS_CLUSTER": names.ecs_cluster, "TASK_DEFINITION": names.task_family,
        "SUBNETS": ",".join(info.private_subnets), "SECURITY_GROUPS": sg, "SLACK_SECRET_ID": names.slack_secret,
        "API_URL": api_url, "BREWSYNC_PREFIX": prefix,
    }
    info.function_arn = lam.create_function(
        FunctionName=names.lambda_function, Runtime="python3.12", Role=roles[names.lambda_role],
        Handler="index.handler", Code={"ZipFile": _zip()}, Timeout=LAMBDA_TIMEOUT_SECONDS,
        MemorySize=LAMBDA_DEFAULT_MEMORY_MB, Environment={"Variables": env},
        Description="brewsync orchestrator: plans, copies, hands large work to ECS")["FunctionArn"]
    events = client("events")
    info.rule_arn = events.put_rule(Name=names.schedule_rule, ScheduleExpression=SCHEDULE_EXPRESSION, State="ENABLED",
                                    Description="Weekly Homebrew bottle sync")["RuleArn"]
    events.put_targets(Rule=names.schedule_rule, Targets=[{"Id": "orchestrator", "Arn": info.function_arn,
                                                           "Input": json.dumps({"source": "schedule"})}])
    lam.add_permission(FunctionName=names.lambda_function, StatementId="AllowEventBridgeInvoke",
                       Action="lambda:InvokeFunction", Principal="events.amazonaws.com", SourceArn=info.rule_arn)
    put_log_lines(client, names.lambda_log_group, "2026/01/01/[$LATEST]healthy",
                  lambda_report_lines("11111111-2222-3333-4444-555555555555", 61234.5), now - timedelta(days=1))

    # ---- alarms ---------------------------------------------------------------------------
    from brewsync_ops.checks.monitoring import alarm_specs

    cw = client("cloudwatch")
    for spec in alarm_specs(names, info.topic_arn):
        cw.put_metric_alarm(**spec)
    return info
