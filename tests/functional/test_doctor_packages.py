"""safemaker doctor's ``packages`` feature on the local backend: AWS CodeArtifact endpoints.

Expected service names and the private-DNS requirement come from the
CodeArtifact User Guide ("Create VPC endpoints for CodeArtifact": two
interface endpoints, ``com.amazonaws.<region>.codeartifact.api`` and
``com.amazonaws.<region>.codeartifact.repositories``, created with
``--private-dns-enabled``).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from safemaker.network import doctor, infra
from safemaker.network.infra import RetryPolicy, StackConfig

REGION = "us-east-1"
FAST = RetryPolicy(base_delay=0, wait_delay=0, sleep=lambda seconds: None)
API = f"com.amazonaws.{REGION}.codeartifact.api"
REPOS = f"com.amazonaws.{REGION}.codeartifact.repositories"


@pytest.fixture
def built(safemaker_local, safemaker_local_pool):
    session = safemaker_local.session
    ec2 = session.client("ec2")
    cfg = StackConfig(name="pkgs", region=REGION, aws_managed_policies=())
    result = safemaker_local_pool.state(safemaker_local, ("test_doctor_packages.built", REGION), lambda: infra.up(
        cfg, ec2_client=ec2, iam_client=session.client("iam"), retry=FAST))
    return SimpleNamespace(ec2=ec2, profile=result.profile)


def problems(report):
    return [c for c in report.checks if c.status == "problem"]


def test_packages_without_codeartifact_endpoints_names_both(built):
    report = doctor.run(built.profile, ("training", "packages"), ec2_client=built.ec2)
    missing = [(c.id, c.subject) for c in problems(report)]
    assert ("endpoint.present", API) in missing and ("endpoint.present", REPOS) in missing
    (repos,) = [c for c in problems(report) if c.subject == REPOS]
    assert "(needed by: packages)" in repos.detail
    assert repos.fix.startswith(f"aws ec2 create-vpc-endpoint --vpc-id {built.profile.vpc_id} "
                                f"--vpc-endpoint-type Interface --service-name {REPOS}")
    assert repos.fix.endswith("--private-dns-enabled")


def test_packages_with_both_endpoints_and_private_dns_is_clean(built):
    p = built.profile
    for name in (API, REPOS):
        built.ec2.create_vpc_endpoint(VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName=name,
                                      SubnetIds=list(p.subnets), SecurityGroupIds=list(p.security_group_ids),
                                      PrivateDnsEnabled=True)
    report = doctor.run(p, ("training", "packages"), ec2_client=built.ec2)
    assert [c for c in problems(report) if "codeartifact" in c.subject] == []
    assert {c.subject for c in report.find("endpoint.present") if c.status == "ok"} >= {API, REPOS}


def test_codeartifact_repositories_without_private_dns_is_reported(built):
    p = built.profile
    built.ec2.create_vpc_endpoint(VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName=API,
                                  SubnetIds=list(p.subnets), SecurityGroupIds=list(p.security_group_ids),
                                  PrivateDnsEnabled=True)
    new = built.ec2.create_vpc_endpoint(
        VpcId=p.vpc_id, VpcEndpointType="Interface", ServiceName=REPOS, SubnetIds=list(p.subnets),
        SecurityGroupIds=list(p.security_group_ids), PrivateDnsEnabled=False)["VpcEndpoint"]["VpcEndpointId"]
    report = doctor.run(p, ("packages",), ec2_client=built.ec2)
    (check,) = report.find("endpoint.private-dns", new)
    assert check.status == "problem" and REPOS in check.detail
