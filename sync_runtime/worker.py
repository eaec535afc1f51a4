"""The ECS worker (``python -m sync_runtime.worker``): one shard of a run handed off by the Lambda.

RUN_ID and SHARD come from the RunTask overrides, the rest from the task definition (see
`config.WorkerConfig`). The worker reads ``runs/<run-id>/plan/shard-<n>.json``, transfers with
the same engine as every other sync (verified streaming, index merged with conditional writes),
writes ``runs/<run-id>/results/shard-<n>.json`` and, when every shard's result is present, tries
to *create* ``runs/<run-id>/report.json`` (IfNoneMatch): exactly one finisher wins, mirrors the
API files, sends the Slack summary and prints the run's metrics.

Re-running a shard is safe: objects already stored with the right digest are not downloaded
again, index merges are idempotent, and the result file is simply rewritten.

Exit codes: 0 done (individual bottle failures are in the report), 1 the shard could not run,
2 bad configuration.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping

from .config import WorkerConfig
from .engine import Progress, SyncEngine, SyncOptions, SyncReport
from .errors import BrewsyncError, ConfigError, InputError
from .homebrew import HomebrewClient
from .index import utc_now
from .plan import Plan
from .observability import emit_metrics, set_context, setup_logging
from .shards import (RunInfo, ShardPlan, item_bytes, present_results, put_json, read_json, report_key,
                     result_key, results_to_dict, run_key, shard_key, summarize)
from .slack import Notifier, failure_message, partial_message, success_message

log = logging.getLogger("brewsync.worker")


def complete_run(store, info: RunInfo, notifier: Notifier | None, *, engine: SyncEngine | None = None,
                 wall=time.time) -> dict | None:
    """Write the run report if every shard is done and nobody wrote it yet; then notify.

    Returns the report when this caller wrote it, None otherwise (not finished / someone else).
    """
    done = present_results(store, info.run_id, info.shard_count)
    if len(done) < info.shard_count:
        log.info("Run %s: %d of %d shards finished", info.run_id, len(done), info.shard_count)
        return None
    parts: dict[str, dict] = {}
    if info.lambda_part:
        parts["lambda"] = info.lambda_part
    for n in range(info.shard_count):
        parts[f"shard-{n}"] = read_json(store, result_key(info.run_id, n)) or {}
    totals = summarize(parts)
    seconds = max(0.0, wall() - info.started_monotonic_epoch) if info.started_monotonic_epoch else 0.0
    report = {
        "run_id": info.run_id, "source": info.source, "started_at": info.started_at,
        "finished_at": utc_now(), "seconds": round(seconds, 3), "plan": info.plan,
        "shards": info.shard_count, **totals,
        "parts": {k: {f: v.get(f) for f in ("copied", "failed", "bytes")} for k, v in parts.items()},
    }
    if not put_json(store, report_key(info.run_id), report, create_only=True):
        log.info("Run %s: report already written by another shard", info.run_id)
        return None
    log.info("Run %s complete: %d copied, %d failed, %d bytes", info.run_id, totals["copied"],
             totals["failed"], totals["bytes"])
    if engine is not None:
        try:
            report["api_files"] = engine.mirror_api_files()
        except BrewsyncError as exc:
            log.warning("API files not mirrored: %s", exc)
    emit_metrics({"BottlesDownloaded": totals["copied"], "BytesDownloaded": totals["bytes"],
                  "BottlesFailed": totals["failed"], "SyncDuration": round(seconds, 3)})
    if notifier is not None:
        failures = [(f.get("filename", "?"), f.get("reason") or "unknown error") for f in totals["failures"]]
        if failures:
            notifier.send(partial_message(info.run_id, bottles=totals["copied"], nbytes=totals["bytes"],
                                          seconds=seconds, shards=info.shard_count, failures=failures))
        else:
            notifier.send(success_message(info.run_id, bottles=totals["copied"], nbytes=totals["bytes"],
                                          seconds=seconds, shards=info.shard_count,
                                          unchanged=int(info.plan.get("unchanged", 0))))
    return report


class _LogProgress(Progress):
    def message(self, text: str) -> None:
        log.info("%s", text)


def run_shard(config: WorkerConfig, *, aws=None, store=None, client=None,
              notifier: Notifier | None = None) -> dict:
    """Do one shard; returns its result document. Raises BrewsyncError when it cannot run."""
    from .stores import S3Store

    if store is None:
        if aws is None:
            from .aws import AwsClients

            aws = AwsClients(endpoint_url=config.endpoint_url)
        store = S3Store(config.bucket, "", aws)
    run_raw = store.get_bytes(run_key(config.run_id))
    plan_raw = store.get_bytes(shard_key(config.run_id, config.shard))
    if run_raw is None or plan_raw is None:
        missing = run_key(config.run_id) if run_raw is None else shard_key(config.run_id, config.shard)
        raise InputError(f"s3://{config.bucket}/{missing} does not exist",
                         hint="start shards only through the orchestrator (or check RUN_ID/SHARD)",
                         runbook="runbooks/recovery.md")
    info = RunInfo.from_json(run_raw[0])
    shard = ShardPlan.from_json(plan_raw[0])
    if shard.run_id != config.run_id or shard.shard != config.shard:
        raise InputError(f"shard file {shard_key(config.run_id, config.shard)} names run "
                         f"{shard.run_id} shard {shard.shard}")
    client = client or HomebrewClient(config.api_url)
    options = SyncOptions(tags=info.tags, layout=info.layout, concurrency=config.concurrency)
    engine = SyncEngine(client, store, options, _LogProgress(), run_id=config.run_id)
    if notifier is None:
        notifier = Notifier(config.slack_secret_id, aws=aws)
    log.info("Shard %d/%d of run %s: %d bottles, %d bytes", shard.shard, shard.shard_count,
             config.run_id, len(shard.items), sum(item_bytes(i) for i in shard.items))
    t0 = time.monotonic()
    engine.fetch_manifests((i.bottle for i in shard.items), shard.roots)
    report = SyncReport(config.run_id, utc_now(), Plan(new=list(shard.items)))
    engine.transfer_all(shard.items, report)
    result = results_to_dict(report.results, run_id=config.run_id, shard=config.shard,
                             seconds=round(time.monotonic() - t0, 3), finished_at=utc_now(),
                             manifests_written=report.manifests_written)
    put_json(store, result_key(config.run_id, config.shard), result)
    log.info("Shard %d done: %d copied, %d failed, %d bytes", config.shard, result["copied"],
             result["failed"], result["bytes"])
    complete_run(store, info, notifier, engine=engine)
    return result


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None, *, aws=None) -> int:
    setup_logging()
    try:
        config = WorkerConfig.from_env(env)
    except ConfigError as exc:
        log.error("Worker not started: %s", exc)
        return 2
    set_context(run_id=config.run_id, shard=config.shard)
    if aws is None:
        from .aws import AwsClients

        aws = AwsClients(endpoint_url=config.endpoint_url)
    notifier = Notifier(config.slack_secret_id, aws=aws)
    try:
        run_shard(config, aws=aws, notifier=notifier)
    except BrewsyncError as exc:
        log.error("Shard %d of run %s failed: %s", config.shard, config.run_id, exc)
        notifier.send(failure_message(config.run_id, error=f"shard {config.shard}: {exc.message}",
                                      runbook=exc.runbook or "runbooks/recovery.md"))
        return 1
    except Exception as exc:  # noqa: BLE001 - say what happened, in one line, then exit 1
        log.exception("Shard %d of run %s crashed: %s: %s", config.shard, config.run_id, type(exc).__name__, exc)
        notifier.send(failure_message(config.run_id, error=f"shard {config.shard}: {type(exc).__name__}: {exc}"))
        return 1
    finally:
        set_context(shard=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
