"""CloudFormation intrinsic functions as the IaC reader resolves them (pure: no file, no network).

Expected values follow the CloudFormation intrinsic function reference: ``Ref`` to a
parameter is its value (``--parameter``, else ``Default``; ``CommaDelimitedList`` split on
commas), ``Fn::Select`` / ``Fn::Split`` / ``Fn::Join`` / ``Fn::Sub`` / ``Fn::FindInMap``
compute from their arguments, ``AWS::NoValue`` removes the property; what only deployment
knows is unresolved.
"""

from __future__ import annotations

import pytest

from safemaker.iac._document import Unresolved, parse_text
from safemaker.iac.cloudformation import Resolver, template_requests

TEMPLATE = {
    "Parameters": {
        "Subnets": {"Type": "CommaDelimitedList", "Default": "subnet-1,subnet-2"},
        "Sg": {"Type": "AWS::EC2::SecurityGroup::Id"},
        "Env": {"Type": "String", "Default": "dev"},
        "Version": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/x/y"},
    },
    "Mappings": {"Net": {"dev": {"Subnet": "subnet-dev"}}},
    "Resources": {"MySubnet": {"Type": "AWS::EC2::Subnet"}},
}


@pytest.mark.parametrize(("node", "expected"), [
    ({"Ref": "Subnets"}, ["subnet-1", "subnet-2"]),
    ({"Fn::Select": [1, {"Ref": "Subnets"}]}, "subnet-2"),
    ({"Fn::Split": [",", "a,b"]}, ["a", "b"]),
    ({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}, "a-dev"),
    ({"Fn::Sub": "sm-${Env}"}, "sm-dev"),
    ({"Fn::Sub": ["${X}-${Env}", {"X": "pre"}]}, "pre-dev"),
    ({"Fn::Sub": "${!Literal}"}, "${Literal}"),
    ({"Fn::FindInMap": ["Net", {"Ref": "Env"}, "Subnet"]}, "subnet-dev"),
    ({"A": 1, "B": {"Ref": "AWS::NoValue"}}, {"A": 1}),
])
def test_resolved(node, expected):
    assert Resolver(TEMPLATE, {}).value(node) == expected


def test_parameter_given_wins_over_default_and_lists_are_split():
    r = Resolver(TEMPLATE, {"Subnets": "subnet-9, subnet-8", "Env": "prod"})
    assert r.value({"Ref": "Subnets"}) == ["subnet-9", "subnet-8"]
    assert r.value({"Fn::Sub": "sm-${Env}"}) == "sm-prod"


@pytest.mark.parametrize(("node", "reason", "refers_to"), [
    ({"Ref": "Sg"}, "a template parameter without Default and not given with --parameter", None),
    ({"Ref": "MySubnet"}, "a resource created by the same template", "MySubnet"),
    ({"Fn::GetAtt": ["MySubnet", "SubnetId"]}, "an attribute of a resource created at deployment", "MySubnet"),
    ({"Fn::GetAtt": "MySubnet.SubnetId"}, "an attribute of a resource created at deployment", "MySubnet"),
    ({"Fn::ImportValue": "net-Subnet"}, "an export of another stack, known at deployment", None),
    ({"Fn::If": ["C", "a", "b"]}, "depends on a condition evaluated at deployment", None),
    ({"Ref": "AWS::Region"}, "a pseudo parameter known at deployment", None),
    ({"Ref": "Version"}, "a parameter read from SSM Parameter Store at deployment", None),
    ({"Fn::Split": [",", {"Ref": "Sg"}]}, "a template parameter without Default and not given with --parameter",
     None),
])
def test_unresolved(node, reason, refers_to):
    got = Resolver(TEMPLATE, {}).value(node)
    assert isinstance(got, Unresolved)
    assert (got.reason, got.refers_to) == (reason, refers_to)


def test_sub_with_an_unresolved_part_names_it():
    got = Resolver(TEMPLATE, {}).value({"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/${Env}"})
    assert isinstance(got, Unresolved)
    assert got.expression == "arn:aws:iam::${AWS::AccountId}:role/dev"


def test_pipeline_body_built_with_join_keeps_unresolved_parts_unverifiable():
    text = """
Resources:
  Role: {Type: AWS::IAM::Role}
  P:
    Type: AWS::SageMaker::Pipeline
    Properties:
      PipelineName: p
      RoleArn: !GetAtt Role.Arn
      PipelineDefinition:
        PipelineDefinitionBody: !Join
          - ""
          - - '{"Version": "2020-12-01", "Steps": [{"Name": "T", "Type": "Training", "Arguments": {"RoleArn": "'
            - !GetAtt Role.Arn
            - '", "VpcConfig": {"Subnets": ["'
            - !ImportValue shared-subnet
            - '"], "SecurityGroupIds": ["sg-1"]}}}]}'
"""
    # an export of another stack may be any text (Fn::ImportValue returns the string an Outputs entry exports):
    # substituted into the body's text it can restructure it, so the whole definition cannot be verified
    (req,) = template_requests(parse_text(text, "t.yaml"), {})
    assert req.params.get("PipelineDefinition") is None
    ((parts, body, rule),) = req.extra
    assert (parts, rule) == (("PipelineDefinition",), "SM-REFERENCE")
    assert body.expression == {"Fn::ImportValue": "shared-subnet"} and "an export of another stack" in body.reason
    # a subnet the template creates (Ref of AWS::EC2::Subnet returns its ID): one unknown scalar
    text = text.replace("Role: {Type: AWS::IAM::Role}", "Role: {Type: AWS::IAM::Role}\n  Subnet: {Type: AWS::EC2::Subnet}")
    (req,) = template_requests(parse_text(text.replace("!ImportValue shared-subnet", "!Ref Subnet"), "t.yaml"), {})
    args = req.params["PipelineDefinition"]["Steps"][0]["Arguments"]
    assert isinstance(args["RoleArn"], Unresolved) and args["RoleArn"].refers_to == "Role"
    assert isinstance(args["VpcConfig"]["Subnets"][0], Unresolved)
    assert args["VpcConfig"]["Subnets"][0].refers_to == "Subnet"
    assert args["VpcConfig"]["SecurityGroupIds"] == ["sg-1"]


def test_unresolved_values_inside_a_pipeline_step_are_unverifiable_not_violations():
    from safemaker.iac import decide_requests
    from safemaker.profile import VpcProfile

    profile = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd",
                         subnets=["subnet-0aaaaaaaaaaaaaaaa"], security_group_ids=["sg-0bbbbbbbbbbbbbbbb"],
                         execution_role_arn="arn:aws:iam::123456789012:role/SageMakerExecRole")
    text = """
Resources:
  P:
    Type: AWS::SageMaker::Pipeline
    Properties:
      PipelineName: p
      RoleArn: arn:aws:iam::123456789012:role/SageMakerExecRole
      PipelineDefinition:
        PipelineDefinitionBody: !Sub
          - '{"Version": "2020-12-01", "Steps": [{"Name": "T", "Type": "Processing", "Arguments": {
              "RoleArn": "arn:aws:iam::123456789012:role/SageMakerExecRole",
              "AppSpecification": {"ImageUri": "i"},
              "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                                         "VolumeSizeInGB": 1}},
              "NetworkConfig": {"EnableNetworkIsolation": true, "EnableInterContainerTrafficEncryption": true,
                                "VpcConfig": {"Subnets": ["${Net}"], "SecurityGroupIds": ["sg-0bbbbbbbbbbbbbbbb"]}}}}]}'
          - Net: !ImportValue shared-subnet
"""
    # Fn::ImportValue returns whatever string another stack exports: substituted as text into the body it may
    # restructure it (add steps, members), so the body cannot be verified as a whole, not only the subnet
    findings = decide_requests(template_requests(parse_text(text, "t.yaml"), {}), profile)
    assert [(f.status, f.rule_id, f.path) for f in findings] == [
        ("UNKNOWN", "SM-REFERENCE", "PipelineDefinition.PipelineDefinitionBody")]
    assert "an export of another stack" in findings[0].found
    # a subnet the template creates (Ref of AWS::EC2::Subnet returns its ID: no quote): one unknown value
    text = text.replace("Resources:\n", "Resources:\n  Sn: {Type: AWS::EC2::Subnet}\n").replace(
        "!ImportValue shared-subnet", "!Ref Sn")
    findings = decide_requests(template_requests(parse_text(text, "t.yaml"), {}), profile)
    assert [(f.status, f.rule_id, f.path) for f in findings] == [
        ("UNKNOWN", "SM-NET-VPC",
         "PipelineDefinition.PipelineDefinitionBody.Steps[0:T].Arguments.NetworkConfig.VpcConfig.Subnets[0]")]


def test_properties_chosen_by_a_condition_are_unverifiable_not_absent():
    from safemaker.iac import decide_requests
    from safemaker.profile import VpcProfile

    profile = VpcProfile(region="us-east-1", vpc_id="vpc-0dddddddddddddddd",
                         subnets=["subnet-0aaaaaaaaaaaaaaaa"], security_group_ids=["sg-0bbbbbbbbbbbbbbbb"],
                         execution_role_arn="arn:aws:iam::123456789012:role/SageMakerExecRole")
    text = """
Conditions:
  Prod: !Equals [!Ref AWS::AccountId, "123456789012"]
Resources:
  Nb:
    Type: AWS::SageMaker::NotebookInstance
    Properties: !If [Prod, {InstanceType: ml.t3.medium, DirectInternetAccess: Disabled}, {InstanceType: ml.t3.medium}]
"""
    findings = decide_requests(template_requests(parse_text(text, "t.yaml"), {}), profile)
    assert [(f.status, f.rule_id, f.path, f.location.line) for f in findings] == [
        ("UNKNOWN", "SM-REFERENCE", "Properties", 7)]


# Expected values from the CloudFormation "Condition functions" reference: Fn::If returns the
# second argument when its condition is true, the third when false; Fn::Equals compares two
# values (parameters are strings); a resource whose Condition is false is not created.
COND_TEMPLATE = """
Parameters:
  Open: {Type: String, Default: "true"}
  Flag: {Type: String, Default: true}
Conditions:
  IsOpen: !Equals [!Ref Open, "true"]
  NotOpen: !Not [!Condition IsOpen]
  Both: !And [!Condition IsOpen, !Equals [!Ref Flag, "true"]]
  InRegion: !Equals [!Ref "AWS::Region", us-east-1]
Resources:
  NB:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: arn:aws:iam::123456789012:role/r
      DirectInternetAccess: !If [IsOpen, Enabled, Disabled]
"""


@pytest.mark.parametrize(("given", "expected"), [({}, "Enabled"), ({"Open": "true"}, "Enabled"),
                                                 ({"Open": "false"}, "Disabled")])
def test_fn_if_on_a_condition_of_parameters_is_resolved(given, expected):
    tpl = parse_text(COND_TEMPLATE, "t.yaml").data
    r = Resolver(tpl, given)
    assert r.value({"Fn::If": ["IsOpen", "Enabled", "Disabled"]}) == expected
    assert r.condition("NotOpen") is (expected == "Disabled")
    assert r.condition("Both") is (expected == "Enabled")


def test_fn_if_on_a_condition_known_at_deployment_stays_unresolved():
    r = Resolver(parse_text(COND_TEMPLATE, "t.yaml").data, {})
    assert r.condition("InRegion") is None
    got = r.value({"Fn::If": ["InRegion", "Enabled", "Disabled"]})
    assert isinstance(got, Unresolved) and got.reason == "depends on a condition evaluated at deployment"
    assert r.value({"A": {"Fn::If": ["NotOpen", 1, {"Ref": "AWS::NoValue"}]}}) == {}


def test_template_notebook_opened_through_fn_if_on_a_default_is_a_violation():
    reqs = template_requests(parse_text(COND_TEMPLATE, "t.yaml"), {})
    assert [r.params.get("DirectInternetAccess") for r in reqs] == ["Enabled"]
    reqs = template_requests(parse_text(COND_TEMPLATE, "t.yaml"), {"Open": "false"})
    assert [r.params.get("DirectInternetAccess") for r in reqs] == ["Disabled"]


def test_resource_whose_condition_is_false_is_not_checked():
    text = COND_TEMPLATE.replace("    Type: AWS::SageMaker::NotebookInstance",
                                 "    Type: AWS::SageMaker::NotebookInstance\n    Condition: NotOpen")
    assert template_requests(parse_text(text, "t.yaml"), {}) == []
    assert len(template_requests(parse_text(text, "t.yaml"), {"Open": "false"})) == 1


# --------------------------------------------------------------------------- pseudo parameters the profile fixes
# CloudFormation User Guide, "Pseudo parameters reference": AWS::Region "the Region in which the encompassing
# resource is being created, such as us-west-2"; AWS::Partition "For standard AWS Regions, the partition is aws
# ... the partition for resources in the China (Beijing and Ningxia) Region is aws-cn and the partition for
# resources in the AWS GovCloud (US-West) region is aws-us-gov"; AWS::URLSuffix "typically amazonaws.com ... the
# suffix for the China (Beijing) Region is amazonaws.com.cn".


@pytest.mark.parametrize(("region", "partition", "suffix"), [
    ("us-west-2", "aws", "amazonaws.com"),
    ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
    ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
])
def test_pseudo_parameters_of_a_region_follow_the_cloudformation_reference(region, partition, suffix):
    from safemaker.iac._intrinsics import pseudo_parameters

    assert pseudo_parameters(region) == {"AWS::Region": region, "AWS::Partition": partition,
                                         "AWS::URLSuffix": suffix}


# The Fn::FindInMap reference's example: "ImageId: !FindInMap [RegionMap, !Ref 'AWS::Region', HVM64]" with a
# RegionMap keyed by region names.
REGION_TEMPLATE = {
    "Mappings": {"RegionMap": {"us-east-1": {"HVM64": "ami-0ff8a91507f77f867"},
                               "us-west-1": {"HVM64": "ami-0bdb828fd58c52235"}}},
    "Conditions": {"InVirginia": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
                   "InChina": {"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]}},
}
US_EAST_1 = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}


@pytest.mark.parametrize(("node", "expected"), [
    ({"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "HVM64"]}, "ami-0ff8a91507f77f867"),
    ({"Fn::Sub": "arn:${AWS::Partition}:s3:::bucket/${AWS::Region}"}, "arn:aws:s3:::bucket/us-east-1"),
    ({"Fn::Sub": "https://s3.${AWS::Region}.${AWS::URLSuffix}/b"}, "https://s3.us-east-1.amazonaws.com/b"),
    ({"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "sagemaker"]]}, "arn:aws:sagemaker"),
    ({"Fn::If": ["InVirginia", "here", "elsewhere"]}, "here"),
    ({"Fn::If": ["InChina", "cn", "not-cn"]}, "not-cn"),
])
def test_pseudo_parameters_the_profile_fixes_resolve_wherever_a_ref_does(node, expected):
    assert Resolver(REGION_TEMPLATE, {}, pseudo=US_EAST_1).value(node) == expected


def test_a_region_the_mapping_lacks_is_a_missing_entry_not_a_value():
    got = Resolver(REGION_TEMPLATE, {}, pseudo={**US_EAST_1, "AWS::Region": "eu-west-1"}).value(
        {"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "HVM64"]})
    assert isinstance(got, Unresolved) and got.reason == "a mapping entry the template does not have"


@pytest.mark.parametrize("name", ["AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"])
def test_pseudo_parameters_the_profile_does_not_fix_stay_unresolved(name):
    r = Resolver(REGION_TEMPLATE, {}, pseudo=US_EAST_1)
    got = r.value({"Ref": name})
    assert isinstance(got, Unresolved) and got.reason == "a pseudo parameter known at deployment"
    got = r.value({"Fn::Sub": "x-${%s}" % name})
    assert isinstance(got, Unresolved) and got.expression == "x-${%s}" % name
    assert r.condition("InVirginia") is True  # (the others still resolve beside it)


def test_without_pseudo_parameters_the_region_is_known_only_at_deployment():
    r = Resolver(REGION_TEMPLATE, {})
    assert isinstance(r.value({"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "HVM64"]}), Unresolved)
    assert r.condition("InVirginia") is None


# -- which unknown values may be any text (issue 13, trial 18 F04/F05): the template reference's return values
FREE_TEXT_TEMPLATE = {
    "Parameters": {
        "FromStore": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/x/y"},
        "Count": {"Type": "Number"},
        "Mode": {"Type": "String", "AllowedValues": ["File", "Pipe"]},
        "Free": {"Type": "String"},
        "Sg": {"Type": "AWS::EC2::SecurityGroup::Id"},
    },
    "Conditions": {"Prod": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "123456789012"]}},
    "Mappings": {"Plain": {"a": {"v": "ml.m5.large"}}, "Quoted": {"a": {"v": 'x"y'}}},
    "Resources": {
        "Fn": {"Type": "AWS::Lambda::Function"},
        "Param": {"Type": "AWS::SSM::Parameter"},
        "Child": {"Type": "AWS::CloudFormation::Stack"},
        "Cust": {"Type": "Custom::Thing"},
        "Cust2": {"Type": "AWS::CloudFormation::CustomResource"},
        "Reg": {"Type": "Acme::Ml::Thing"},
        "Wait": {"Type": "AWS::CloudFormation::WaitCondition"},
    },
}


@pytest.mark.parametrize(("node", "free"), [
    # Ref of an AWS type: a name, ID or ARN; of a custom resource: the physical ID its provider returns
    ({"Ref": "Fn"}, False),
    ({"Ref": "Cust"}, True),
    ({"Ref": "Cust2"}, True),
    ({"Ref": "Reg"}, True),
    # Fn::GetAtt: AWS::Lambda::Function Arn (an ARN); AWS::SSM::Parameter Value ("the value of the parameter");
    # AWS::CloudFormation::Stack Outputs.X (another template's output); WaitCondition Data (the signals' JSON)
    ({"Fn::GetAtt": ["Fn", "Arn"]}, False),
    ({"Fn::GetAtt": "Fn.Arn"}, False),
    ({"Fn::GetAtt": ["Param", "Value"]}, True),
    ({"Fn::GetAtt": ["Child", "Outputs.Arn"]}, True),
    ({"Fn::GetAtt": ["Wait", "Data"]}, True),
    ({"Fn::GetAtt": ["Cust", "Arn"]}, True),
    # AWS::SSM::Parameter Type: an enum in the resource schema (String, StringList)
    ({"Fn::GetAtt": ["Param", "Type"]}, False),
    ({"Fn::ImportValue": "shared"}, True),
    ({"Ref": "FromStore"}, True),
    ({"Ref": "Free"}, True),            # no Default, not given: whatever the deployer types
    ({"Ref": "Count"}, False),          # a Number
    ({"Ref": "Mode"}, False),           # AllowedValues of plain words
    ({"Ref": "Sg"}, False),             # an AWS-specific type: an ID CloudFormation checks
    ({"Ref": "AWS::AccountId"}, False),
    ({"Ref": "AWS::StackName"}, False),
    ("{{resolve:ssm:/a/b}}", True),
    ("arn:aws:kms:us-east-1:123456789012:key/{{resolve:ssm:/a/b}}", True),
    ({"Fn::If": ["Prod", "ml.m5.large", "ml.t3.medium"]}, False),
    ({"Fn::If": ["Prod", "ml.m5.large", 'a", "b": "c']}, True),
    ({"Fn::If": ["Prod", {"Fn::GetAtt": ["Fn", "Arn"]}, {"Fn::ImportValue": "x"}]}, True),
    ({"Fn::FindInMap": ["Plain", {"Ref": "AWS::AccountId"}, "v"]}, False),
    ({"Fn::FindInMap": ["Quoted", {"Ref": "AWS::AccountId"}, "v"]}, True),
    ({"Fn::GetAZs": ""}, False),
])
def test_unknown_values_that_may_be_any_text(node, free):
    got = Resolver(FREE_TEXT_TEMPLATE, {}).value(node)
    assert isinstance(got, Unresolved), got
    assert got.free_text is free, (node, got)


def test_a_previous_value_is_text_unless_the_type_bounds_it():
    from safemaker.iac.stack_calls import parameter_values

    values = parameter_values([{"ParameterKey": k, "UsePreviousValue": True} for k in ("Free", "Count", "Mode")])
    resolver = Resolver(FREE_TEXT_TEMPLATE, values)
    assert [resolver.value({"Ref": k}).free_text for k in ("Free", "Count", "Mode")] == [True, False, False]


@pytest.mark.parametrize("value, refused", [
    ("0.1", False), ('0.1"}, "RemoteDebugConfig": {"EnableRemoteDebug": true}, "Environment": {"x": "y', True)])
def test_definition_substitutions_of_an_object_definition_are_substituted_as_text(value, refused):
    # the resource handler writes Definition as JSON text and replaces ${Key} in it (transformDefinition)
    text = """
Parameters:
  Lr: {Type: String}
Resources:
  Sm:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      RoleArn: arn:aws:iam::123456789012:role/sfn
      DefinitionSubstitutions: {Lr: !Ref Lr}
      Definition:
        StartAt: T
        States:
          T:
            Type: Task
            Resource: arn:aws:states:::sagemaker:createTrainingJob.sync
            End: true
            Parameters:
              TrainingJobName: j
              HyperParameters: {lr: "${Lr}"}
"""
    reqs = template_requests(parse_text(text, "t.yaml"), {"Lr": value})
    (req,) = reqs
    assert ("RemoteDebugConfig" in req.params) is refused
    assert req.params["HyperParameters"] == {"lr": "0.1"}
