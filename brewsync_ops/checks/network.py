"""Network checks: the task subnets reach the internet through an available NAT gateway and the
task security group lets HTTPS and DNS out. `probe` runs a one-off task that tries it for real."""

from __future__ import annotations

from ..findings import Finding, Status
from ._base import CheckOptions, attempt, call, finding, guarded

AREA = "network"
EGRESS_RULES = {"egress-https": ("tcp", 443, "HTTPS (443/tcp)"), "egress-dns": ("udp", 53, "DNS (53/udp)")}


def task_subnets(dep) -> list[str]:
    return dep.subnets()


def task_security_groups(dep) -> list[dict]:
    ec2 = dep.client("ec2")
    ids = dep.security_groups()
    if ids:
        return call(ec2.describe_security_groups, "ec2 describe-security-groups", GroupIds=ids)["SecurityGroups"]
    return call(ec2.describe_security_groups, "ec2 describe-security-groups",
                Filters=[{"Name": "group-name", "Values": [dep.names.security_group]}])["SecurityGroups"]


def vpc_id(dep) -> str | None:
    subnets = task_subnets(dep)
    ec2 = dep.client("ec2")
    if subnets:
        found = call(ec2.describe_subnets, "ec2 describe-subnets", SubnetIds=subnets)["Subnets"]
        if found:
            return found[0]["VpcId"]
    groups = task_security_groups(dep)
    return groups[0]["VpcId"] if groups else None


def available_nats(dep, vpc: str) -> list[dict]:
    ec2 = dep.client("ec2")
    nats = call(ec2.describe_nat_gateways, "ec2 describe-nat-gateways",
                Filters=[{"Name": "vpc-id", "Values": [vpc]}]).get("NatGateways", [])
    return [n for n in nats if n.get("State") == "available"]


def route_tables_of(dep, vpc: str, subnets: list[str]) -> dict[str, dict]:
    """subnet id -> its route table (explicit association, else the VPC's main table)."""
    ec2 = dep.client("ec2")
    tables = call(ec2.describe_route_tables, "ec2 describe-route-tables",
                  Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    main = next((t for t in tables if any(a.get("Main") for a in t.get("Associations", []))), None)
    out = {}
    for s in subnets:
        explicit = next((t for t in tables if any(a.get("SubnetId") == s for a in t.get("Associations", []))), None)
        if explicit or main:
            out[s] = explicit or main
    return out


@guarded(AREA, "network.nat-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    vpc = vpc_id(dep)
    if vpc is None:
        return [finding(AREA, "nat-missing", Status.UNKNOWN,
                        "no task subnets or security group found to check",
                        evidence="the orchestrator's SUBNETS/SECURITY_GROUPS are empty and no group "
                                 f"{dep.names.security_group} exists")]
    out: list[Finding] = []
    nats = available_nats(dep, vpc)
    out.append(finding(AREA, "nat-missing", Status.OK if nats else Status.FAIL,
                       f"{len(nats)} NAT gateway(s) available" if nats
                       else "no available NAT gateway: tasks in private subnets cannot reach ghcr.io",
                       evidence=f"vpc {vpc}", fix="terraform apply  (module network)"))
    out += attempt(AREA, "route-missing", lambda: _routes(dep, vpc, {n["NatGatewayId"] for n in nats}))
    out += attempt(AREA, "egress-https", lambda: _egress(dep))
    return out


def _routes(dep, vpc: str, nat_ids: set[str]) -> Finding | None:
    if not nat_ids:
        return None  # network.nat-missing says it: no route can be right without a NAT
    subnets = task_subnets(dep)
    if not subnets:
        return finding(AREA, "route-missing", Status.UNKNOWN, "could not check: the task subnets are not known",
                       evidence="the orchestrator's SUBNETS setting is empty (or could not be read)")
    bad = []
    for subnet, table in route_tables_of(dep, vpc, subnets).items():
        default = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0"
                   and r.get("State", "active") == "active"]
        if not any(r.get("NatGatewayId") in nat_ids for r in default):
            bad.append(f"{table['RouteTableId']} ({subnet}): "
                       + ("no 0.0.0.0/0 route" if not default else "0.0.0.0/0 not via an available NAT"))
    if bad:
        return finding(AREA, "route-missing", Status.FAIL, "private route tables lack 0.0.0.0/0 → NAT",
                       evidence="; ".join(bad[:3]), fix="brewsync doctor --only network --fix")
    return finding(AREA, "route-missing", Status.OK, "every task subnet routes 0.0.0.0/0 through a NAT gateway")


def _allows(perm: dict, proto: str, port: int) -> bool:
    p = perm.get("IpProtocol")
    if p == "-1":
        return True
    if p != proto:
        return False
    lo, hi = perm.get("FromPort"), perm.get("ToPort")
    if lo is None or not (lo <= port <= hi):
        return False
    return any(r.get("CidrIp") == "0.0.0.0/0" for r in perm.get("IpRanges", [])) or bool(perm.get("PrefixListIds"))


def _egress(dep) -> list[Finding]:
    groups = task_security_groups(dep)
    if not groups:
        return [finding(AREA, fid, Status.FAIL, f"task security group {dep.names.security_group} not found",
                        fix="terraform apply  (module network)") for fid in EGRESS_RULES]
    out = []
    for fid, (proto, port, label) in EGRESS_RULES.items():
        missing = [g["GroupId"] for g in groups
                   if not any(_allows(p, proto, port) for p in g.get("IpPermissionsEgress", []))]
        out.append(finding(AREA, fid, Status.FAIL if missing else Status.OK,
                           f"task security group blocks {label} egress" if missing else f"{label} egress allowed",
                           evidence=", ".join(missing or [g["GroupId"] for g in groups]),
                           fix="brewsync network allow-egress"))
    return out


PROBE_SCRIPT = r'''
import json, socket, ssl, time, urllib.request
out = {}
for name, url, headers in (
        ("formula-index", "https://formulae.brew.sh/api/formula.json", {}),
        ("ghcr-manifest", "https://ghcr.io/v2/homebrew/core/wget/manifests/latest",
         {"Authorization": "Bearer QQ==", "Accept": "application/vnd.oci.image.index.v1+json"})):
    host = url.split("/")[2]
    r = {}
    t = time.time()
    try:
        r["dns"] = socket.getaddrinfo(host, 443)[0][4][0]
    except Exception as e:
        r["dns_error"] = str(e)
    try:
        with socket.create_connection((host, 443), timeout=10) as s:
            with ssl.create_default_context().wrap_socket(s, server_hostname=host) as tls:
                r["tls"] = tls.version()
    except Exception as e:
        r["tls_error"] = str(e)
    try:
        req = urllib.request.Request(url, method="HEAD", headers=headers)
        r["http"] = urllib.request.urlopen(req, timeout=15).status
    except urllib.error.HTTPError as e:
        r["http"] = e.code
    except Exception as e:
        r["http_error"] = str(e)
    r["seconds"] = round(time.time() - t, 2)
    out[name] = r
print("BREWSYNC_PROBE " + json.dumps(out))
'''


def run_probe(dep, timeout: int = 120) -> list[Finding]:
    """A one-off Fargate task of the worker image that tries DNS, TLS and HTTP from inside the VPC.
    Where the endpoint cannot run tasks (or they never report), the result is *unknown*."""
    import json
    import time

    from ._base import CannotAsk, attempt

    def go() -> Finding:
        ecs = dep.client("ecs")
        subnets, groups = dep.subnets(), dep.security_groups()
        if not subnets or not groups:
            return finding(AREA, "probe", Status.UNKNOWN, "no task subnets/security groups configured to probe from")
        resp = call(ecs.run_task, "ecs run-task", cluster=dep.cluster(), taskDefinition=dep.task_definition(),
                    launchType="FARGATE", startedBy="brewsync-probe",
                    networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": groups,
                                                                  "assignPublicIp": "DISABLED"}},
                    overrides={"containerOverrides": [{"name": dep.names.container_name,
                                                       "command": ["python", "-c", PROBE_SCRIPT]}]})
        if not resp.get("tasks"):
            return finding(AREA, "probe", Status.FAIL, "the probe task did not start",
                           evidence=str(resp.get("failures"))[:200], fix="brewsync ecs capacity")
        arn = resp["tasks"][0]["taskArn"]
        task_id = arn.rsplit("/", 1)[-1]
        stream = f"worker/{dep.names.container_name}/{task_id}"
        logs = dep.client("logs")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                events = logs.get_log_events(logGroupName=dep.names.ecs_log_group, logStreamName=stream).get("events", [])
            except Exception:  # noqa: BLE001 - stream not there yet
                events = []
            for e in events:
                if e["message"].startswith("BREWSYNC_PROBE "):
                    result = json.loads(e["message"].split(" ", 1)[1])
                    bad = {k: v for k, v in result.items() if any(x.endswith("_error") for x in v)
                           or not 200 <= int(v.get("http", 0)) < 400}
                    return finding(AREA, "probe", Status.FAIL if bad else Status.OK,
                                   "the worker cannot reach " + ", ".join(bad) if bad
                                   else "DNS, TLS and HTTP work from inside the VPC",
                                   evidence=json.dumps(result)[:300], fix="brewsync network check")
            task = call(ecs.describe_tasks, "ecs describe-tasks", cluster=dep.cluster(), tasks=[arn])["tasks"]
            if task and task[0].get("lastStatus") == "STOPPED" and not events:
                break
            time.sleep(min(2.0, max(0.1, timeout / 20)))
        try:
            ecs.stop_task(cluster=dep.cluster(), task=arn, reason="brewsync probe finished")
        except Exception:  # noqa: BLE001
            pass
        return finding(AREA, "probe", Status.UNKNOWN,
                       "the probe task reported nothing (this endpoint may not run containers)",
                       evidence=f"no BREWSYNC_PROBE line in {dep.names.ecs_log_group}/{stream} within {timeout} s")

    try:
        return attempt(AREA, "probe", go)
    except CannotAsk as exc:  # pragma: no cover - attempt already converts
        return [finding(AREA, "probe", Status.UNKNOWN, exc.reason)]
