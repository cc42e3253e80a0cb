"""Regions and partitions come from botocore's data (safemaker.partitions; pure, no network).

Expected values are read from botocore's data files directly (``endpoints.json``,
``partitions.json``), never through safemaker: every region botocore lists
gets its partition, every partition's DNS suffix is an AWS domain, and a
role ARN in the region's partition is accepted by the profile, the IAM
renderer and infra.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore
import botocore.session
import pytest

from safemaker import hooks, iam
from safemaker.errors import ProfileError
from safemaker.iam import constants as iam_constants
from safemaker.network.infra import StackConfig
from safemaker.partitions import dns_suffixes, partition_ids, partition_of_region, partition_pattern
from safemaker.profile import VpcProfile

from _profiles import SUB_A, make_profile

DATA = Path(botocore.__file__).parent / "data"
ENDPOINTS = json.loads((DATA / "endpoints.json").read_text())["partitions"]
PARTITIONS = json.loads((DATA / "partitions.json").read_text())["partitions"]

# (region, partition) for every region botocore's endpoint data lists.
LISTED = [(region, p["partition"]) for p in ENDPOINTS for region in p["regions"]]
# One region per partition, from the endpoint data (the closed-network partitions included).
ONE_PER_PARTITION = {p["partition"]: sorted(p["regions"])[0] for p in ENDPOINTS if p["regions"]}


def test_the_closed_partitions_are_in_botocores_data():
    assert {"aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"} <= set(ONE_PER_PARTITION)
    assert set(partition_ids()) == {p["id"] for p in PARTITIONS}


@pytest.mark.parametrize(("region", "partition"), LISTED)
def test_every_listed_region_gets_the_partition_of_the_endpoint_data(region, partition):
    assert partition_of_region(region) == partition


@pytest.mark.parametrize(("region", "partition"), [
    ("us-iso-east-1", "aws-iso"), ("us-isob-east-1", "aws-iso-b"), ("eu-isoe-west-1", "aws-iso-e"),
    ("us-isof-south-1", "aws-iso-f"), ("eusc-de-east-1", "aws-eusc"), ("cn-north-1", "aws-cn"),
    ("us-gov-west-1", "aws-us-gov"), ("eu-central-1", "aws"),
])
def test_named_regions_agree_with_botocores_resolver(region, partition):
    assert botocore.session.get_session().get_partition_for_region(region) == partition
    assert partition_of_region(region) == partition


@pytest.mark.parametrize("partition", [p["partition"] for p in ENDPOINTS])
def test_a_future_region_matching_a_partitions_pattern_gets_that_partition(partition):
    pattern = next(p["regionRegex"] for p in ENDPOINTS if p["partition"] == partition)
    region = re.sub(r"\d+$", "99", ONE_PER_PARTITION[partition])
    assert re.match(pattern, region), (pattern, region)
    assert partition_of_region(region) == partition


def test_every_partitions_dns_suffix_is_an_aws_domain_for_the_hooks():
    suffixes = {p["dnsSuffix"] for p in ENDPOINTS} | {p["outputs"]["dnsSuffix"] for p in PARTITIONS}
    assert suffixes <= set(dns_suffixes())
    assert {"." + s for s in suffixes} <= set(hooks._AWS_DOMAINS)


@pytest.mark.parametrize("partition", sorted({p["partition"] for p in ENDPOINTS}))
def test_partition_pattern_matches_each_partition_whole(partition):
    assert re.fullmatch(partition_pattern(), partition)
    assert not re.fullmatch(partition_pattern(), partition + "-x")


def _profile(region: str, partition: str) -> VpcProfile:
    return make_profile(region=region, subnets=[SUB_A],
                        execution_role_arn=f"arn:{partition}:iam::123456789012:role/SageMakerExecRole",
                        volume_kms_key_id=f"arn:{partition}:kms:{region}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")


@pytest.mark.parametrize(("partition", "region"), sorted(ONE_PER_PARTITION.items()))
def test_profile_accepts_a_role_and_key_in_the_regions_partition(partition, region):
    profile = _profile(region, partition)
    assert profile.partition == partition
    assert iam_constants._ROLE_ARN_RE.match(profile.execution_role_arn)
    assert iam_constants._KMS_KEY_ARN_RE.match(profile.volume_kms_key_id)


@pytest.mark.parametrize(("partition", "region"), sorted(ONE_PER_PARTITION.items()))
def test_profile_refuses_a_role_of_another_partition(partition, region):
    other = "aws-cn" if partition == "aws" else "aws"
    with pytest.raises(ProfileError) as exc:
        make_profile(region=region, subnets=[SUB_A], execution_role_arn=f"arn:{other}:iam::123456789012:role/R")
    assert f"expected a role ARN in partition {partition!r} (region {region})" in str(exc.value)


@pytest.mark.parametrize(("partition", "region"), sorted(ONE_PER_PARTITION.items()))
def test_infra_stack_arns_use_the_regions_partition(partition, region):
    assert StackConfig(name="closed", region=region).partition == partition


# One service host per partition, as botocore's endpoint data spells it (its "hostname" default,
# e.g. "{service}.{region}.{dnsSuffix}"): never from safemaker's own suffix list.
HOSTS = {p["partition"]: p["defaults"]["hostname"].format(service="sts", region=ONE_PER_PARTITION[p["partition"]],
                                                          dnsSuffix=p["dnsSuffix"])
         for p in ENDPOINTS if p["partition"] in ONE_PER_PARTITION}


@pytest.mark.parametrize("partition", sorted(HOSTS))
def test_every_partitions_service_host_is_an_aws_host(partition):
    from safemaker.partitions import is_aws_host

    host = HOSTS[partition]
    assert is_aws_host(host) and is_aws_host(host.upper()) and is_aws_host(host + ".")


@pytest.mark.parametrize("host", ["pypi.org", "evilamazonaws.com", "amazonaws.com.evil.org", "github.com",
                                  "sc2s.sgov.gov.example.com", "api.aws.example"])
def test_hosts_outside_every_partition_are_not_aws_hosts(host):
    from safemaker.partitions import is_aws_host

    assert not is_aws_host(host)


@pytest.mark.parametrize("partition", sorted(HOSTS))
def test_preflight_codecommit_and_codeartifact_hosts_in_every_partition(partition):
    from safemaker.preflight._net import is_codeartifact_host, is_codecommit_host

    region = ONE_PER_PARTITION[partition]
    suffix = next(p["dnsSuffix"] for p in ENDPOINTS if p["partition"] == partition)
    assert is_codecommit_host(f"git-codecommit.{region}.{suffix}")
    assert is_codecommit_host(f"git-codecommit-fips.{region}.{suffix}")
    assert is_codeartifact_host(f"dom-123456789012.d.codeartifact.{region}.{suffix}")
    assert not is_codecommit_host(f"git-codecommit.{region}.{suffix}.example.com")


def test_the_partition_data_is_what_botocores_loader_reads():
    """Read without botocore.loaders when the loader would read botocore's own file: the same data."""
    from botocore.loaders import create_loader

    from safemaker.partitions import _partition_data

    assert _partition_data() == create_loader().load_data("partitions")


def test_a_customer_partitions_file_is_read_as_botocores_loader_reads_it(tmp_path):
    """``~/.aws/models/partitions.json`` comes first in botocore's loader: safemaker reads what it reads (in a
    fresh Python with that home: the loader takes the home directory when botocore.loaders is imported)."""
    import os
    import subprocess
    import sys

    custom = json.loads((DATA / "partitions.json").read_text())
    custom["partitions"].append({**custom["partitions"][0], "id": "aws-test-only", "regions": {}})
    (tmp_path / ".aws" / "models").mkdir(parents=True)
    (tmp_path / ".aws" / "models" / "partitions.json").write_text(json.dumps(custom))
    code = ("import json\n"
            "from safemaker.partitions import _partition_data, partition_ids\n"
            "from botocore.loaders import create_loader\n"
            "assert _partition_data() == create_loader().load_data('partitions')\n"
            "print(json.dumps(partition_ids()))\n")
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "HOME": str(tmp_path),
           "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "aws-test-only" in json.loads(r.stdout)
