"""`brewsync slack check|test|set-webhook`: notifications. The webhook URL is never printed."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from sync_runtime.errors import BrewsyncError, InputError
from sync_runtime.redact import redact

from ._common import JSON_OPT, QUERY_OPT, deployment, done, preflight, run_checks

app = typer.Typer(help="Slack notifications.", no_args_is_help=True)


@app.command("check")
def check(ctx: typer.Context, send_test: bool = typer.Option(False, "--send-test", help="Also post a test message."),
          as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """The secret exists and holds a webhook URL (and the webhook answers, with --send-test)."""
    run_checks(ctx, ["slack"], as_json=as_json, query=query, title="slack", send_test=send_test)


@app.command("test")
def test(ctx: typer.Context,
         via_lambda: bool = typer.Option(False, "--via-lambda", help="Ask the orchestrator to send it (tests its "
                                         "secret access and network path too)."),
         as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Send a test message."""
    import json

    from ..checks.slack import read_webhook, send

    dep = deployment(ctx)
    preflight(dep)
    if via_lambda:
        resp = dep.client("lambda").invoke(FunctionName=dep.names.lambda_function,
                                           Payload=json.dumps({"source": "notification-test"}).encode())
        payload = resp["Payload"].read().decode(errors="replace")[:200]
        if resp.get("FunctionError") or resp.get("StatusCode", 500) >= 300:
            raise BrewsyncError(f"the orchestrator could not send the test message: {redact(payload)}",
                                hint="brewsync slack check; brewsync lambda status")
        done(f"orchestrator invoked (HTTP {resp.get('StatusCode')}): {redact(payload)}", as_json=as_json, query=query)
        return
    url = read_webhook(dep)
    if url is None:
        raise BrewsyncError(f"secret {dep.secret_id()} does not exist", hint="brewsync slack set-webhook")
    status, text = send(url, "brewsync: test message")
    if status is None or not 200 <= status < 300:
        raise BrewsyncError(f"the webhook {redact(url)} rejected the test message: {text}",
                            hint="create a new webhook in Slack, then: brewsync slack set-webhook",
                            runbook="runbooks/slack.md#slack-webhook-rejected")
    done(f"test message accepted by {redact(url)} (HTTP {status})", as_json=as_json, query=query, status=status)


@app.command("set-webhook")
def set_webhook(ctx: typer.Context,
                url: Optional[str] = typer.Option(None, "--url", envvar="BREWSYNC_SLACK_WEBHOOK", show_envvar=True,
                                                  help="Webhook URL (better: leave out and paste at the prompt, "
                                                       "or pipe it on stdin)."),
                as_json: bool = JSON_OPT, query: Optional[str] = QUERY_OPT) -> None:
    """Store the Slack webhook URL in Secrets Manager (creates the secret if needed)."""
    from ..checks.slack import webhook_problem

    if not url:
        url = sys.stdin.readline().strip() if not sys.stdin.isatty() else typer.prompt("Slack webhook URL",
                                                                                        hide_input=True, err=True)
    problem = webhook_problem(url or "")
    if problem:
        raise InputError(f"not a Slack webhook URL: {problem}", hint="https://hooks.slack.com/services/T…/B…/…")
    dep = deployment(ctx)
    preflight(dep)
    sm = dep.client("secretsmanager")
    try:
        sm.put_secret_value(SecretId=dep.secret_id(), SecretString=url)
        action = "updated"
    except Exception as exc:  # noqa: BLE001
        if "ResourceNotFound" not in type(exc).__name__ + str(exc):
            raise
        sm.create_secret(Name=dep.secret_id(), SecretString=url, Description="Slack incoming webhook for brewsync")
        action = "created"
    done(f"secret {dep.secret_id()} {action}: {redact(url, [url])}", as_json=as_json, query=query)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="slack")
