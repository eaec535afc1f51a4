"""ECS checks: cluster, task definition, image in ECR, failed and stuck tasks, Fargate quota, EFS."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..findings import Finding, Status
from ._base import CannotAsk, CheckOptions, attempt, call, finding, guarded, is_not_found

AREA = "ecs"
FARGATE_QUOTA_CODE = "L-3032A538"  # Fargate On-Demand vCPU resource count


@guarded(AREA, "ecs.cluster-missing")
def check(ctx, opts: CheckOptions) -> list[Finding]:
    dep = opts.dep(ctx)
    ecs = dep.client("ecs")
    cluster = dep.cluster()
    out: list[Finding] = []
    clusters = call(ecs.describe_clusters, "ecs describe-clusters", clusters=[cluster]).get("clusters", [])
    active = [c for c in clusters if c.get("status") == "ACTIVE"]
    if not active:
        state = clusters[0].get("status") if clusters else "MISSING"
        out.append(finding(AREA, "cluster-missing", Status.FAIL, f"cluster {cluster} is {state.lower()}",
                           evidence=f"describe-clusters: {state}", fix="brewsync doctor --only ecs --fix"))
    else:
        c = active[0]
        out.append(finding(AREA, "cluster-missing", Status.OK, f"cluster {cluster} is active",
                           evidence=f"running {c.get('runningTasksCount', 0)}, pending {c.get('pendingTasksCount', 0)}"))
    taskdef = attempt(AREA, "task-definition-missing", lambda: _task_definition(dep, ecs))
    out += [f for f in taskdef if isinstance(f, Finding)]
    td = next((f.details.pop("task_definition") for f in taskdef if f.details.get("task_definition")), None)
    if td:
        out += attempt(AREA, "image-missing", lambda: _image(dep, td))
        out += attempt(AREA, "efs-mount-missing", lambda: _efs(dep, td))
    if active:
        out += attempt(AREA, "task-failed", lambda: _tasks(dep, ecs, cluster, opts))
    out += attempt(AREA, "fargate-quota", lambda: _quota(dep))
    return out


def _task_definition(dep, ecs) -> Finding:
    family = dep.task_definition()
    try:
        td = call(ecs.describe_task_definition, "ecs describe-task-definition",
                  taskDefinition=family)["taskDefinition"]
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001
        if is_not_found(exc) or "ClientException" in str(exc) or "Unable to describe" in str(exc):
            return finding(AREA, "task-definition-missing", Status.FAIL, f"task definition {family} does not exist",
                           evidence=str(exc)[:160], fix="terraform apply  (module worker)")
        raise
    if td.get("status") != "ACTIVE":
        return finding(AREA, "task-definition-missing", Status.FAIL,
                       f"task definition {family} has no active revision",
                       evidence=f"{td.get('taskDefinitionArn')} is {td.get('status')}",
                       fix="terraform apply  (module worker)")
    return finding(AREA, "task-definition-missing", Status.OK,
                   f"task definition {family}:{td.get('revision')} is active",
                   evidence=f"cpu {td.get('cpu')}, memory {td.get('memory')}", task_definition=td)


def _image(dep, td: dict) -> Finding:
    images = [c.get("image", "") for c in td.get("containerDefinitions", [])]
    ecr = dep.client("ecr")
    for image in images:
        if ".dkr.ecr." not in image:
            continue
        path = image.split("/", 1)[1]
        if "@" in path:
            repo, digest = path.split("@", 1)
            ident = {"imageDigest": digest}
        else:
            repo, _, tag = path.partition(":")
            ident = {"imageTag": tag or "latest"}
        try:
            call(ecr.describe_images, "ecr describe-images", repositoryName=repo, imageIds=[ident])
        except CannotAsk:
            raise
        except Exception as exc:  # noqa: BLE001
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                return finding(AREA, "image-missing", Status.FAIL, f"image {path} is not in ECR: tasks cannot start",
                               evidence=code,
                               fix=f"push the worker image: docker push {image}")
            raise
    return finding(AREA, "image-missing", Status.OK, "worker image present in ECR", evidence=", ".join(images))


def _describe_tasks(ecs, cluster: str, status: str) -> list[dict]:
    arns = call(ecs.list_tasks, "ecs list-tasks", cluster=cluster, desiredStatus=status,
                maxResults=100).get("taskArns", [])
    if not arns:
        return []
    return call(ecs.describe_tasks, "ecs describe-tasks", cluster=cluster, tasks=arns[:100]).get("tasks", [])


def _tasks(dep, ecs, cluster: str, opts: CheckOptions) -> list[Finding]:
    out = []
    failed = []
    for t in _describe_tasks(ecs, cluster, "STOPPED"):
        task_id = t["taskArn"].rsplit("/", 1)[-1][:12]
        codes = [c.get("exitCode") for c in t.get("containers", []) if c.get("exitCode") not in (None, 0)]
        if codes:
            failed.append(f"{task_id}: exit {codes[0]} ({t.get('stoppedReason') or 'no reason'})")
        elif t.get("stopCode") == "TaskFailedToStart":
            # no exit code at all: the image could not be pulled, the secret read, the ENI created…
            reasons = [c.get("reason") for c in t.get("containers", []) if c.get("reason")]
            failed.append(f"{task_id}: failed to start ({t.get('stoppedReason') or 'no reason'}"
                          + (f"; {reasons[0]}" if reasons else "") + ")")
    if failed:
        out.append(finding(AREA, "task-failed", Status.FAIL,
                           f"{len(failed)} recent task(s) failed to start or stopped with a non-zero exit code",
                           evidence="; ".join(failed[:3]),
                           fix="brewsync ecs tasks  (then: brewsync logs tail --group ecs)"))
    else:
        out.append(finding(AREA, "task-failed", Status.OK, "no recent failed tasks"))
    now = opts.clock()
    limit = timedelta(minutes=opts.pending_minutes)
    stuck = []
    for t in _describe_tasks(ecs, cluster, "RUNNING"):
        if t.get("lastStatus") not in ("PROVISIONING", "PENDING", "ACTIVATING"):
            continue
        created = t.get("createdAt")
        if isinstance(created, (int, float)):
            created = datetime.fromtimestamp(created, now.tzinfo)
        if created is None or now - created > limit:
            age = f"{(now - created).total_seconds() / 60:.0f} min" if created else "age unknown"
            stuck.append(f"{t['taskArn'].rsplit('/', 1)[-1][:12]} {t.get('lastStatus')} {age}")
    if stuck:
        out.append(finding(AREA, "task-stuck-pending", Status.FAIL,
                           f"{len(stuck)} task(s) pending for more than {opts.pending_minutes} min "
                           "(image pull, subnet without NAT, capacity)",
                           evidence="; ".join(stuck[:3]), fix="brewsync network check; brewsync ecs capacity"))
    else:
        out.append(finding(AREA, "task-stuck-pending", Status.OK, "no tasks stuck pending"))
    return out


def _quota(dep) -> Finding:
    sq = dep.client("service-quotas")
    try:
        q = call(sq.get_service_quota, "service-quotas get-service-quota",
                 ServiceCode="fargate", QuotaCode=FARGATE_QUOTA_CODE)["Quota"]
    except CannotAsk:
        raise
    except Exception as exc:  # noqa: BLE001 - moto answers NoSuchResource for non-vpc quotas
        from ._base import error_code

        return finding(AREA, "fargate-quota", Status.UNKNOWN,
                       "could not read the Fargate vCPU quota",
                       evidence=f"service-quotas: {error_code(exc) or type(exc).__name__}")
    return finding(AREA, "fargate-quota", Status.OK, f"Fargate vCPU quota {q.get('Value'):.0f}")


def _efs(dep, td: dict) -> Finding:
    fs_ids = [v["efsVolumeConfiguration"]["fileSystemId"] for v in td.get("volumes", [])
              if v.get("efsVolumeConfiguration", {}).get("fileSystemId")]
    if not fs_ids:
        return finding(AREA, "efs-mount-missing", Status.OK, "no EFS volume configured")
    subnets = set(dep.subnets())
    if not subnets:
        return finding(AREA, "efs-mount-missing", Status.UNKNOWN,
                       "could not check: the task subnets are not known",
                       evidence="the orchestrator's SUBNETS setting is empty (or could not be read)")
    efs = dep.client("efs")
    missing = []
    for fs in fs_ids:
        targets = call(efs.describe_mount_targets, "efs describe-mount-targets", FileSystemId=fs).get("MountTargets", [])
        have = {t["SubnetId"] for t in targets if t.get("LifeCycleState", "available") == "available"}
        for s in sorted(subnets - have):
            missing.append(f"{fs} has no mount target in {s}")
    if missing:
        return finding(AREA, "efs-mount-missing", Status.FAIL, "EFS mount targets missing in the task subnets",
                       evidence="; ".join(missing[:4]),
                       fix="aws efs create-mount-target --file-system-id … --subnet-id …  (or terraform apply)")
    return finding(AREA, "efs-mount-missing", Status.OK, "EFS mount targets in every task subnet")
