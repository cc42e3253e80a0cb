"""One description of the closed network (safemaker.network.stack): the CloudFormation template renders it,
and ``infra up`` applies the same resources on the local backend (moto over real HTTP).

The set of resources is the template's; whether each is on the backend is found by looking there (EC2 tags,
IAM names, associations, rules), each resource type's taggability read from cfn-lint's CloudFormation
schema: nothing here restates the description.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from safemaker.network import infra, stack, template
from safemaker.network.infra import RESOURCE_TAG, RetryPolicy, StackConfig

REGION = "us-east-1"
CONFIGS = {
    "seed": StackConfig(name="ifsm", region=REGION, aws_managed_policies=()),
    "training-only": StackConfig(name="tr", region=REGION, aws_managed_policies=(), features=["training"],
                                 cidr_block="10.9.0.0/20"),
    "notebook-only": StackConfig(name="nb", region=REGION, aws_managed_policies=(), features=["notebook"]),
    "admin-host": StackConfig(name="adm", region=REGION, admin_host=True),
}


def _schema(resource_type: str) -> dict:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER  # here, not at collection (~1 s of CPU per pytest process)

    return PROVIDER_SCHEMA_MANAGER.get_resource_schema(REGION, resource_type).schema


@pytest.fixture
def aws(safemaker_local):
    session = safemaker_local.session
    return SimpleNamespace(ec2=session.client("ec2", config=infra.CLIENT_CONFIG),
                           iam=session.client("iam", config=infra.CLIENT_CONFIG), backend=safemaker_local)


def _on_backend(aws, tpl: dict) -> tuple[set[str], dict[str, str]]:
    """Logical IDs of the template whose resource is on the backend, and logical ID -> physical ID."""
    ec2, iam = aws.ec2, aws.iam
    resources = tpl["Resources"]
    ids: dict[str, str] = {}
    by_tag = {}
    for t in ec2.get_paginator("describe_tags").paginate(
            Filters=[{"Name": "key", "Values": [RESOURCE_TAG]}]).build_full_result()["Tags"]:
        by_tag.setdefault(t["Value"], []).append(t["ResourceId"])
    for logical, r in resources.items():
        schema = _schema(r["Type"])
        value = next((t["Value"] for t in r["Properties"].get("Tags", []) if t["Key"] == RESOURCE_TAG), None)
        if schema.get("tagging", {}).get("taggable") and value is not None:
            found = [i for i in by_tag.get(value, []) if not i.startswith("vol-")]
            if len(found) == 1:
                ids[logical] = found[0]
        elif r["Type"] == "AWS::IAM::ManagedPolicy":
            name = r["Properties"]["ManagedPolicyName"]
            arns = [p["Arn"] for p in iam.list_policies(Scope="Local", PathPrefix=r["Properties"]["Path"])["Policies"]
                    if p["PolicyName"] == name]
            if arns:
                ids[logical] = arns[0]
    # IAM roles (taggable in the schema, found by name: IAM has no resource tag filter), instance profiles.
    for logical, r in resources.items():
        try:
            if r["Type"] == "AWS::IAM::Role":
                ids[logical] = iam.get_role(RoleName=r["Properties"]["RoleName"])["Role"]["RoleName"]
            elif r["Type"] == "AWS::IAM::InstanceProfile":
                profile = iam.get_instance_profile(InstanceProfileName=r["Properties"]["InstanceProfileName"])
                if {ids.get(x["Ref"]) for x in r["Properties"]["Roles"]} <= {
                        x["RoleName"] for x in profile["InstanceProfile"]["Roles"]}:
                    ids[logical] = profile["InstanceProfile"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            pass

    def ref(value):
        return ids.get(value["Ref"]) if isinstance(value, dict) and "Ref" in value else None

    prefix_list = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [
        f"com.amazonaws.{REGION}.s3"]}])["PrefixLists"][0]["PrefixListId"]

    def has_rule(group_id: str, props: dict, egress: bool) -> bool:
        (group,) = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"]
        perms = group["IpPermissionsEgress" if egress else "IpPermissions"]
        peer_key = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
        for p in perms:
            if p["IpProtocol"] != props["IpProtocol"] or p.get("FromPort") != props.get("FromPort"):
                continue
            if peer_key in props and ref(props[peer_key]) in {g["GroupId"] for g in p.get("UserIdGroupPairs", [])}:
                return True
            if "DestinationPrefixListId" in props and prefix_list in {x["PrefixListId"] for x in p.get("PrefixListIds", [])}:
                return True
        return False

    present = set(ids)
    for logical, r in resources.items():
        props, kind = r["Properties"], r["Type"]
        refs = [v for v in props.values() if isinstance(v, dict) and "Ref" in v and v["Ref"] in resources]
        if any(ref(v) is None for v in refs):
            continue  # what it joins is not there
        if kind == "AWS::EC2::VPCDHCPOptionsAssociation":
            (vpc,) = ec2.describe_vpcs(VpcIds=[ref(props["VpcId"])])["Vpcs"]
            if vpc["DhcpOptionsId"] == ref(props["DhcpOptionsId"]):
                present.add(logical)
        elif kind == "AWS::EC2::SubnetRouteTableAssociation":
            (table,) = ec2.describe_route_tables(RouteTableIds=[ref(props["RouteTableId"])])["RouteTables"]
            if ref(props["SubnetId"]) in {a.get("SubnetId") for a in table["Associations"]}:
                present.add(logical)
        elif kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            if has_rule(ref(props["GroupId"]), props, egress=kind.endswith("Egress")):
                present.add(logical)
        elif kind == "AWS::EC2::SecurityGroup" and logical in present:
            # Its inline egress is applied and AWS's default allow-all egress is gone.
            (group,) = ec2.describe_security_groups(GroupIds=[ids[logical]])["SecurityGroups"]
            if not all(has_rule(ids[logical], e, egress=True) for e in props["SecurityGroupEgress"]) or any(
                    r.get("CidrIp") == "0.0.0.0/0" for p in group["IpPermissionsEgress"] for r in p.get("IpRanges", [])):
                present.discard(logical)
        elif kind == "AWS::EC2::LaunchTemplate":
            # Applied directly: its data are the launch settings of the instances that name it.
            users = [ids.get(k) for k, u in resources.items() if u["Type"] == "AWS::EC2::Instance"
                     and u["Properties"].get("LaunchTemplate", {}).get("LaunchTemplateId") == {"Ref": logical}]
            if users and all(users):
                instances = [i for res in ec2.describe_instances(InstanceIds=users)["Reservations"]
                             for i in res["Instances"]]
                wanted = props["LaunchTemplateData"]["MetadataOptions"]
                if all({k: i["MetadataOptions"].get(k) for k in wanted} == wanted for i in instances):
                    present.add(logical)
        elif kind == "AWS::IAM::Role" and logical in present:
            attached = {p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=ids[logical])["AttachedPolicies"]}
            if not {ref(p) for p in props["ManagedPolicyArns"] if "Ref" in p} <= attached:
                present.discard(logical)
    return present, ids


@pytest.mark.parametrize("name", CONFIGS)
def test_what_infra_up_applies_on_the_local_backend_is_the_template(aws, name, monkeypatch):
    cfg = CONFIGS[name]
    if cfg.admin_host or cfg.aws_managed_policies:
        # moto loads AWS managed policies only with this variable; the IAM backend is made again after the reset.
        monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        aws.backend.reset()
    tpl = template.render(cfg)
    # The template is the description, resource for resource.
    assert {(k, r["Type"]) for k, r in tpl["Resources"].items()} == {(r.logical_id, r.type)
                                                                      for r in stack.describe(cfg)}
    # Every property the template gives is a property of its type in cfn-lint's CloudFormation schema.
    for logical, r in tpl["Resources"].items():
        assert set(r["Properties"]) <= set(_schema(r["Type"])["properties"]), logical

    assert _on_backend(aws, tpl)[0] == set()
    ssm = aws.backend.session.client("ssm", config=infra.CLIENT_CONFIG)
    infra.up(cfg, ec2_client=aws.ec2, iam_client=aws.iam, ssm_client=ssm, retry=RetryPolicy(wait_delay=0))
    present, ids = _on_backend(aws, tpl)
    assert present == set(tpl["Resources"])
    # And nothing else of the stack: every EC2 resource carrying its tag is one of the template's.
    tagged = {t["ResourceId"] for t in aws.ec2.get_paginator("describe_tags").paginate(
        Filters=[{"Name": "key", "Values": [infra.STACK_TAG]}, {"Name": "value", "Values": [cfg.name]}]
    ).build_full_result()["Tags"]}
    assert tagged - {v for v in tagged if v.startswith("vol-")} == {
        i for i in ids.values() if not i.startswith(("arn:", cfg.name))}
