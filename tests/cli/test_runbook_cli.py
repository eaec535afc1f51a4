"""`brewsync runbook [AREA|FINDING-ID]`: the guide in the terminal."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from brewsync_ops.cli import app


def run(*args):
    return CliRunner().invoke(app, ["runbook", *args], env={"COLUMNS": "120", "NO_COLOR": "1"})


def test_list_of_areas():
    result = run()
    assert result.exit_code == 0, result.output
    for area in ("schedule", "lambda", "ecs", "s3", "hash", "slack", "network", "perf", "monitoring", "logs",
                 "recovery"):
        assert area in result.stdout


def test_area_renders_markdown_without_html_anchors():
    result = run("schedule")
    assert result.exit_code == 0, result.output
    assert "Schedule: the weekly run" in result.stdout
    assert "brewsync schedule enable" in result.stdout and "aws events enable-rule" in result.stdout
    assert "<a id=" not in result.stdout


def test_finding_id_shows_only_its_section():
    result = run("schedule.rule-disabled")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "runbooks/schedule.md#schedule-rule-disabled" in out
    assert "aws events enable-rule --name homebrew-sync-schedule" in out
    assert "add-permission" not in out  # the next sections are not shown


def test_aliases_and_link_forms():
    assert run("performance").exit_code == 0
    assert "Performance" in run("performance").stdout
    assert "Workers are CPU-bound" in run("perf.ecs-cpu").stdout
    assert "Workers are CPU-bound" in run("runbooks/perf.md#perf-ecs-cpu").stdout
    data = json.loads(run("lambda-timed-out", "--json").stdout)
    assert data["area"] == "lambda" and data["anchor"] == "lambda-timed-out" and "Task timed out" in data["markdown"]


def test_unknown_area_or_id_is_one_line_exit_2():
    for topic in ("nonsense", "lambda.nope", "runbooks/lambda.md#nope"):
        result = run(topic)
        assert result.exit_code == 2, (topic, result.output)
        assert result.stderr.startswith("brewsync: error: runbook")
        assert len(result.stderr.strip().splitlines()) == 1
