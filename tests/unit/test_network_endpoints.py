"""safemaker.network.endpoints: the feature -> endpoint matrix, by exact service name (F06, F10, F11)."""

from __future__ import annotations

import pytest

from safemaker.network.endpoints import (
    DEFAULT_FEATURES,
    ENDPOINTS,
    FEATURE_ENDPOINTS,
    FEATURES,
    FeatureError,
    dhcp_domain_name,
    parse_features,
    required_endpoints,
    service_name,
)


def names(features, region="us-east-1", **kw):
    return [r.service_name for r in required_endpoints(features, region, **kw)]


def test_seed_features_need_the_seeds_endpoints_and_sts_ecr():
    # The seed's part 3.1 list (api, runtime, notebook, s3, logs, ec2) plus STS and ECR (F06, F10).
    assert names(DEFAULT_FEATURES, "ap-northeast-1") == [
        "com.amazonaws.ap-northeast-1.sagemaker.api",
        "com.amazonaws.ap-northeast-1.sagemaker.runtime",
        "aws.sagemaker.ap-northeast-1.notebook",
        "com.amazonaws.ap-northeast-1.sts",
        "com.amazonaws.ap-northeast-1.logs",
        "com.amazonaws.ap-northeast-1.ecr.api",
        "com.amazonaws.ap-northeast-1.ecr.dkr",
        "com.amazonaws.ap-northeast-1.s3",
        "com.amazonaws.ap-northeast-1.ec2",
    ]


def test_f11_notebook_and_studio_use_the_aws_sagemaker_prefix():
    assert service_name("notebook", "eu-west-1") == "aws.sagemaker.eu-west-1.notebook"
    assert service_name("studio", "eu-west-1") == "aws.sagemaker.eu-west-1.studio"
    assert "aws.sagemaker.us-east-1.studio" in names(["studio"])
    assert not any(n.startswith("com.amazonaws.") and n.endswith((".notebook", ".studio"))
                   for n in names(FEATURES))


def test_f10_feature_store_and_experiments_endpoints():
    got = names(["training", "feature-store", "experiments"])
    for wanted in ("com.amazonaws.us-east-1.ecr.api", "com.amazonaws.us-east-1.ecr.dkr",
                   "com.amazonaws.us-east-1.sts", "com.amazonaws.us-east-1.sagemaker.featurestore-runtime",
                   "com.amazonaws.us-east-1.sagemaker.metrics"):
        assert wanted in got


def test_ssm_access_is_the_seeds_three_session_manager_endpoints():
    assert names(["ssm-access"]) == ["com.amazonaws.us-east-1.ssm", "com.amazonaws.us-east-1.ssmmessages",
                                     "com.amazonaws.us-east-1.ec2messages"]


def test_kms_endpoint_only_with_keys():
    assert "com.amazonaws.us-east-1.kms" not in names(["training"])
    (kms,) = [r for r in required_endpoints(["training"], "us-east-1", kms=True) if r.spec.key == "kms"]
    assert (kms.service_name, kms.needed_by) == ("com.amazonaws.us-east-1.kms", ("kms keys",))


def test_s3_is_the_only_gateway_endpoint_and_needed_by_every_sagemaker_feature():
    assert [k for k, s in ENDPOINTS.items() if s.endpoint_type == "Gateway"] == ["s3"]
    for feature in FEATURES:
        if feature not in ("ssm-access", "packages"):
            assert "s3" in FEATURE_ENDPOINTS[feature]
            assert "sagemaker.api" in FEATURE_ENDPOINTS[feature]


def test_needed_by_lists_features_in_order():
    (sts,) = [r for r in required_endpoints(["hosting", "notebook"], "us-east-1") if r.spec.key == "sts"]
    assert sts.needed_by == ("notebook", "hosting")


def test_service_names_are_unique_and_exact():
    all_names = [s.service_name("us-east-1") for s in ENDPOINTS.values()]
    assert len(all_names) == len(set(all_names))
    # sagemaker.api is a prefix of nothing else and nothing is matched by substring.
    assert sum(1 for n in all_names if "sagemaker.api" in n) == 1


@pytest.mark.parametrize("given,expected", [
    (None, DEFAULT_FEATURES),
    ([], DEFAULT_FEATURES),
    ("hosting,notebook", ("notebook", "hosting")),
    (["Training", "feature_store", "training"], ("training", "feature-store")),
    (["pipelines", " ssm-access "], ("pipelines", "ssm-access")),
])
def test_parse_features(given, expected):
    assert parse_features(given) == expected


def test_unknown_feature_names_the_value_the_valid_set_and_a_suggestion():
    with pytest.raises(FeatureError) as caught:
        parse_features(["notebook", "notebok"], field="--feature")
    assert str(caught.value) == (
        "--feature has 'notebok', which is not a feature; valid features: notebook, training, processing, "
        "hosting, studio, feature-store, experiments, pipelines, ssm-access, packages. Did you mean 'notebook'?")
    assert (caught.value.field, caught.value.value) == ("--feature", "notebok")
    with pytest.raises(FeatureError, match="'gpu', which is not a feature.*Use one of the valid names"):
        parse_features("gpu")


def test_dhcp_domain_name():
    assert dhcp_domain_name("us-east-1") == "ec2.internal"
    assert dhcp_domain_name("ap-northeast-1") == "ap-northeast-1.compute.internal"


def test_packages_feature_needs_both_codeartifact_endpoints():
    # CodeArtifact User Guide, "Create VPC endpoints for CodeArtifact": two interface endpoints,
    # com.amazonaws.<region>.codeartifact.api and com.amazonaws.<region>.codeartifact.repositories.
    assert [(r.service_name, r.endpoint_type) for r in required_endpoints(["packages"], "eu-west-1")] == [
        ("com.amazonaws.eu-west-1.codeartifact.api", "Interface"),
        ("com.amazonaws.eu-west-1.codeartifact.repositories", "Interface"),
    ]
