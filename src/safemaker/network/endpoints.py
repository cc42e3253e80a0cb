"""Which VPC endpoints each SageMaker feature needs in a closed network, by exact service name.

A VPC without a route to the internet reaches AWS only through VPC endpoints.
This module is the one table of which endpoint each *feature* (a way of using
SageMaker from inside the VPC) needs, with the exact service name of each
endpoint. Everything that needs the list reads it from here: the doctor
(:mod:`safemaker.network.doctor`) checks a VPC against it, the infrastructure
builder (:mod:`safemaker.network.infra`) and the CloudFormation template
(:mod:`safemaker.network.template`) create it.

Service names are compared **exactly**, never by substring: the notebook and
Studio endpoints are ``aws.sagemaker.<region>.notebook`` and
``aws.sagemaker.<region>.studio``, not ``com.amazonaws.<region>.sagemaker.*``
(field report F11), and ``com.amazonaws.<region>.sagemaker.api`` is not
``com.amazonaws.<region>.sagemaker.runtime``.

The names are those of the ``aws`` partition; the China and GovCloud
partitions use other names for some services and are not covered.

References
----------
Amazon VPC User Guide, "AWS services that integrate with AWS PrivateLink".
Amazon SageMaker AI Developer Guide, "Connect to SageMaker AI Within your VPC"
(interface endpoints ``sagemaker.api``, ``sagemaker.runtime``, notebook, Studio,
Feature Store runtime, metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal

from safemaker.errors import FeatureError

__all__ = [
    "FEATURES",
    "DEFAULT_FEATURES",
    "SELF_REFERENCE_FEATURES",
    "MULTI_AZ_FEATURES",
    "EndpointSpec",
    "RequiredEndpoint",
    "ENDPOINTS",
    "FEATURE_ENDPOINTS",
    "KMS_ENDPOINT",
    "S3_GATEWAY",
    "FeatureError",
    "parse_features",
    "service_name",
    "required_endpoints",
    "dhcp_domain_name",
]

EndpointType = Literal["Interface", "Gateway"]

FEATURES: tuple[str, ...] = (
    "notebook",
    "training",
    "processing",
    "hosting",
    "studio",
    "feature-store",
    "experiments",
    "pipelines",
    "ssm-access",
    "packages",
)
"""Every feature name :func:`parse_features` accepts, in documentation order."""

DEFAULT_FEATURES: tuple[str, ...] = ("notebook", "training", "hosting")
"""The seed walkthrough's three features (notebook instance, training job, endpoint)."""

SELF_REFERENCE_FEATURES: frozenset[str] = frozenset({"training", "pipelines"})
"""Features that need a security group rule allowing all traffic from and to itself.

Multi-instance (distributed) training exchanges traffic between the
instances of one job, all in the job's security groups; a pipeline runs
training steps.
"""

MULTI_AZ_FEATURES: frozenset[str] = frozenset({"hosting"})
"""Features whose subnets must span at least two Availability Zones (endpoint instances
are spread across AZs for availability)."""


@dataclass(frozen=True)
class EndpointSpec:
    """One AWS service reachable through a VPC endpoint.

    Attributes
    ----------
    key : str
        Short stable key (``"sagemaker.api"``, ``"notebook"``, ``"s3"``).
    pattern : str
        Service name with ``{region}`` (``"com.amazonaws.{region}.sagemaker.api"``).
    endpoint_type : {"Interface", "Gateway"}
        The ``VpcEndpointType`` to create.
    purpose : str
        What fails without it, one sentence.
    """

    key: str
    pattern: str
    endpoint_type: EndpointType
    purpose: str

    def service_name(self, region: str) -> str:
        """The exact service name in ``region`` (``com.amazonaws.us-east-1.sts``)."""
        return self.pattern.format(region=region)


def _spec(key: str, pattern: str, purpose: str, endpoint_type: EndpointType = "Interface"):
    return key, EndpointSpec(key, pattern, endpoint_type, purpose)


ENDPOINTS: dict[str, EndpointSpec] = dict(
    [
        _spec("sagemaker.api", "com.amazonaws.{region}.sagemaker.api",
              "SageMaker API calls (CreateTrainingJob, DescribeEndpoint...) from the VPC"),
        _spec("sagemaker.runtime", "com.amazonaws.{region}.sagemaker.runtime",
              "InvokeEndpoint from the VPC"),
        _spec("notebook", "aws.sagemaker.{region}.notebook",
              "opening a notebook instance's Jupyter (presigned URL) from the VPC"),
        _spec("studio", "aws.sagemaker.{region}.studio",
              "opening Studio (presigned domain URL) from the VPC"),
        _spec("sagemaker.featurestore-runtime", "com.amazonaws.{region}.sagemaker.featurestore-runtime",
              "Feature Store online-store reads and writes (PutRecord, GetRecord)"),
        _spec("sagemaker.metrics", "com.amazonaws.{region}.sagemaker.metrics",
              "SageMaker Experiments metrics (BatchPutMetrics) from jobs and notebooks"),
        _spec("sts", "com.amazonaws.{region}.sts",
              "credentials and caller identity; without it the SDK reports a misleading "
              "permission error"),
        _spec("logs", "com.amazonaws.{region}.logs",
              "CloudWatch Logs; without it fit(logs=True) shows 'Starting' forever"),
        _spec("ecr.api", "com.amazonaws.{region}.ecr.api",
              "ECR API (image lookups, GetAuthorizationToken) for algorithm and model images"),
        _spec("ecr.dkr", "com.amazonaws.{region}.ecr.dkr",
              "ECR Docker registry (image pulls and pushes)"),
        _spec("s3", "com.amazonaws.{region}.s3",
              "S3 for data and model artifacts; without it jobs fail at upload, after "
              "paying for training", "Gateway"),
        _spec("ec2", "com.amazonaws.{region}.ec2",
              "EC2 API calls that creating a notebook instance in the VPC makes"),
        _spec("ssm", "com.amazonaws.{region}.ssm",
              "Systems Manager (Session Manager to the admin host, profile parameters)"),
        _spec("ssmmessages", "com.amazonaws.{region}.ssmmessages",
              "Session Manager session channels"),
        _spec("ec2messages", "com.amazonaws.{region}.ec2messages",
              "SSM Agent messages"),
        _spec("kms", "com.amazonaws.{region}.kms",
              "KMS, for the profile's volume and output keys"),
        _spec("codeartifact.api", "com.amazonaws.{region}.codeartifact.api",
              "AWS CodeArtifact API (GetAuthorizationToken, GetRepositoryEndpoint: "
              "`aws codeartifact login`)"),
        _spec("codeartifact.repositories", "com.amazonaws.{region}.codeartifact.repositories",
              "AWS CodeArtifact repositories (pip install from the repository); needs private DNS, "
              "or pip must use the endpoint's own DNS name"),
    ]
)
"""Every endpoint safemaker knows, by key."""

KMS_ENDPOINT = "kms"
"""Key of the KMS endpoint, required whenever the profile names a KMS key."""

S3_GATEWAY = "s3"
"""Key of the S3 gateway endpoint."""

_COMMON = ("sagemaker.api", "sts", "s3")
_JOBS = _COMMON + ("logs", "ecr.api", "ecr.dkr")

FEATURE_ENDPOINTS: dict[str, tuple[str, ...]] = {
    # The seed's part 3.1 list for notebooks: api, runtime, notebook, s3, logs, ec2.
    "notebook": _COMMON + ("sagemaker.runtime", "notebook", "logs", "ec2"),
    "training": _JOBS,
    "processing": _JOBS,
    "hosting": _JOBS + ("sagemaker.runtime",),
    "studio": _COMMON + ("sagemaker.runtime", "studio", "logs"),
    "feature-store": _COMMON + ("sagemaker.featurestore-runtime",),
    "experiments": _COMMON + ("sagemaker.metrics",),
    "pipelines": _JOBS,
    # The seed's part 2.3: Session Manager to the admin host.
    "ssm-access": ("ssm", "ssmmessages", "ec2messages"),
    # Getting software in (docs/packages.md): pip from an AWS CodeArtifact repository. Both endpoints
    # with private DNS (CodeArtifact User Guide, "Create VPC endpoints for CodeArtifact"); Python
    # packages need no S3 endpoint of their own. A wheelhouse in S3 needs only the S3 gateway, which
    # every SageMaker feature above already needs.
    "packages": ("codeartifact.api", "codeartifact.repositories"),
}
"""Feature -> keys of :data:`ENDPOINTS` it needs (KMS is added by :func:`required_endpoints`)."""


@dataclass(frozen=True)
class RequiredEndpoint:
    """One endpoint a feature set needs in one region.

    Attributes
    ----------
    service_name : str
        Exact service name (``com.amazonaws.us-east-1.sagemaker.api``).
    endpoint_type : {"Interface", "Gateway"}
        Type it must have.
    spec : EndpointSpec
        The table entry.
    needed_by : tuple of str
        The features (and ``"kms keys"``) that need it, in :data:`FEATURES` order.
    """

    service_name: str
    endpoint_type: EndpointType
    spec: EndpointSpec
    needed_by: tuple[str, ...]


def parse_features(values: Iterable[str] | str | None, field: str = "features") -> tuple[str, ...]:
    """Validate feature names; return them unique, in :data:`FEATURES` order.

    Parameters
    ----------
    values : iterable of str, str, or None
        Names from :data:`FEATURES`; a single string may hold several separated
        by commas. ``None`` or empty means :data:`DEFAULT_FEATURES`.
    field : str, default "features"
        Name of the input, for the error message (``"--feature"`` in the CLI).

    Returns
    -------
    tuple of str
        Unique feature names in :data:`FEATURES` order.

    Raises
    ------
    FeatureError
        For the first name that is not a feature (with a suggestion when one is close).
    """
    import difflib

    if values is None:
        return DEFAULT_FEATURES
    if isinstance(values, str):
        values = [values]
    names: list[str] = []
    for value in values:
        for part in str(value).split(","):
            name = part.strip().lower().replace("_", "-")
            if not name:
                continue
            if name not in FEATURES:
                close = difflib.get_close_matches(name, FEATURES, n=1, cutoff=0.6)
                raise FeatureError(field, part.strip(), close[0] if close else None)
            names.append(name)
    if not names:
        return DEFAULT_FEATURES
    chosen = set(names)
    return tuple(f for f in FEATURES if f in chosen)


def service_name(key: str, region: str) -> str:
    """Exact service name of endpoint ``key`` in ``region``.

    Parameters
    ----------
    key : str
        A key of :data:`ENDPOINTS`.
    region : str
        AWS region name.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        ``key`` is not in :data:`ENDPOINTS`.
    """
    return ENDPOINTS[key].service_name(region)


def required_endpoints(
    features: Iterable[str], region: str, *, kms: bool = False
) -> list[RequiredEndpoint]:
    """The endpoints a feature set needs, in :data:`ENDPOINTS` order.

    Parameters
    ----------
    features : iterable of str
        Feature names (validated with :func:`parse_features`).
    region : str
        AWS region name.
    kms : bool, default False
        Whether the profile names a KMS key (adds ``com.amazonaws.<region>.kms``).

    Returns
    -------
    list of RequiredEndpoint
        One entry per service, with the features that need it.

    Raises
    ------
    FeatureError
        A feature name is unknown.
    """
    chosen = parse_features(list(features))
    needed: dict[str, list[str]] = {}
    for feature in chosen:
        for key in FEATURE_ENDPOINTS[feature]:
            needed.setdefault(key, []).append(feature)
    if kms:
        needed.setdefault(KMS_ENDPOINT, []).append("kms keys")
    return [
        RequiredEndpoint(spec.service_name(region), spec.endpoint_type, spec, tuple(needed[key]))
        for key, spec in ENDPOINTS.items()
        if key in needed
    ]


def dhcp_domain_name(region: str) -> str:
    """The domain name of AWS's default DHCP options set in ``region``.

    ``ec2.internal`` in us-east-1, ``<region>.compute.internal`` elsewhere.

    Parameters
    ----------
    region : str

    Returns
    -------
    str
    """
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
