"""One definition per guardrail: what it checks, how bad a breach is, how to fix it, who else checks it.

A registry in the style of checkov / cfn-lint: one :class:`GuardrailSpec` per
:class:`~safemaker.rules.Guardrail` (the stable rule IDs ``SM-NET-VPC``,
``SM-NB-DIRECT-INTERNET``...), read by the audit (severity, related controls),
the SARIF output (rule metadata), the IAM rendering (the condition keys a
guardrail may map to), the guard (fix texts of the newer guardrails) and the
docs (``docs/rules.md``). Nothing here restates a field path: those are in
:data:`safemaker.rules.RULES`.

Related controls are those of other tools that check the same field of the
same resource type: AWS Security Hub CSPM controls for SageMaker AI
(https://docs.aws.amazon.com/securityhub/latest/userguide/sagemaker-controls.html),
AWS Config managed rules
(https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html)
and Prowler's SageMaker checks (``prowler/providers/aws/services/sagemaker/``).
Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Mapping

from .rules import Guardrail

__all__ = ["RelatedControls", "GuardrailSpec", "GUARDRAILS", "guardrail_spec", "guardrails_markdown"]

SeverityName = Literal["critical", "high", "medium", "low"]


@dataclass(frozen=True)
class RelatedControls:
    """Checks of other tools that cover the same thing as one (resource type, rule).

    Attributes
    ----------
    security_hub : tuple[str, ...]
        AWS Security Hub CSPM control IDs (``"SageMaker.1"``).
    aws_config : tuple[str, ...]
        AWS Config managed rule names (``"sagemaker-notebook-no-direct-internet-access"``).
    prowler : tuple[str, ...]
        Prowler check IDs (``"sagemaker_models_network_isolation_enabled"``).
    """

    security_hub: tuple[str, ...] = ()
    aws_config: tuple[str, ...] = ()
    prowler: tuple[str, ...] = ()

    def ids(self) -> tuple[str, ...]:
        """Every ID, prefixed with its tool (``"SecurityHub:SageMaker.1"``, ``"Config:..."``, ``"Prowler:..."``)."""
        return (tuple(f"SecurityHub:{i}" for i in self.security_hub)
                + tuple(f"Config:{i}" for i in self.aws_config)
                + tuple(f"Prowler:{i}" for i in self.prowler))


@dataclass(frozen=True)
class GuardrailSpec:
    """Everything about one guardrail except the fields it applies to.

    Attributes
    ----------
    guardrail : Guardrail
        The guardrail; ``guardrail.value`` is the rule ID.
    title : str
        One sentence (SARIF ``shortDescription``, docs).
    severity : {"critical", "high", "medium", "low"}
        Of a breach: a path to the internet is critical, a resource outside the
        profile's VPC or without isolation high, encryption and root medium.
    checks : str
        What a field must satisfy, and what an absent field means.
    condition_keys : tuple[str, ...]
        IAM condition keys (Service Authorization Reference) that can express it;
        empty when none can.
    describe : str
        How the audit sees it on an existing resource (the Describe response).
    fix : str
        The general fix (violations carry a fix for the exact field and value).
    controls : tuple[tuple[str, RelatedControls], ...]
        ``(resource type, controls)``: other tools' checks of the same field.
    """

    guardrail: Guardrail
    title: str
    severity: SeverityName
    checks: str
    condition_keys: tuple[str, ...]
    describe: str
    fix: str
    controls: tuple[tuple[str, RelatedControls], ...] = ()

    @property
    def rule_id(self) -> str:
        """The stable rule ID (``"SM-NET-VPC"``)."""
        return self.guardrail.value

    @property
    def name(self) -> str:
        """CamelCase name (SARIF ``name``): ``NetworkIsolation``."""
        return "".join(w.capitalize() for w in self.guardrail.name.split("_"))


_SAME_PATH = "the Describe response of the resource, at the request's path unless the rule gives a describe_path"
_G = Guardrail
_RC = RelatedControls

_SPECS: tuple[GuardrailSpec, ...] = (
    GuardrailSpec(
        _G.NETWORK_ISOLATION, "EnableNetworkIsolation must be true (absent means false).", "high",
        "Boolean EnableNetworkIsolation is true; absent means false (the container may call out).",
        ("sagemaker:NetworkIsolation",), _SAME_PATH,
        "Set EnableNetworkIsolation to true (a closed session injects it on create operations).",
        (("model", _RC(("SageMaker.5",), ("sagemaker-model-isolation-enabled",),
                       ("sagemaker_models_network_isolation_enabled",))),
         ("training-job", _RC((), (), ("sagemaker_training_jobs_network_isolation_enabled",))),
         ("data-quality-job-definition", _RC(("SageMaker.11",), ("sagemaker-data-quality-job-isolation",))),
         ("model-explainability-job-definition",
          _RC((), ("sagemaker-model-explainability-job-network-isolation",))),
         ("model-bias-job-definition", _RC(("SageMaker.12",), ("sagemaker-model-bias-job-isolation",))),
         ("model-quality-job-definition", _RC((), ("sagemaker-model-quality-job-definition-isolation",))),
         ("monitoring-schedule", _RC(("SageMaker.14",))))),
    GuardrailSpec(
        _G.VPC_CONFIG, "VpcConfig must hold the profile's Subnets and SecurityGroupIds (absent or {} means no VPC).",
        "high",
        "A VpcConfig-like structure with Subnets and SecurityGroupIds both present, non-empty, unique and the "
        "profile's; absent (or {} in a description) means no VPC: internet through SageMaker.",
        ("sagemaker:VpcSubnets", "sagemaker:VpcSecurityGroupIds"), _SAME_PATH,
        "Give VpcConfig with the profile's Subnets and SecurityGroupIds (a closed session injects it on create).",
        (("model", _RC((), ("sagemaker-model-in-vpc",), ("sagemaker_models_vpc_settings_configured",))),
         ("training-job", _RC((), (), ("sagemaker_training_jobs_vpc_settings_configured",))))),
    GuardrailSpec(
        _G.INTER_CONTAINER_ENCRYPTION, "EnableInterContainerTrafficEncryption must be true (absent means false).",
        "medium",
        "Boolean EnableInterContainerTrafficEncryption is true when the profile requires it; absent means false.",
        ("sagemaker:InterContainerTrafficEncryption",), _SAME_PATH,
        "Set EnableInterContainerTrafficEncryption to true (injected on create).",
        (("training-job", _RC((), (), ("sagemaker_training_jobs_intercontainer_encryption_enabled",))),
         ("data-quality-job-definition", _RC(("SageMaker.9",))),
         ("model-explainability-job-definition", _RC(("SageMaker.10",))),
         ("model-bias-job-definition", _RC(("SageMaker.15",))),
         ("model-quality-job-definition", _RC(("SageMaker.13",))))),
    GuardrailSpec(
        _G.SUBNET_ID, "SubnetId must be one of the profile's subnets.", "high",
        "A single subnet ID field (notebook SubnetId) is one of the profile's subnets; absent means no VPC.",
        ("sagemaker:VpcSubnets",), _SAME_PATH,
        "Set SubnetId to one of the profile's subnets (recreate the notebook instance: it cannot change).",
        (("notebook-instance", _RC(("SageMaker.2",), ("sagemaker-notebook-instance-inside-vpc",),
                                   ("sagemaker_notebook_instance_vpc_settings_configured",))),)),
    GuardrailSpec(
        _G.SUBNET_IDS, "SubnetIds must be the profile's subnets.", "high",
        "A plain list of subnet IDs (Studio SubnetIds): non-empty, unique, each the profile's.",
        ("sagemaker:VpcSubnets",), _SAME_PATH, "Give SubnetIds from the profile's subnets."),
    GuardrailSpec(
        _G.SECURITY_GROUP_IDS, "Security groups must be the profile's.", "high",
        "A plain list of security group IDs (notebook SecurityGroupIds, Studio SecurityGroups): non-empty, "
        "unique, each the profile's.",
        ("sagemaker:VpcSecurityGroupIds",),
        "the Describe response (DescribeNotebookInstance calls it SecurityGroups)",
        "Give only the profile's security groups."),
    GuardrailSpec(
        _G.VPC_ID, "VpcId must be the profile's VPC.", "high",
        "A VPC ID field (Studio VpcId, WorkforceVpcConfig.VpcId) is the profile's vpc_id.", (), _SAME_PATH,
        "Set VpcId to the profile's VPC (recreate a domain: its VPC cannot change)."),
    GuardrailSpec(
        _G.DIRECT_INTERNET_ACCESS, "Notebook DirectInternetAccess must be Disabled (absent means Enabled).",
        "critical",
        "Notebook DirectInternetAccess is \"Disabled\" (absent means \"Enabled\": internet through SageMaker), "
        "and \"Disabled\" comes with a SubnetId.",
        ("sagemaker:DirectInternetAccess",), "DescribeNotebookInstance DirectInternetAccess",
        "Recreate the notebook instance with DirectInternetAccess Disabled in one of the profile's subnets.",
        (("notebook-instance", _RC(("SageMaker.1",), ("sagemaker-notebook-no-direct-internet-access",),
                                   ("sagemaker_notebook_instance_without_direct_internet_access_configured",))),)),
    GuardrailSpec(
        _G.ROOT_ACCESS, "Notebook RootAccess must be Disabled when the profile says so.", "medium",
        "Notebook RootAccess is the profile's notebook_root_access when that is \"Disabled\" (absent means "
        "\"Enabled\").",
        ("sagemaker:RootAccess",), "DescribeNotebookInstance RootAccess",
        "Set RootAccess to Disabled (UpdateNotebookInstance can change it).",
        (("notebook-instance", _RC(("SageMaker.3",), ("sagemaker-notebook-instance-root-access-check",),
                                   ("sagemaker_notebook_instance_root_access_disabled",))),)),
    GuardrailSpec(
        _G.APP_NETWORK_ACCESS_TYPE, "Studio AppNetworkAccessType must be VpcOnly (absent means PublicInternetOnly).",
        "critical",
        "Studio AppNetworkAccessType is \"VpcOnly\" (absent means \"PublicInternetOnly\").",
        ("sagemaker:AppNetworkAccessType",), "DescribeDomain AppNetworkAccessType",
        "Set AppNetworkAccessType to VpcOnly (UpdateDomain can change it once no apps run).",
        (("domain", _RC((), ("sagemaker-domain-in-vpc",), ("sagemaker_domain_vpc_only_enabled",))),)),
    GuardrailSpec(
        _G.VOLUME_KMS_KEY, "Storage volumes must use the profile's KMS key.", "medium",
        "A storage volume KMS key is the profile's volume_kms_key_id when the profile has one (absent means the "
        "AWS managed key); not when every instance type the job may run on has instance-store volumes, which take "
        "none (an existing job: the type it ran on, SelectedInstanceType, when its description gives one).",
        ("sagemaker:VolumeKmsKeyArn",), _SAME_PATH, "Use the profile's volume KMS key (injected on create).",
        (("notebook-instance", _RC((), (), ("sagemaker_notebook_instance_encryption_enabled",))),
         ("training-job", _RC((), (), ("sagemaker_training_jobs_volume_and_output_encryption_enabled",))),
         ("processing-job", _RC((), (), ("sagemaker_processing_job_volume_encrypted_with_cmk",))),
         ("transform-job", _RC((), (), ("sagemaker_transform_job_volume_encrypted_with_cmk",))),
         ("endpoint-config", _RC((), (), ("sagemaker_endpoint_config_kms_encryption_enabled",))))),
    GuardrailSpec(
        _G.OUTPUT_KMS_KEY, "Outputs must use the profile's KMS key.", "medium",
        "An output KMS key is the profile's output_kms_key_id when the profile has one (only where there is "
        "an output to encrypt).",
        ("sagemaker:OutputKmsKeyArn", "sagemaker:DomainSharingOutputKmsKeyArn"), _SAME_PATH,
        "Use the profile's output KMS key (injected on create).",
        (("training-job", _RC((), (), ("sagemaker_training_jobs_volume_and_output_encryption_enabled",))),)),
    GuardrailSpec(
        _G.ROLE_ARN, "Roles passed to SageMaker must be the profile's.", "medium",
        "A role passed to SageMaker is one the profile allows (execution_role_arn, additional_role_arns); never "
        "injected, checked when present.",
        (), "not audited (roles are checked in requests; the pass-role policy denies others)",
        "Pass the profile's execution role, or ask an administrator to add the role to the profile."),
    GuardrailSpec(
        _G.UNSUPPORTED, "The resource cannot run in a closed network at all.", "high",
        "The operation, pipeline step or field cannot run closed (each rule says why); always refused, a field "
        "only when present.",
        ("sagemaker:ServerlessMaxConcurrency",), "the same field in the Describe response",
        "Use the alternative the reason names."),
    GuardrailSpec(
        _G.REFERENCE, "The resource (or one it references) could not be described: never assumed compliant.",
        "high",
        "A referenced resource is described and checked with the rules of the operation that creates it; a "
        "Describe that fails or answers something unexpected is refused (UNKNOWN in the audit).",
        (), "the referenced resource's Describe call",
        "Make sure the resource exists and that you may describe it."),
    GuardrailSpec(
        _G.REMOTE_ACCESS,
        "Remote access (Studio space RemoteAccess, training EnableRemoteDebug, endpoint variant "
        "EnableSSMAccess) must be off.", "high",
        "Studio space SpaceSettings.RemoteAccess is not \"ENABLED\", training "
        "RemoteDebugConfig.EnableRemoteDebug is not true and endpoint config "
        "ProductionVariants[].EnableSSMAccess / ShadowProductionVariants[].EnableSSMAccess is not true: each "
        "opens a session into the space or container from outside the profile's network (AWS Systems Manager). "
        "Absent means off. EnableSSMAccess has no IAM condition key.",
        ("sagemaker:RemoteAccess", "sagemaker:EnableRemoteDebug"),
        "DescribeSpace SpaceSettings.RemoteAccess, DescribeTrainingJob RemoteDebugConfig, "
        "DescribeEndpointConfig ProductionVariants[].EnableSSMAccess",
        "Turn remote access off (RemoteAccess DISABLED, EnableRemoteDebug / EnableSSMAccess false) or omit it; "
        "work through the profile's network instead."),
    GuardrailSpec(
        _G.LIFECYCLE_SCRIPT, "Notebook lifecycle scripts run as root: none while RootAccess must be Disabled.",
        "medium",
        "A notebook instance lifecycle configuration with an OnCreate or OnStart script runs it as root on every "
        "notebook that uses it; refused while the profile's notebook_root_access is \"Disabled\", except "
        "safemaker's own on-start script for the guard's profile (safemaker notebook create "
        "--install-safemaker), which installs as ec2-user.",
        (), "DescribeNotebookInstanceLifecycleConfig OnCreate / OnStart",
        "Leave lifecycle configurations to an administrator, or set notebook_root_access to Enabled in the "
        "profile."),
    GuardrailSpec(
        _G.WORKTEAM,
        "Human work (labeling, human review) must go to a private work team whose workforce has "
        "WorkforceVpcConfig.", "critical",
        "A WorkteamArn (Ground Truth HumanTaskConfig, Augmented AI HumanLoopConfig) is a private work team "
        "(arn:...:workteam/private-crowd/<name>), with or without a price: the public crowd "
        "(workteam/public-crowd/default, Amazon Mechanical Turk) and AWS Marketplace vendors "
        "(workteam/vendor-crowd/<name>) are workers outside the profile's network. The team is followed "
        "(DescribeWorkteam) to its workforce (DescribeWorkforce), checked with CreateWorkforce's rules: a "
        "workforce without WorkforceVpcConfig refuses the request. CreateWorkteam without WorkforceName "
        "follows the region's workforce (named default); a work team whose description names no workforce "
        "cannot be checked and is refused (SM-REFERENCE).",
        ("sagemaker:WorkteamType", "sagemaker:WorkteamArn"),
        "DescribeLabelingJob HumanTaskConfig.WorkteamArn, DescribeFlowDefinition HumanLoopConfig.WorkteamArn; "
        "then DescribeWorkteam Workteam.WorkforceArn and DescribeWorkforce Workforce.WorkforceVpcConfig",
        "Use a private work team of your account whose workforce has WorkforceVpcConfig in the profile's VPC "
        "(CreateWorkforce with WorkforceVpcConfig, then CreateWorkteam with its WorkforceName)."),
    GuardrailSpec(
        _G.WORKTEAM_PRESIGN,
        "A work team's S3 presigned URLs must work only through the VPC (VpcSourceIp Enabled).", "high",
        "CreateWorkteam WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.VpcSourceIp is \"Enabled\" "
        "(injected when absent): Amazon S3 then accepts the presigned URLs of the worker task templates "
        "(grant_read_access) only over an S3 VPC endpoint from the worker's IP address; absent or \"Disabled\", "
        "the URLs of the labeling data work from anywhere. UpdateWorkteam that gives WorkerAccessConfiguration "
        "states it too. A labeling job or flow definition is checked against its work team's description. "
        "No IAM condition key has it, and CloudFormation's AWS::SageMaker::Workteam cannot set it.",
        (), "DescribeWorkteam Workteam.WorkerAccessConfiguration.S3Presign.IamPolicyConstraints.VpcSourceIp",
        "Set VpcSourceIp to Enabled (CreateWorkteam or UpdateWorkteam WorkerAccessConfiguration.S3Presign."
        "IamPolicyConstraints), with an S3 VPC endpoint in the workforce's VPC; create the work team with the API "
        "or Terraform, not CloudFormation."),
    GuardrailSpec(
        _G.WORKFORCE_SOURCE_IP,
        "A private workforce's worker portal must not answer the internet (SourceIpConfig of private ranges only).",
        "critical",
        "CreateWorkforce / UpdateWorkforce SourceIpConfig.Cidrs is a non-empty list whose every block lies in "
        "private ranges (RFC 1918, RFC 6598, link-local, IPv6 unique local), IPv4 and IPv6 (IpAddressType "
        "dualstack) alike; absent, or Cidrs empty (as DescribeWorkforce shows an unrestricted workforce), means "
        "no restriction: the worker portal, where workers see the labeling data, answers any address on the "
        "internet even with WorkforceVpcConfig (Developer Guide, 'Use Amazon VPC mode from a private worker "
        "portal': it 'can also be accessed from public internet until you set the restriction on the public "
        "internet'). CreateWorkforce gets 10.0.0.0/16 injected, the value the API reference (UpdateWorkforce) "
        "gives to restrict all workers on the public internet; source-IP restriction does not apply to the "
        "portal's VPC endpoints, so workers in the VPC keep working. A labeling job or flow definition is "
        "checked against its work team's workforce. No IAM condition key has it.",
        (), "DescribeWorkforce Workforce.SourceIpConfig.Cidrs",
        "Restrict the portal to private ranges: aws sagemaker update-workforce --workforce-name <name> "
        "--source-ip-config Cidrs=10.0.0.0/16 (or the VPC's own private CIDR), and give the workforce "
        "WorkforceVpcConfig in the profile's VPC so that workers reach the portal through its VPC endpoints."),
    GuardrailSpec(
        _G.UNCLASSIFIED, "The operation is not in safemaker's classification: refused unless allowed.", "high",
        "The operation is one of safemaker's classified operations (safemaker rules); a botocore newer than "
        "safemaker may add others, which nobody has read yet.",
        (), "not applicable (an operation, not a resource)",
        "Upgrade safemaker, or an administrator sets allow_unclassified_operations = true in the profile to "
        "send operations it does not know."),
)

GUARDRAILS: Mapping[str, GuardrailSpec] = MappingProxyType({s.rule_id: s for s in _SPECS})
"""Every guardrail's spec, by rule ID, in :class:`~safemaker.rules.Guardrail` order."""


def guardrail_spec(rule: Guardrail | str) -> GuardrailSpec:
    """The spec of ``rule`` (a :class:`~safemaker.rules.Guardrail` or its rule ID).

    Raises
    ------
    KeyError
        ``rule`` is not a rule ID of :class:`~safemaker.rules.Guardrail`.
    """
    return GUARDRAILS[rule.value if isinstance(rule, Guardrail) else rule]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def guardrails_markdown() -> str:
    """The guardrails as a Markdown table (docs/rules.md embeds it; a test compares them).

    Returns
    -------
    str
        One row per guardrail: rule ID, severity, what it checks, IAM condition keys,
        related controls (Security Hub, AWS Config, Prowler, by resource type), fix.
    """
    lines = ["| Rule | Severity | Checks | IAM condition keys | Related controls | Fix |",
             "|---|---|---|---|---|---|"]
    for s in GUARDRAILS.values():
        related = "<br>".join(f"{kind}: {', '.join(c.ids())}" for kind, c in s.controls) or "—"
        keys = "<br>".join(f"`{k}`" for k in s.condition_keys) or "—"
        lines.append("| " + " | ".join(_cell(x) for x in (
            f"`{s.rule_id}`", s.severity, s.checks, keys, related, s.fix)) + " |")
    return "\n".join(lines) + "\n"
