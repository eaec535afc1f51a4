"""`brewsync`: the root command, global options, and the one place errors become exit codes.

Command groups live in brewsync_ops/commands/, one module (one typer app) per noun; they parse
options, call one function, render. Heavy imports (boto3, rich tables) happen inside commands so
`brewsync --help` starts fast.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer
from typer.core import TyperGroup

from sync_runtime.errors import BrewsyncError
from sync_runtime.names import DEFAULT_PREFIX
from sync_runtime.redact import redact

from .context import AppContext
from .exit_codes import ExitCode


def classify(exc: BaseException) -> tuple[ExitCode, str, str | None]:
    """Map any exception to (exit code, one-line message, hint)."""
    if isinstance(exc, BrewsyncError):
        hint = exc.hint
        if exc.runbook:
            hint = f"{hint}  (see {exc.runbook})" if hint else f"see {exc.runbook}"
        return ExitCode(exc.exit_code), exc.message, hint
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, "interrupted", None
    module = type(exc).__module__ or ""
    if module.startswith(("botocore", "boto3", "s3transfer")):
        return _classify_aws(exc)
    if isinstance(exc, (OSError,)):
        return ExitCode.USAGE, f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), None
    return ExitCode.FINDINGS, f"{type(exc).__name__}: {exc}", "run again with --debug for the traceback"


def _classify_aws(exc: BaseException) -> tuple[ExitCode, str, str | None]:
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "NoRegionError", "ProfileNotFound"):
        return ExitCode.AWS_ACCESS, str(exc), "configure credentials (aws configure, AWS_PROFILE) or use `brewsync dev up`"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError"):
        return ExitCode.AWS_ACCESS, f"cannot reach AWS: {exc}", "check --endpoint-url / network access"
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code", "")
    msg = response.get("Error", {}).get("Message", "") or str(exc)
    if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                "InvalidClientTokenId", "ExpiredToken", "SignatureDoesNotMatch", "403"):
        return ExitCode.AWS_ACCESS, f"AWS refused: {code}: {msg}", "check the IAM permissions of your profile"
    return ExitCode.AWS_ACCESS, f"AWS error {code or name}: {msg}", None


def report_error(exc: BaseException, debug: bool = False) -> ExitCode:
    code, message, hint = classify(exc)
    if debug and not isinstance(exc, KeyboardInterrupt):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    sys.stderr.write(f"brewsync: error: {redact(message)}\n")
    if hint:
        sys.stderr.write(f"hint: {redact(hint)}\n")
    sys.stderr.flush()
    return code


def _is_cli_flow(exc: BaseException) -> bool:
    """click's own control flow (UsageError, BadParameter, Exit, Abort) — from click or from
    the copy of click that typer ≥ 0.20 vendors as ``typer._click``."""
    return type(exc).__module__.split(".")[0] in ("click", "typer")


class BrewsyncGroup(TyperGroup):
    """Root group: every exception raised by any command is mapped here, once."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the one handler
            if _is_cli_flow(exc):
                if hasattr(exc, "format_message"):  # UsageError / BadParameter: one line, not a box
                    where = getattr(getattr(exc, "ctx", None), "command_path", None) or "brewsync"
                    sys.stderr.write(f"brewsync: error: {redact(exc.format_message())}\n"
                                     f"hint: see '{where} --help'\n")
                    ctx.exit(int(getattr(exc, "exit_code", ExitCode.USAGE)))
                raise  # Exit, Abort: typer handles them
            obj = ctx.obj if isinstance(ctx.obj, AppContext) else None
            ctx.exit(int(report_error(exc, debug=bool(obj and obj.debug))))


app = typer.Typer(
    cls=BrewsyncGroup,
    name="brewsync",
    help="Keep a private Homebrew bottle mirror in S3 (or a folder) synced and healthy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def main(
    ctx: typer.Context,
    profile: Optional[str] = typer.Option(None, "--profile", envvar=["BREWSYNC_PROFILE", "AWS_PROFILE"], help="AWS profile."),
    region: Optional[str] = typer.Option(None, "--region", envvar=["BREWSYNC_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"], help="AWS region."),
    endpoint_url: Optional[str] = typer.Option(None, "--endpoint-url", envvar=["BREWSYNC_ENDPOINT_URL", "AWS_ENDPOINT_URL"], help="AWS endpoint (e.g. a moto server)."),
    prefix: str = typer.Option(DEFAULT_PREFIX, "--prefix", envvar="BREWSYNC_PREFIX", help="Name prefix of the deployment."),
    bucket: Optional[str] = typer.Option(None, "--bucket", envvar="BREWSYNC_BUCKET", help="Mirror bucket."),
    from_terraform: Optional[str] = typer.Option(None, "--from-terraform", envvar="BREWSYNC_TERRAFORM_DIR", help="Read bucket/region/prefix from `terraform output -json` in DIR."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    obj = AppContext(profile=profile, region=region, endpoint_url=endpoint_url, prefix=prefix, bucket=bucket, debug=debug)
    ctx.obj = obj
    obj.names  # validate the prefix early: one clear line, exit 2
    if from_terraform:
        obj.apply_terraform(from_terraform)


def _register() -> None:
    from .commands import demo as demo_commands
    from .commands import sync as sync_commands

    sync_commands.register(app)
    demo_commands.register(app)

    from .commands import doctor as doctor_commands

    doctor_commands.register(app)

    from .commands import ecs as ecs_commands
    from .commands import lambda_ as lambda_commands
    from .commands import network as network_commands
    from .commands import perf as perf_commands
    from .commands import s3 as s3_commands
    from .commands import schedule as schedule_commands
    from .commands import slack as slack_commands

    for module in (schedule_commands, lambda_commands, ecs_commands, s3_commands, slack_commands,
                   network_commands, perf_commands):
        module.register(app)

    from .commands import package as package_commands; package_commands.register(app)  # noqa: E702
    from .commands import dev as dev_commands

    dev_commands.register(app)

    from .commands import hash as hash_commands

    hash_commands.register(app)

    from .commands import trigger as trigger_commands

    trigger_commands.register(app)

    from .commands import recover as recover_commands

    recover_commands.register(app)

    from .commands import prune as prune_commands

    prune_commands.register(app)

    from .commands import alarms as alarms_commands
    from .commands import bundle as bundle_commands
    from .commands import logs as logs_commands
    from .commands import metrics as metrics_commands
    from .commands import runbook as runbook_commands

    for module in (logs_commands, alarms_commands, metrics_commands, bundle_commands, runbook_commands):
        module.register(app)


_register()
