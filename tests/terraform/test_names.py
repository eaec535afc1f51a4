"""Terraform uses the names, schedule and defaults of sync_runtime.names — read from both sides."""

from __future__ import annotations

import pytest

from sync_runtime import names as rt
from sync_runtime.names import Names

from .tfhelpers import TERRAFORM, as_list, dir_blocks, dir_locals, render

ROOT_LOCALS = dir_locals(TERRAFORM)
ROOT_VARIABLES = dir_blocks(TERRAFORM, "variable")
ROOT_MODULES = dir_blocks(TERRAFORM, "module")
ACCOUNT = "123456789012"

# The one expression names.py's `_base` property corresponds to (guarded literally, because the
# renderer below evaluates only plain references).
BASE_EXPRESSION = '${trimsuffix(var.prefix, "-sync") == "" ? var.prefix : trimsuffix(var.prefix, "-sync")}'

PREFIXES = [rt.DEFAULT_PREFIX, "acme-sync", "mirror", "sync-sync", "a-b"]


def _default(variables: dict, name: str):
    return variables[name]["default"]


def _render_names(prefix: str) -> dict[str, str]:
    base = Names(prefix)._base  # the derivation names.py owns; BASE_EXPRESSION mirrors it
    values = {
        "var.prefix": prefix,
        "local.base": base,
        "var.schedule_expression": _default(ROOT_VARIABLES, "schedule_expression"),
        "data.aws_caller_identity.current.account_id": ACCOUNT,
    }
    return {key: render(template, values) for key, template in ROOT_LOCALS["names"].items()}


def test_base_expression_is_the_one_names_py_uses():
    assert ROOT_LOCALS["base"] == BASE_EXPRESSION


@pytest.mark.parametrize("prefix", PREFIXES)
def test_terraform_names_equal_runtime_names(prefix: str):
    assert _render_names(prefix) == Names(prefix).as_dict()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_default_bucket_name(prefix: str):
    template = ROOT_LOCALS["extra_names"]["bucket_default"]
    rendered = render(template, {"var.prefix": prefix, "data.aws_caller_identity.current.account_id": ACCOUNT})
    assert rendered == Names(prefix).bucket_default(ACCOUNT)
    assert ROOT_LOCALS["bucket_name"] == "${coalesce(var.bucket_name, local.extra_names.bucket_default)}"


def test_extra_names_derive_from_the_prefix():
    for key, template in ROOT_LOCALS["extra_names"].items():
        assert "${var.prefix}" in template, f"extra name {key} does not derive from the prefix"


def test_root_defaults_equal_runtime_defaults():
    assert _default(ROOT_VARIABLES, "prefix") == rt.DEFAULT_PREFIX
    assert _default(ROOT_VARIABLES, "schedule_expression") == rt.SCHEDULE_EXPRESSION
    assert _default(ROOT_VARIABLES, "mirror_tags") == list(rt.DEFAULT_TAGS)
    assert _default(ROOT_VARIABLES, "api_url") == rt.DEFAULT_API_URL
    assert _default(ROOT_VARIABLES, "size_threshold_gb") == rt.DEFAULT_SIZE_THRESHOLD_GB
    assert _default(ROOT_VARIABLES, "lambda_memory_mb") == rt.LAMBDA_DEFAULT_MEMORY_MB
    memory_rule = ROOT_VARIABLES["lambda_memory_mb"]["validation"][0]["condition"]
    assert f"var.lambda_memory_mb >= {rt.LAMBDA_MIN_MEMORY_MB}" in memory_rule
    prefix_rule = ROOT_VARIABLES["prefix"]["validation"][0]["condition"]
    assert prefix_rule == f'${{can(regex("{rt._PREFIX_RE.pattern}", var.prefix))}}'


def test_module_defaults_equal_runtime_defaults():
    orchestrator = dir_blocks(TERRAFORM / "modules/orchestrator", "variable")
    assert _default(orchestrator, "mirror_tags") == list(rt.DEFAULT_TAGS)
    assert _default(orchestrator, "size_threshold_gb") == rt.DEFAULT_SIZE_THRESHOLD_GB
    assert _default(orchestrator, "api_url") == rt.DEFAULT_API_URL
    assert _default(orchestrator, "memory_mb") == rt.LAMBDA_DEFAULT_MEMORY_MB
    assert f"var.memory_mb >= {rt.LAMBDA_MIN_MEMORY_MB}" in orchestrator["memory_mb"]["validation"][0]["condition"]
    orchestrator_locals = dir_locals(TERRAFORM / "modules/orchestrator")
    assert orchestrator_locals["timeout_seconds"] == rt.LAMBDA_TIMEOUT_SECONDS
    log_group = render(orchestrator_locals["log_group_name"], {"var.function_name": Names().lambda_function})
    assert log_group == Names().lambda_log_group

    schedule = dir_blocks(TERRAFORM / "modules/schedule", "variable")
    assert _default(schedule, "schedule_expression") == rt.SCHEDULE_EXPRESSION
    assert _default(schedule, "input") == {"source": "schedule"}

    storage = dir_blocks(TERRAFORM / "modules/storage", "variable")
    assert _default(storage, "index_key") == rt.INDEX_KEY

    monitoring = dir_blocks(TERRAFORM / "modules/monitoring", "variable")
    assert _default(monitoring, "metrics_namespace") == rt.METRICS_NAMESPACE
    assert _default(monitoring, "lambda_timeout_seconds") == rt.LAMBDA_TIMEOUT_SECONDS

    worker = dir_blocks(TERRAFORM / "modules/worker", "variable")
    assert _default(worker, "container_name") == Names().container_name


# Which names.py key each module argument of the root module must take.
WIRING = {
    ("storage", "index_key"): "index_key",
    ("network", "name"): "vpc",
    ("network", "security_group_name"): "security_group",
    ("notifications", "secret_name"): "slack_secret",
    ("notifications", "topic_name"): "sns_topic",
    ("worker", "cluster_name"): "ecs_cluster",
    ("worker", "task_family"): "task_family",
    ("worker", "container_name"): "container_name",
    ("worker", "ecr_repository_name"): "ecr_repository",
    ("worker", "log_group_name"): "ecs_log_group",
    ("worker", "task_role_name"): "ecs_task_role",
    ("worker", "execution_role_name"): "ecs_execution_role",
    ("orchestrator", "function_name"): "lambda_function",
    ("orchestrator", "role_name"): "lambda_role",
    ("schedule", "rule_name"): "schedule_rule",
    ("monitoring", "dashboard_name"): "dashboard",
    ("monitoring", "metrics_namespace"): "metrics_namespace",
}


@pytest.mark.parametrize(("module", "argument"), sorted(WIRING), ids=lambda v: str(v))
def test_root_passes_each_name_from_names_tf(module: str, argument: str):
    assert ROOT_MODULES[module][argument] == f"${{local.names.{WIRING[module, argument]}}}"


def test_root_passes_alarm_names_and_schedule():
    alarms = ROOT_MODULES["monitoring"]["alarm_names"]
    assert alarms == {
        "lambda_errors": "${local.names.alarm_lambda_errors}",
        "ecs_failures": "${local.names.alarm_ecs_failures}",
        "lambda_duration": "${local.names.alarm_lambda_duration}",
        "stale_mirror": "${local.names.alarm_stale_mirror}",
    }
    assert set(Names().alarms) == {_render_names(rt.DEFAULT_PREFIX)[f"alarm_{k}"] for k in alarms}
    assert ROOT_MODULES["schedule"]["schedule_expression"] == "${var.schedule_expression}"
    assert "${local.names.lambda_log_group}" in as_list(ROOT_MODULES["storage"]["log_group_names"])
    assert "${local.names.ecs_log_group}" in as_list(ROOT_MODULES["storage"]["log_group_names"])
