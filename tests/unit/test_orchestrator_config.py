"""RuntimeConfig / WorkerConfig from the environment: typed, defaults, and errors naming the variable."""

from __future__ import annotations

import pytest

from sync_runtime.config import RuntimeConfig, WorkerConfig
from sync_runtime.errors import ConfigError

BASE = {
    "BUCKET": "homebrew-sync-bottles-123456789012", "TAGS": "arm64_sonoma, arm64_ventura,monterey",
    "SHARD_COUNT": "4", "ECS_CLUSTER": "homebrew-sync", "TASK_DEFINITION": "homebrew-bottles-sync",
    "SUBNETS": "subnet-0123abcd,subnet-89abcdef", "SECURITY_GROUPS": "sg-0123abcd",
    "SLACK_SECRET_ID": "homebrew-sync/slack-webhook", "API_URL": "https://formulae.brew.sh/api/",
    "BREWSYNC_PREFIX": "homebrew-sync",
}


def test_terraform_environment_parses_with_defaults():
    cfg = RuntimeConfig.from_env(BASE)
    assert cfg.tags == ("arm64_sonoma", "arm64_ventura", "monterey")
    assert cfg.size_threshold_gb == 20 and cfg.size_threshold_bytes == 20_000_000_000
    assert cfg.subnets == ("subnet-0123abcd", "subnet-89abcdef") and cfg.shard_count == 4
    assert cfg.api_url == "https://formulae.brew.sh/api" and cfg.layout == "both"
    assert cfg.prune_after_days is None and cfg.endpoint_url is None
    assert cfg.names.container_name == "worker"


def test_optional_variables():
    cfg = RuntimeConfig.from_env({**BASE, "SIZE_THRESHOLD_GB": "0.5", "PRUNE_AFTER_DAYS": "30",
                                  "LAYOUT": "artifact", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert cfg.size_threshold_bytes == 500_000_000 and cfg.prune_after_days == 30 and cfg.layout == "artifact"
    env = dict(BASE)
    del env["SLACK_SECRET_ID"], env["API_URL"]
    cfg = RuntimeConfig.from_env({**env, "BREWSYNC_PREFIX": "brew-mirror"})
    assert cfg.slack_secret_id == "brew-mirror/slack-webhook" and cfg.api_url == "https://formulae.brew.sh/api"


@pytest.mark.parametrize("var", ["BUCKET", "TAGS", "SHARD_COUNT", "ECS_CLUSTER", "TASK_DEFINITION",
                                 "SUBNETS", "SECURITY_GROUPS"])
def test_a_missing_variable_is_named(var):
    env = {k: v for k, v in BASE.items() if k != var}
    with pytest.raises(ConfigError, match=f"environment variable {var} is missing"):
        RuntimeConfig.from_env(env)
    with pytest.raises(ConfigError, match=f"{var} is missing"):
        RuntimeConfig.from_env({**env, var: "  "})


@pytest.mark.parametrize("var, value, phrase", [
    ("BUCKET", "Not_A_Bucket", "not a valid S3 bucket name"),
    ("TAGS", "arm64_sonoma,Big Sur", "'Big Sur' is not a valid bottle tag"),
    ("TAGS", ",", "comma-separated list"),
    ("SIZE_THRESHOLD_GB", "lots", "expected a number"),
    ("SIZE_THRESHOLD_GB", "0", "positive"),
    ("SIZE_THRESHOLD_GB", "nan", "positive"),
    ("SHARD_COUNT", "0", "expected 1 to 100"),
    ("SHARD_COUNT", "2.5", "whole number"),
    ("SUBNETS", "subnet-xyz", "not a valid subnet id"),
    ("SECURITY_GROUPS", "default", "not a valid security group id"),
    ("API_URL", "ftp://example.com", "http(s) URL"),
    ("PRUNE_AFTER_DAYS", "-1", "expected 1 to 3650"),
    ("BREWSYNC_PREFIX", "Homebrew_Sync", "prefix"),
    ("LAYOUT", "flat", "expected one of artifact, bottle-domain, both"),
])
def test_an_invalid_variable_is_named(var, value, phrase):
    with pytest.raises(ConfigError) as err:
        RuntimeConfig.from_env({**BASE, var: value})
    assert f"environment variable {var}=" in err.value.message and phrase in err.value.message
    assert err.value.hint and var in err.value.hint


def test_worker_config():
    env = {"BUCKET": "mirror-bucket", "RUN_ID": "20261129T030000Z-abcdef", "SHARD": "2"}
    cfg = WorkerConfig.from_env(env)
    assert cfg.shard == 2 and cfg.slack_secret_id == "homebrew-sync/slack-webhook"
    with pytest.raises(ConfigError, match="RUN_ID is missing"):
        WorkerConfig.from_env({"BUCKET": "mirror-bucket", "SHARD": "0"})
    with pytest.raises(ConfigError, match="RUN_ID='../x' is invalid"):
        WorkerConfig.from_env({**env, "RUN_ID": "../x"})
    with pytest.raises(ConfigError, match="SHARD='-1' is invalid"):
        WorkerConfig.from_env({**env, "SHARD": "-1"})
