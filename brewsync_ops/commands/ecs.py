"""`brewsync ecs status|tasks|capacity`: the Fargate worker."""

from __future__ import annotations

from typing import Optional

import typer

from ._common import JSON_OPT, QUERY_OPT, deployment, preflight, run_checks

app = typer.Typer(help="The ECS Fargate worker.", no_args_is_help=True)


@app.command("status")
def status(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Cluster, task definition, image, failed/stuck tasks, quota, EFS."""
    run_checks(ctx, ["ecs"], as_json=as_json, query=query, title="ecs")


@app.command("tasks")
def tasks(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Recent tasks (running and stopped) with exit codes and stop reasons."""
    from ..render import emit_json, stdout_console, table

    dep = deployment(ctx)
    preflight(dep)
    ecs = dep.client("ecs")
    out = []
    for desired in ("RUNNING", "STOPPED"):
        arns = ecs.list_tasks(cluster=dep.cluster(), desiredStatus=desired, maxResults=100).get("taskArns", [])
        if not arns:
            continue
        for t in ecs.describe_tasks(cluster=dep.cluster(), tasks=arns).get("tasks", []):
            out.append({"task": t["taskArn"].rsplit("/", 1)[-1], "lastStatus": t.get("lastStatus"),
                        "desiredStatus": t.get("desiredStatus"),
                        "exitCodes": [c.get("exitCode") for c in t.get("containers", [])],
                        "stoppedReason": t.get("stoppedReason") or "",
                        "taskDefinition": t.get("taskDefinitionArn", "").rsplit("/", 1)[-1]})
    if as_json or query:
        emit_json({"cluster": dep.cluster(), "tasks": out}, query)
        return
    stdout_console().print(table(f"tasks in {dep.cluster()}", ["task", "last", "desired", "exit", "reason", "definition"],
                                 [[t["task"], t["lastStatus"], t["desiredStatus"], ",".join(map(str, t["exitCodes"])),
                                   t["stoppedReason"], t["taskDefinition"]] for t in out]))


@app.command("capacity")
def capacity(ctx: typer.Context, as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Fargate vCPU quota (unknown where it cannot be read) and the cluster's task counts."""
    from ..checks.ecs import _quota
    from ..checks._base import attempt
    from ..render import emit_json, stdout_console, table

    dep = deployment(ctx)
    preflight(dep)
    quota = attempt("ecs", "fargate-quota", lambda: _quota(dep))[0]
    clusters = dep.client("ecs").describe_clusters(clusters=[dep.cluster()]).get("clusters", [])
    c = clusters[0] if clusters else {}
    data = {"cluster": dep.cluster(), "status": c.get("status", "MISSING"),
            "runningTasks": c.get("runningTasksCount", 0), "pendingTasks": c.get("pendingTasksCount", 0),
            "fargateQuota": {"status": quota.status.value, "summary": quota.summary, "evidence": quota.evidence}}
    if as_json or query:
        emit_json(data, query)
        return
    stdout_console().print(table("capacity", ["what", "value"], [
        ["cluster", f"{data['cluster']} ({data['status']})"], ["running tasks", data["runningTasks"]],
        ["pending tasks", data["pendingTasks"]], ["Fargate vCPU quota", f"{quota.status.value}: {quota.summary}"]]))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="ecs")
