"""Names derived from one Bottle record, and tag selection (reference/homebrew.md)."""

import pytest

from sync_runtime.bottle import Bottle, check_name, image_name, manifest_tag, pkg_version
from sync_runtime.errors import InputError
from sync_runtime.tags import parse_tags, select_tags, serving_tag

SHA = "a" * 64


def bottle(name="wget", ver="1.25.0_2", rebuild=1, tag="arm64_sonoma"):
    return Bottle(name, ver, rebuild, tag, SHA, f"https://ghcr.io/v2/homebrew/core/x/blobs/sha256:{SHA}")


def test_filename_keeps_revision_and_rebuild():
    assert bottle().filename == "wget-1.25.0_2.arm64_sonoma.bottle.1.tar.gz"
    assert bottle(rebuild=0).filename == "wget-1.25.0_2.arm64_sonoma.bottle.tar.gz"
    assert bottle(tag="all", ver="2.0", rebuild=0).filename == "wget-2.0.all.bottle.tar.gz"


@pytest.mark.parametrize("name,image", [("openssl@3", "openssl/3"), ("gtk+3", "gtkx3"),
                                        ("aarch64-elf-gcc", "aarch64-elf-gcc"),
                                        ("python@3.13", "python/3.13")])
def test_image_name(name, image):
    assert image_name(name) == image
    assert bottle(name=name).blob_key == f"v2/homebrew/core/{image}/blobs/sha256:{SHA}"


def test_manifest_tag_and_keys():
    assert pkg_version("1.25.0", 2) == "1.25.0_2"
    assert pkg_version("1.25.0", 0) == "1.25.0"
    assert manifest_tag("1.25.0_2", 1) == "1.25.0_2-1"
    assert manifest_tag("3.4.1", 0) == "3.4.1"
    b = bottle(name="openssl@3", ver="3.4.1", rebuild=0)
    assert b.artifact_manifest_key == "v2/homebrew/core/openssl/3/manifests/3.4.1"
    assert b.bottle_manifest_key == "bottles/openssl/3/manifests/3.4.1"
    assert b.bottle_key == "bottles/openssl@3-3.4.1.arm64_sonoma.bottle.tar.gz"
    assert b.url_filename == "openssl%403-3.4.1.arm64_sonoma.bottle.tar.gz"
    assert bottle(name="gtk+3").url_filename.startswith("gtk%2B3-")


@pytest.mark.parametrize("bad", ["a/b", "..", "a..b", "x\x00y", "/abs", "", "-x", "a b", 5, None])
def test_bad_names_refused(bad):
    with pytest.raises(InputError):
        check_name(bad)


def test_parse_tags():
    assert parse_tags("arm64_sonoma, monterey,arm64_sonoma") == ("arm64_sonoma", "monterey")
    with pytest.raises(InputError, match="unknown bottle tag 'arm64_nope'"):
        parse_tags("arm64_sonoma,arm64_nope")
    with pytest.raises(InputError):
        parse_tags(" , ")


def test_serving_tag_falls_back_to_newest_older_same_arch_then_all():
    files = {"arm64_ventura", "arm64_monterey", "ventura", "x86_64_linux"}
    assert serving_tag("arm64_sonoma", files) == "arm64_ventura"
    assert serving_tag("arm64_ventura", files) == "arm64_ventura"
    assert serving_tag("sonoma", files) == "ventura"
    assert serving_tag("monterey", files) is None          # only a newer Intel bottle exists
    assert serving_tag("arm64_sonoma", {"all"}) == "all"
    assert serving_tag("arm64_sonoma", {"sonoma", "all"}) == "all"  # never cross architectures
    assert serving_tag("arm64_linux", {"x86_64_linux"}) is None


def test_select_tags_dedupes():
    files = {"arm64_ventura": 1, "monterey": 1}
    assert select_tags(["arm64_sonoma", "arm64_ventura", "monterey"], files) == ["arm64_ventura", "monterey"]
