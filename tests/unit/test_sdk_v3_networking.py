"""SDK v3 adapters, pure parts: networking merged with the profile (F04, F05) and name dispatch.

No network, no moto: ``closed_networking`` only asks the guard about a request
made of the arguments.
"""

from __future__ import annotations

import pytest
from sdk_markers import require_sdk

require_sdk(3)

from sagemaker.core import shapes  # noqa: E402
from sagemaker.core.training.configs import Networking  # noqa: E402

import safemaker  # noqa: E402
from safemaker.errors import GuardrailViolation, SdkNotAvailableError  # noqa: E402
from safemaker.profile import VpcProfile  # noqa: E402
from safemaker.sdk import v3  # noqa: E402
from safemaker.sdk._errors import ClosedSessionError  # noqa: E402

from _profiles import ROLE, SG, SUB_A as A, SUB_C as C  # noqa: E402

pytestmark = pytest.mark.sdk3

SG2 = "sg-0eeeeeeeeeeeeeeee"


@pytest.fixture
def profile(profile_factory):
    return profile_factory(security_group_ids=[SG, SG2])


def _fields(n: Networking) -> tuple:
    return (n.subnets, n.security_group_ids, n.enable_network_isolation, n.enable_inter_container_traffic_encryption)


def test_nothing_given_is_the_whole_profile(profile):
    assert _fields(v3.closed_networking(None, profile)) == ([A, C], [SG, SG2], True, True)


@pytest.mark.parametrize("given", [
    Networking(subnets=[C]),
    shapes.VpcConfig(subnets=[C], security_group_ids=[SG, SG2]),
    {"subnets": [C]},
    {"Subnets": [C], "SecurityGroupIds": None},
    {"VpcConfig": {"Subnets": [C]}},
    {"vpc_config": {"subnets": [C]}, "enable_network_isolation": True},
])
def test_F04_every_form_gives_the_same_networking_F05_with_both_lists(profile, given):
    assert _fields(v3.closed_networking(given, profile)) == ([C], [SG, SG2], True, True)


def test_F05_security_groups_only_gets_the_profile_subnets(profile):
    assert _fields(v3.closed_networking({"SecurityGroupIds": [SG2]}, profile)) == ([A, C], [SG2], True, True)


def test_CreateModel_networking_has_no_inter_container_traffic_encryption(profile):
    n = v3.closed_networking({"EnableInterContainerTrafficEncryption": True}, profile, operation="CreateModel")
    assert _fields(n) == ([A, C], [SG, SG2], True, None)


def test_profile_that_does_not_require_isolation_leaves_it_to_the_caller():
    relaxed = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd", subnets=[A], security_group_ids=[SG],
                         execution_role_arn=ROLE, require_network_isolation=False,
                         require_inter_container_traffic_encryption=False)
    n = v3.closed_networking({"enable_network_isolation": False}, relaxed)
    assert n.enable_network_isolation is False
    assert (n.subnets, n.security_group_ids) == ([A], [SG])


def test_every_conflict_is_listed_with_argument_and_request_field(profile):
    with pytest.raises(GuardrailViolation) as exc:
        v3.closed_networking({"subnets": [A, A, "subnet-0ffffffffffffffff"], "security_group_ids": [],
                              "enable_network_isolation": False,
                              "enable_inter_container_traffic_encryption": False}, profile, where="X()")
    err = exc.value
    assert err.operation == "X"
    paths = sorted(v.path for v in err.violations)
    assert "networking.enable_network_isolation (EnableNetworkIsolation)" in paths
    assert "networking.enable_inter_container_traffic_encryption (EnableInterContainerTrafficEncryption)" in paths
    assert "networking.security_group_ids (VpcConfig.SecurityGroupIds)" in paths
    assert "networking.subnets[2] (VpcConfig.Subnets[2])" in paths
    assert any(p.startswith("networking.subnets") and "[1]" in p for p in paths)  # the duplicate
    assert all(v.fix.startswith("Change networking.") for v in err.violations)
    assert str(err).startswith(f"X refused: {len(err.violations)} violations:")


def test_unknown_key_and_type_are_refused(profile):
    with pytest.raises(ClosedSessionError) as exc:
        v3.closed_networking({"Subnet": [A]}, profile)
    assert exc.value.argument == "networking['Subnet']"
    assert exc.value.fix == "Remove or rename the key 'Subnet' in closed_networking()."
    with pytest.raises(ClosedSessionError) as exc:
        v3.closed_networking("subnet-0aaaaaaaaaaaaaaaa", profile)
    assert (exc.value.argument, exc.value.found) == ("networking", "str")
    with pytest.raises(ValueError, match="operation is 'CreateEndpoint'"):
        v3.closed_networking(None, profile, operation="CreateEndpoint")


def test_v3_names_are_served_under_v3_and_v2_names_name_their_counterpart():
    assert safemaker.ClosedModelTrainer is v3.ClosedModelTrainer
    assert safemaker.ClosedNetworkSession is v3.ClosedNetworkSession
    assert safemaker.closed_deploy is v3.closed_deploy
    with pytest.raises(SdkNotAvailableError) as exc:
        from safemaker import ClosedEstimator  # noqa: F401
    assert exc.value.fix == "Under SDK v3 use safemaker.sdk.ClosedModelTrainer instead"
    assert "ClosedModelTrainer" in str(exc.value)
    with pytest.raises(SdkNotAvailableError) as exc:
        safemaker.sdk.closed  # noqa: B018
    assert exc.value.fix == "Install SDK v2: pip install 'safemaker[sdk2]'"


def test_closed_config_follows_the_sdk_v3_schema(profile):
    from sagemaker.core.config.config import validate_sagemaker_config

    from safemaker.sdk._config import TELEMETRY_OPT_OUT, closed_config

    cfg = closed_config([], profile)
    validate_sagemaker_config(cfg)  # raises jsonschema.ValidationError otherwise
    node = cfg
    for key in TELEMETRY_OPT_OUT:
        node = node[key]
    assert node is True
    assert cfg["SageMaker"]["TrainingJob"]["VpcConfig"] == {"Subnets": [A, C], "SecurityGroupIds": [SG, SG2]}
    assert cfg["SageMaker"]["Model"]["EnableNetworkIsolation"] is True
