"""safemaker.iam.evaluator: each rule of the IAM documentation it implements, one test each."""

from __future__ import annotations

import pytest

from safemaker.errors import SafemakerError
from safemaker.iam.evaluator import (
    SUPPORTED_OPERATORS,
    AuthorizationRequest,
    PolicyEvaluationError,
    PolicySet,
    condition_holds,
    evaluate,
    statement_applies,
)

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecRole"
SUB_A = "subnet-0aaaaaaaaaaaaaaaa"
SUB_C = "subnet-0cccccccccccccccc"
FOREIGN = "subnet-0ffffffffffffffff"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action="sagemaker:*", resource="*", **extra):
    return dict({"Effect": "Allow", "Action": action, "Resource": resource}, **extra)


def deny(action="sagemaker:*", resource="*", **extra):
    return dict({"Effect": "Deny", "Action": action, "Resource": resource}, **extra)


def req(action="sagemaker:CreateTrainingJob", resource="*", **context):
    return AuthorizationRequest(action, resource, context)


def holds(condition, **context):
    return condition_holds(condition, {k.replace("__", ":"): v for k, v in context.items()})


# --------------------------------------------------------------------------- evaluation logic


def test_explicit_deny_wins_over_allow():
    e = evaluate([doc(allow()), doc(deny(Sid="No"))], req())
    assert e.decision == "explicitDeny"
    assert e.denying_sids == ("No",)
    assert [(m.policy, m.statement, m.effect) for m in e.matched] == [(0, 0, "Allow"), (1, 0, "Deny")]


def test_allow_without_deny_is_allowed_and_no_statement_is_implicit_deny():
    assert evaluate([doc(allow())], req()).decision == "allowed"
    assert evaluate([doc(allow("ec2:*"))], req()).decision == "implicitDeny"
    assert evaluate([], req()).decision == "implicitDeny"


def test_a_deny_whose_condition_fails_does_not_apply():
    e = evaluate([doc(allow(), deny(Condition={"Bool": {"sagemaker:NetworkIsolation": "false"}}))],
                 req(**{"sagemaker:NetworkIsolation": True}))
    assert e.decision == "allowed"
    assert e.denying_sids == ()


# --------------------------------------------------------------------------- Action / Resource


def test_action_matches_case_insensitively_with_wildcards():
    assert statement_applies(allow("SageMaker:Create*Job"), req("sagemaker:createtrainingjob"))
    assert statement_applies(allow("sagemaker:*NotebookInstance"), req("sagemaker:StopNotebookInstance"))
    assert not statement_applies(allow("sagemaker:*NotebookInstance"), req("sagemaker:ListNotebookInstances"))
    assert statement_applies(allow("sagemaker:Describe?odel"), req("sagemaker:DescribeModel"))


def test_not_action_applies_to_every_other_action():
    stmt = {"Effect": "Deny", "NotAction": ["iam:PassRole"], "Resource": "*"}
    assert statement_applies(stmt, req("sagemaker:CreateModel"))
    assert not statement_applies(stmt, req("iam:PassRole"))


def test_resource_matches_case_sensitively_with_wildcards():
    stmt = allow("sagemaker:*", "arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/*")
    assert statement_applies(stmt, req(resource="arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/nb"))
    assert not statement_applies(stmt, req(resource="arn:aws:sagemaker:us-east-1:123456789012:Notebook-instance/nb"))
    assert not statement_applies(stmt, req(resource="*"))


def test_not_resource_is_the_seed_restrict_pass_role_pattern():
    stmt = {"Effect": "Deny", "Action": "iam:PassRole", "NotResource": ROLE,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}
    to_sm = {"iam:PassedToService": "sagemaker.amazonaws.com"}
    assert statement_applies(stmt, AuthorizationRequest("iam:PassRole", "arn:aws:iam::123456789012:role/Admin", to_sm))
    assert not statement_applies(stmt, AuthorizationRequest("iam:PassRole", ROLE, to_sm))
    assert not statement_applies(stmt, AuthorizationRequest(
        "iam:PassRole", "arn:aws:iam::123456789012:role/Admin", {"iam:PassedToService": "ec2.amazonaws.com"}))


# --------------------------------------------------------------------------- string operators


def test_string_equals_ors_policy_values_and_is_false_on_an_absent_key():
    cond = {"StringEquals": {"sagemaker:RootAccess": ["Disabled", "Off"]}}
    assert holds(cond, sagemaker__RootAccess="Off")
    assert not holds(cond, sagemaker__RootAccess="Enabled")
    assert not holds(cond)


def test_string_not_equals_nors_policy_values_and_is_true_on_an_absent_key():
    cond = {"StringNotEquals": {"sagemaker:DirectInternetAccess": ["Disabled", "Off"]}}
    assert holds(cond, sagemaker__DirectInternetAccess="Enabled")
    assert not holds(cond, sagemaker__DirectInternetAccess="Off")
    assert holds(cond)  # absent: a negated operator is true


def test_if_exists_is_true_on_an_absent_key_for_positive_and_negated_operators():
    assert holds({"StringEqualsIfExists": {"sagemaker:RootAccess": "Disabled"}})
    assert holds({"StringNotEqualsIfExists": {"sagemaker:RootAccess": "Disabled"}})
    assert not holds({"StringNotEqualsIfExists": {"sagemaker:RootAccess": "Disabled"}},
                     sagemaker__RootAccess="Disabled")


def test_string_ignore_case_and_like():
    assert holds({"StringEqualsIgnoreCase": {"k": "VPCONLY"}}, k="VpcOnly")
    assert not holds({"StringEquals": {"k": "VPCONLY"}}, k="VpcOnly")
    assert holds({"StringLike": {"k": "vpce-0e*"}}, k="vpce-0eeeeeeeeeeeeeeee")
    assert holds({"StringNotLike": {"k": "vpce-0f*"}}, k="vpce-0eeeeeeeeeeeeeeee")
    assert holds({"StringLike": {"k": "a?c"}}, k="abc")
    assert not holds({"StringLike": {"k": "a?c"}}, k="abbc")


def test_arn_operators_compare_component_by_component():
    key = "arn:aws:kms:us-east-1:123456789012:key/1111"
    assert holds({"ArnEquals": {"sagemaker:VolumeKmsKeyArn": key}}, sagemaker__VolumeKmsKeyArn=key)
    assert holds({"ArnLike": {"k": "arn:aws:kms:*:123456789012:key/*"}}, k=key)
    assert not holds({"ArnLike": {"k": "arn:aws:kms:*:999999999999:key/*"}}, k=key)
    assert holds({"ArnNotEquals": {"k": "arn:aws:kms:us-east-1:123456789012:key/2222"}}, k=key)
    assert not holds({"ArnEquals": {"k": key}}, k="alias/sagemaker")  # not an ARN: no match
    assert holds({"ArnNotEquals": {"k": key}})  # absent: negated is true


# --------------------------------------------------------------------------- Bool and Null


def test_bool_compares_booleans_and_their_text():
    cond = {"Bool": {"sagemaker:NetworkIsolation": "false"}}
    assert holds(cond, sagemaker__NetworkIsolation=False)
    assert holds(cond, sagemaker__NetworkIsolation="false")
    assert not holds(cond, sagemaker__NetworkIsolation=True)
    assert not holds(cond)  # absent: Bool is false -- the seed's gap (F15)
    assert holds({"Bool": {"k": False}}, k="FALSE")
    assert holds({"BoolIfExists": {"aws:ViaAWSService": "false"}})


def test_null_true_means_absent_and_false_means_present():
    assert holds({"Null": {"sagemaker:VpcSubnets": "true"}})
    assert not holds({"Null": {"sagemaker:VpcSubnets": "true"}}, sagemaker__VpcSubnets=[SUB_A])
    assert holds({"Null": {"sagemaker:VpcSubnets": False}}, sagemaker__VpcSubnets=[SUB_A])
    assert not holds({"Null": {"sagemaker:VpcSubnets": False}})
    assert holds({"Null": {"sagemaker:VpcSubnets": "true"}}, sagemaker__VpcSubnets=[])  # empty set as absent


# --------------------------------------------------------------------------- set operators


def test_for_any_value_string_not_equals_is_true_when_one_value_is_outside():
    cond = {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": [SUB_A, SUB_C]}}
    assert holds(cond, sagemaker__VpcSubnets=[SUB_A, FOREIGN])
    assert not holds(cond, sagemaker__VpcSubnets=[SUB_C, SUB_A])
    assert not holds(cond)  # absent: ForAnyValue is false
    assert not holds(cond, sagemaker__VpcSubnets=[])


def test_for_all_values_is_true_on_an_absent_or_empty_key():
    cond = {"ForAllValues:StringEquals": {"sagemaker:VpcSubnets": [SUB_A, SUB_C]}}
    assert holds(cond)
    assert holds(cond, sagemaker__VpcSubnets=[])
    assert holds(cond, sagemaker__VpcSubnets=[SUB_A])
    assert not holds(cond, sagemaker__VpcSubnets=[SUB_A, FOREIGN])


def test_set_operator_on_a_single_valued_key_treats_it_as_a_set_of_one():
    # The seed's fourth statement: ForAllValues:StringNotEquals on aws:SourceVpce.
    cond = {"ForAllValues:StringNotEquals": {"aws:SourceVpce": ["vpce-0eeeeeeeeeeeeeeee"]}}
    assert holds(cond, aws__SourceVpce="vpce-0ffffffffffffffff")
    assert not holds(cond, aws__SourceVpce="vpce-0eeeeeeeeeeeeeeee")
    assert holds(cond)  # absent: ForAllValues is true (the seed guards it with Null: false)


def test_set_operator_with_if_exists_on_an_absent_key():
    assert holds({"ForAnyValue:StringNotEqualsIfExists": {"k": ["a"]}})


# --------------------------------------------------------------------------- combination


def test_operators_and_keys_inside_a_condition_are_anded():
    cond = {"Null": {"aws:SourceVpce": "false"}, "StringNotEquals": {"aws:SourceVpce": "vpce-0eeeeeeeeeeeeeeee"}}
    assert holds(cond, aws__SourceVpce="vpce-0ffffffffffffffff")
    assert not holds(cond)
    two_keys = {"StringEquals": {"a": "1", "b": "2"}}
    assert holds(two_keys, a="1", b="2")
    assert not holds(two_keys, a="1", b="3")


def test_condition_key_names_are_case_insensitive():
    assert holds({"Null": {"SageMaker:VPCSubnets": "false"}}, sagemaker__VpcSubnets=[SUB_A])


# --------------------------------------------------------------------------- what it refuses to guess


@pytest.mark.parametrize(
    "statement, problem",
    [
        (deny(Condition={"NumericLessThan": {"k": "1"}}), "condition operator 'NumericLessThan' is not supported"),
        (dict(deny(), Principal="*"), "Principal is not supported"),
        (deny(Condition={"StringEquals": {"k": "${aws:username}"}}), "policy variables are not supported"),
        (deny(Condition={"StringEquals": {"sagemaker:VpcSubnets": SUB_A}}), "needs ForAnyValue: or ForAllValues:"),
        (deny(Condition={"NullIfExists": {"k": "true"}}), "Null takes neither a set prefix nor IfExists"),
        ({"Effect": "Maybe", "Action": "*", "Resource": "*"}, "Effect must be 'Allow' or 'Deny'"),
        ({"Effect": "Deny", "Action": "*", "NotAction": "x", "Resource": "*"}, "exactly one of Action and NotAction"),
        ({"Effect": "Deny", "Action": "*"}, "exactly one of Resource and NotResource"),
        (deny(Condition={"StringEquals": {}}), "must be a non-empty object"),
    ],
)
@pytest.mark.parametrize("form", [list, PolicySet])
def test_unsupported_or_malformed_policies_raise_naming_the_place(statement, problem, form):
    with pytest.raises(PolicyEvaluationError) as exc:
        evaluate(form([doc(dict(statement, Sid="S1"))]), req(**{"sagemaker:VpcSubnets": [SUB_A], "k": "v"}))
    assert problem in str(exc.value)
    assert exc.value.where.startswith("policy 0, statement 'S1'")
    assert isinstance(exc.value, SafemakerError)


@pytest.mark.parametrize("form", [list, PolicySet])
def test_a_document_without_statement_or_with_an_unknown_version_is_refused(form):
    with pytest.raises(PolicyEvaluationError, match="a policy document needs a Statement"):
        evaluate(form([{"Version": "2012-10-17"}]), req())
    with pytest.raises(PolicyEvaluationError, match="unknown Version '2020-01-01'"):
        evaluate(form([{"Version": "2020-01-01", "Statement": []}]), req())


# --------------------------------------------------------------------------- PolicySet: read once, same decisions


def test_a_policy_set_decides_as_evaluate_on_the_policies_themselves():
    """The oracle is evaluate on the plain documents (each rule tested above): every request, every policy list."""
    from safemaker import iam
    from safemaker.iam import scp

    from _profiles import make_profile

    profile = make_profile()
    lists = [
        [doc(allow()), doc(deny(Sid="No"))],
        [doc(allow(), deny(Condition={"Bool": {"sagemaker:NetworkIsolation": "false"}}))],
        [doc(allow("SageMaker:Create*"), deny("sagemaker:Delete?odel"))],
        [doc({"Effect": "Deny", "NotAction": ["sagemaker:Describe*", "iam:PassRole"], "Resource": "*"})],
        [doc({"Effect": "Allow", "Action": "iam:PassRole", "NotResource": [ROLE, "arn:aws:iam::*:role/x-*"]})],
        [doc(deny(resource=["arn:aws:sagemaker:*:*:training-job/ok-*", "*/Other"]))],
        [iam.BASELINE_ALLOW, *iam.guardrail_policy(profile), *iam.pass_role_policy(profile)],
        [iam.BASELINE_ALLOW, *scp.service_control_policies(profile)],
    ]
    requests = [req(), req("sagemaker:createtrainingjob"), req("sagemaker:DeleteModel"), req("sagemaker:DescribeModel"),
                req("iam:PassRole", ROLE), req("iam:PassRole", "arn:aws:iam::123456789012:role/x-1"),
                req("iam:PassRole", "arn:aws:iam::123456789012:role/Admin"),
                req(resource="arn:aws:sagemaker:us-east-1:1:training-job/ok-1"),
                req(**{"sagemaker:NetworkIsolation": False, "sagemaker:VpcSubnets": [SUB_A]}),
                req(**{"sagemaker:NetworkIsolation": True, "sagemaker:VpcSubnets": [FOREIGN],
                       "sagemaker:VpcSecurityGroupIds": ["sg-0"]}),
                req("sagemaker:CreateNotebookInstance", **{"sagemaker:DirectInternetAccess": "Enabled"})]
    decisions = set()
    for policies in lists:
        as_set = PolicySet(policies)
        for r in requests:
            expected = evaluate(policies, r)
            assert evaluate(as_set, r) == expected == as_set.evaluate(r)
            decisions.add(expected.decision)
    assert decisions == {"allowed", "explicitDeny", "implicitDeny"}


def test_a_policy_set_decides_a_request_again_as_the_first_time():
    """The statements that may apply are kept per action and resource: asked again (another context, the same
    action and resource), a set decides as the documents do, and a malformed statement still raises."""
    from safemaker import iam

    from _profiles import SG, make_profile

    profile = make_profile()
    policies = [iam.BASELINE_ALLOW, *iam.guardrail_policy(profile), *iam.pass_role_policy(profile)]
    as_set = PolicySet(policies)
    contexts = [{}, {"sagemaker:NetworkIsolation": False, "sagemaker:VpcSubnets": [SUB_A]},
                {"sagemaker:NetworkIsolation": True, "sagemaker:VpcSubnets": [SUB_A], "sagemaker:VpcSecurityGroupIds": [SG]},
                {"sagemaker:NetworkIsolation": True, "sagemaker:VpcSubnets": [FOREIGN]}]
    decisions = set()
    for _ in range(2):
        for context in contexts:
            for action in ("sagemaker:CreateTrainingJob", "sagemaker:createtrainingjob", "sagemaker:DescribeModel"):
                r = req(action, **context)
                assert evaluate(as_set, r) == evaluate(policies, r)
                decisions.add(evaluate(as_set, r).decision)
    assert decisions == {"allowed", "explicitDeny"}
    bad = PolicySet([doc(allow(), deny("sagemaker:DeleteModel", resource=7, Sid="B"))])
    for _ in range(2):
        assert evaluate(bad, req()).decision == "allowed"
        with pytest.raises(PolicyEvaluationError):
            evaluate(bad, req("sagemaker:DeleteModel"))


def test_a_policy_set_is_a_snapshot_and_reports_errors_at_evaluation_as_evaluate():
    policies = [doc(allow(), deny(Sid="No", Condition={"Bool": {"sagemaker:NetworkIsolation": "false"}}))]
    as_set = PolicySet(policies)
    policies[0]["Statement"][1]["Condition"] = {"Bool": {"sagemaker:NetworkIsolation": "true"}}
    assert evaluate(as_set, req(**{"sagemaker:NetworkIsolation": False})).denying_sids == ("No",)
    # A malformed resource pattern is found only when the action matches, by both.
    bad = [doc(allow(), deny("sagemaker:DeleteModel", resource=7, Sid="B"))]
    as_set = PolicySet(bad)  # nothing raised here
    for form in (bad, as_set):
        assert evaluate(form, req()).decision == "allowed"
        with pytest.raises(PolicyEvaluationError) as exc:
            evaluate(form, req("sagemaker:DeleteModel"))
        assert exc.value.where.startswith("policy 0, statement 'B'")
    with pytest.raises(PolicyEvaluationError, match="Condition must be an object"):
        evaluate(PolicySet([doc(deny(Condition=None))]), req())


def test_a_policy_set_reads_every_condition_as_evaluate_on_the_documents():
    """A set reads each Condition block once (its operators, keys and values) instead of at every request: every
    supported operator, with and without IfExists and each set prefix, against a key absent, empty, single-valued
    (string, boolean, integer) and multivalued, decides as evaluate on the plain documents, and raises where it
    raises (a multivalued key under a single-valued operator; a block that is malformed: a policy variable, a bad
    Null value, an unsupported operator, a key's value that is no string or list), with the same message."""
    operators = [f"{prefix}{base}{suffix}" for base in sorted(SUPPORTED_OPERATORS - {"Null"})
                 for prefix in ("", "ForAnyValue:", "ForAllValues:") for suffix in ("", "IfExists")] + ["Null"]
    values = {"Null": ["true", "false", True, "False", ["true", "false"], "maybe"]}
    plain = ["Disabled", ["Disabled", "vpc*"], "arn:aws:kms:*:*:key/k-?", "true", False, 7, ["${aws:username}"],
             {"not": "a list"}]
    contexts = [{}, {"k:Key": None}, {"k:Key": []}, {"k:Key": "Disabled"}, {"K:KEY": "disabled"},
                {"k:Key": "vpc-1"}, {"k:Key": "arn:aws:kms:us-east-1:1:key/k-1"}, {"k:Key": True},
                {"k:Key": False}, {"k:Key": 7}, {"k:Key": ["Disabled", "vpc-1"]}, {"k:Key": ["Enabled"]},
                {"k:Key": "x", "k:Other": "y"}]
    blocks = [{op: {"k:Key": v}} for op in operators for v in values.get(op, plain)]
    blocks += [{"Null": {"k:Other": "false"}, "StringEquals": {"k:Key": "Disabled"}},
               {"StringEquals": {"k:Key": "x", "k:Other": ["y", "z"]}, "Bool": {"k:Key": "true"}},
               {"StringEquals": {"k:Key": "nothing"}, "NoSuchOperator": {"k:Key": "x"}},
               {"NoSuchOperator": {"k:Key": "x"}}, {"StringEquals": {}}, {"NullIfExists": {"k:Key": "true"}}]
    outcomes = set()
    for block in blocks:
        policies = [doc(allow(), deny(Sid="C", Condition=block))]
        as_set = PolicySet(policies)
        for context in contexts:
            r = req(**context)
            try:
                expected = evaluate(policies, r)
            except PolicyEvaluationError as exc:
                with pytest.raises(PolicyEvaluationError) as got:
                    evaluate(as_set, r)
                assert (got.value.where, str(got.value)) == (exc.where, str(exc)), (block, context)
                outcomes.add("raised")
                continue
            assert evaluate(as_set, r) == expected, (block, context)
            outcomes.add(expected.decision)
    assert outcomes == {"allowed", "explicitDeny", "raised"}


def test_supported_operators_are_exactly_those_safemaker_and_the_seed_use():
    assert SUPPORTED_OPERATORS == {
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool", "Null",
    }
