"""Global settings of one `brewsync` invocation: AWS access, names, bucket.

Built once by the root callback from options and environment variables (`BREWSYNC_*`, `AWS_*`)
and handed to every command through ``ctx.obj``. Nothing here talks to AWS until asked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sync_runtime.aws import AwsClients
from sync_runtime.errors import ConfigError
from sync_runtime.names import Names


@dataclass
class AppContext:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    prefix: str = "homebrew-sync"
    bucket: str | None = None
    debug: bool = False
    terraform_outputs: dict = field(default_factory=dict)
    _aws: AwsClients | None = None

    @property
    def names(self) -> Names:
        try:
            return Names(self.prefix)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @property
    def aws(self) -> AwsClients:
        if self._aws is None:
            self._aws = AwsClients(
                profile=self.profile, region=self.region, endpoint_url=self.endpoint_url
            )
        return self._aws

    def client(self, service: str):
        return self.aws.client(service)

    def apply_terraform(self, directory: str) -> None:
        """Learn bucket, region and prefix from `terraform output -json` in DIRECTORY."""
        outputs = read_terraform_outputs(directory)
        self.terraform_outputs = outputs
        self.bucket = self.bucket or outputs.get("bucket")
        self.region = self.region or outputs.get("region")
        if outputs.get("prefix"):
            self.prefix = outputs["prefix"]


def terraform_output_json(directory: str) -> dict:
    """The raw `terraform output -json` of DIRECTORY: name -> {"value", "sensitive", "type"}."""
    path = Path(directory)
    if not path.is_dir():
        raise ConfigError(f"{directory} is not a directory (expected a Terraform root)")
    exe = shutil.which("terraform")
    if exe is None:
        raise ConfigError("reading Terraform outputs needs the terraform binary on PATH")
    proc = subprocess.run(
        [exe, "output", "-json"], cwd=path, capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["no output"])[0]
        raise ConfigError(f"terraform output failed in {directory}: {first}")
    try:
        raw = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError as exc:
        raise ConfigError(f"terraform output -json is not JSON: {exc}") from None
    return {k: v for k, v in raw.items() if isinstance(v, dict)}


def read_terraform_outputs(directory: str) -> dict:
    """Output values by name (what --from-terraform uses)."""
    return {k: v.get("value") for k, v in terraform_output_json(directory).items()}
