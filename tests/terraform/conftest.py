"""Fixtures for the Terraform tests that need the terraform binary and the provider mirror.

The tree is copied once per session to a temporary directory and each root (terraform/ and
every example) is initialised once there, offline, from the filesystem mirror, sharing one
plugin cache. Nothing is written into the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from .tfhelpers import EXAMPLES, TERRAFORM

PROVIDER = "registry.terraform.io/hashicorp/aws"
DEFAULT_MIRROR = "/opt/tf-plugins"


def _terraform_binary() -> str | None:
    explicit = os.environ.get("BREWSYNC_TERRAFORM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("terraform") or (
        "/usr/local/bin/terraform" if Path("/usr/local/bin/terraform").is_file() else None
    )


def _mirror() -> Path | None:
    path = Path(os.environ.get("BREWSYNC_TF_PLUGIN_MIRROR", DEFAULT_MIRROR))
    return path if (path / PROVIDER).is_dir() else None


@dataclass(frozen=True)
class TerraformEnv:
    binary: str
    workdir: Path  # copy of terraform/
    env: dict[str, str]

    def root(self, relative: str = "") -> Path:
        return self.workdir / relative if relative else self.workdir

    def run(self, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture(scope="session")
def terraform_binary() -> str:
    binary = _terraform_binary()
    if binary is None:
        pytest.skip("terraform binary not found (PATH, /usr/local/bin or BREWSYNC_TERRAFORM)")
    return binary


@pytest.fixture(scope="session")
def terraform_env(terraform_binary: str, tmp_path_factory: pytest.TempPathFactory) -> TerraformEnv:
    mirror = _mirror()
    if mirror is None:
        pytest.skip(
            f"no filesystem mirror of {PROVIDER} at {DEFAULT_MIRROR} "
            "(or BREWSYNC_TF_PLUGIN_MIRROR): terraform cannot install the provider offline"
        )
    base = tmp_path_factory.mktemp("terraform")
    cli_config = base / "terraform.rc"
    cli_config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        f'    include = ["{PROVIDER}"]\n'
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    cache = base / "plugin-cache"
    cache.mkdir()
    workdir = base / "terraform"
    shutil.copytree(
        TERRAFORM, workdir, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))} | {
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_PLUGIN_CACHE_DIR": str(cache),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",  # no version check against checkpoint-api.hashicorp.com
    }
    return TerraformEnv(terraform_binary, workdir, env)


@pytest.fixture(scope="session")
def initialised(terraform_env: TerraformEnv) -> TerraformEnv:
    """The root and every example, `init -backend=false`, once per session."""
    roots = [terraform_env.root(), *(terraform_env.root(f"examples/{p.name}") for p in EXAMPLES)]
    for root in roots:
        result = terraform_env.run("init", "-backend=false", "-input=false", "-no-color", cwd=root)
        assert result.returncode == 0, f"terraform init in {root.name} failed:\n{result.stdout}\n{result.stderr}"
    return terraform_env
