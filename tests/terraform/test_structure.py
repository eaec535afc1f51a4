"""The Terraform tree parses and follows the module conventions (no terraform binary needed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .tfhelpers import (
    MODULES,
    ROOTS,
    TERRAFORM,
    as_list,
    blocks,
    dir_blocks,
    hcl_files,
    load_tf,
    policy_statements,
    tf_files,
    typed_blocks,
)

AWS_CONSTRAINT = ">= 5.40, < 6.0"
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")


def _rel(path: Path) -> str:
    return str(path.relative_to(TERRAFORM))


def test_tree_has_every_module_and_example():
    assert [m.name for m in MODULES] == sorted(
        ["storage", "network", "orchestrator", "worker", "schedule", "notifications", "monitoring", "cdn"]
    )
    assert {"minimal", "complete"} <= {r.name for r in ROOTS}


@pytest.mark.parametrize("path", hcl_files(), ids=_rel)
def test_every_hcl_file_parses(path: Path):
    assert isinstance(load_tf(path), dict)


@pytest.mark.parametrize("path", tf_files(), ids=_rel)
def test_every_variable_has_description_and_type(path: Path):
    for name, body in blocks(path, "variable").items():
        assert str(body.get("description", "")).strip(), f"variable {name} in {_rel(path)} has no description"
        assert "type" in body, f"variable {name} in {_rel(path)} has no type"


@pytest.mark.parametrize("path", tf_files(), ids=_rel)
def test_every_output_has_description(path: Path):
    for name, body in blocks(path, "output").items():
        assert str(body.get("description", "")).strip(), f"output {name} in {_rel(path)} has no description"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_has_the_standard_files(module: Path):
    missing = [f for f in MODULE_FILES if not (module / f).is_file()]
    assert not missing, f"{module.name} lacks {missing}"
    iam = [t for t in typed_blocks(module, "resource") if t.type.startswith("aws_iam_")]
    docs = typed_blocks(module, "data")
    policy_docs = [d for d in docs if d.type == "aws_iam_policy_document"]
    if iam or policy_docs:
        assert (module / "iam.tf").is_file(), f"{module.name} has IAM but no iam.tf"
    for doc in policy_docs:
        assert doc.file.name == "iam.tf", f"{module.name}: policy document {doc.name} belongs in iam.tf"


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_module_readme_lists_inputs_and_outputs(module: Path):
    readme = (module / "README.md").read_text(encoding="utf-8")
    for kind in ("variable", "output"):
        for name in dir_blocks(module, kind):
            assert f"`{name}`" in readme, f"{module.name}/README.md does not document {kind} `{name}`"
    assert re.search(r"(?im)^#+ .*(creates|resources)", readme), f"{module.name}/README.md: say what it creates"


def test_root_readme_documents_deploy_and_from_terraform():
    readme = (TERRAFORM / "README.md").read_text(encoding="utf-8")
    assert "terraform output -json" in readme and "--from-terraform" in readme
    for name in dir_blocks(TERRAFORM, "output"):
        assert f"`{name}`" in readme, f"terraform/README.md does not document output `{name}`"
    assert "brewsync package" in readme and "terraform apply" in readme


@pytest.mark.parametrize("root", [*ROOTS, *MODULES], ids=lambda p: _rel(p) or "root")
def test_only_the_hashicorp_aws_provider(root: Path):
    (tf,) = load_tf(root / "versions.tf")["terraform"]
    providers: dict = {}
    for entry in as_list(tf.get("required_providers")):
        providers.update(entry)
    assert set(providers) == {"aws"}, f"{_rel(root)}: only hashicorp/aws is allowed, found {sorted(providers)}"
    assert providers["aws"]["source"] == "hashicorp/aws"
    assert providers["aws"]["version"] == AWS_CONSTRAINT


def test_no_archive_file_and_no_provider_blocks_in_modules():
    for path in tf_files():
        text = path.read_text(encoding="utf-8")
        assert "archive_file" not in text, f"{_rel(path)}: the zip is built by `brewsync package`"
        if "modules" in path.relative_to(TERRAFORM).parts:
            assert not load_tf(path).get("provider"), f"{_rel(path)}: modules inherit the provider"


# Arguments that hold a JSON policy: each must come from an aws_iam_policy_document.
POLICY_ARGUMENTS = {
    "aws_iam_role": "assume_role_policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_kms_key": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_secretsmanager_secret_policy": "policy",
}


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_policies_are_policy_documents(module: Path):
    for res in typed_blocks(module, "resource"):
        arg = POLICY_ARGUMENTS.get(res.type)
        if arg is None or arg not in res.body:
            continue
        assert re.fullmatch(r"\$\{data\.aws_iam_policy_document\.\w+(\[\d+\])?\.json\}", res.body[arg]), (
            f"{module.name}: {res.type}.{res.name}.{arg} must be data.aws_iam_policy_document.<name>.json"
        )


# (module, policy document, statement sid) where Resource "*" is the only value AWS accepts.
STAR_RESOURCE_ALLOWED = {
    ("worker", "execution", "GetEcrToken"),  # ecr:GetAuthorizationToken
    ("orchestrator", "this", "WriteTraces"),  # xray:Put*, only with tracing_mode = Active
}
KEY_POLICIES = {("storage", "kms")}  # in a key policy, "*" means the key itself


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_policy_statements_are_narrow(module: Path):
    for doc in typed_blocks(module, "data"):
        if doc.type != "aws_iam_policy_document":
            continue
        for st in policy_statements(doc.body):
            sid = st.get("sid", "")
            actions = as_list(st.get("actions"))
            where = f"{module.name}: {doc.name}/{sid or '<no sid>'}"
            assert sid, f"{where}: every statement has a sid"
            assert "*" not in actions, f"{where}: '*' action"
            if st.get("effect", "Allow") == "Allow":
                assert not any(a.endswith(":*") for a in actions), f"{where}: service-wide wildcard action"
                if "*" in as_list(st.get("resources")):
                    assert (module.name, doc.name, sid) in STAR_RESOURCE_ALLOWED or (
                        module.name,
                        doc.name,
                    ) in KEY_POLICIES, f"{where}: '*' resource where AWS allows a narrower one"


def test_orchestrator_may_pass_only_the_two_worker_roles():
    (doc,) = [d for d in typed_blocks(TERRAFORM / "modules/orchestrator", "data") if d.name == "this"]
    by_sid = {st["sid"]: st for st in policy_statements(doc.body)}
    assert as_list(by_sid["PassWorkerRolesToEcs"]["resources"]) == ["${var.task_role_arn}", "${var.execution_role_arn}"]
    assert as_list(by_sid["ReadSlackWebhook"]["resources"]) == ["${var.slack_secret_arn}"]
    assert as_list(by_sid["ReadWriteMirrorObjects"]["resources"]) == ["${var.bucket_arn}/*"]
    assert "task-definition/${var.task_family}:*" in as_list(by_sid["RunWorkerTaskFamily"]["resources"])[0]
