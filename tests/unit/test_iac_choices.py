"""The values a template parameter can take at deployment (safemaker.iac._choices), against the documents.

- SageMaker API reference: CreateNotebookInstance ``DirectInternetAccess`` "Valid Values: Enabled |
  Disabled"; CreateModel ``EnableNetworkIsolation`` "Type: Boolean"; ``InstanceType`` is an enum too,
  but no rule guards it.
- CloudFormation User Guide, "Parameters": ``AllowedPattern`` "must match the entire parameter value
  provided"; for a ``CommaDelimitedList`` "the pattern must match each value in the list";
  ``MinValue``/``MaxValue`` bound a ``Number``; ``MinLength``/``MaxLength`` a ``String``.
- CloudFormation "Rules" (template anatomy): an assertion refuses the stack when false; a rule with a
  ``RuleCondition`` asserts only when the condition holds.
"""

from __future__ import annotations

import pytest

from safemaker.iac._choices import (CHOICE, _accepts, _pattern_values, closed_values, guarded_closed_values,
                                    parameter_options)


def test_closed_values_follow_the_api_reference():
    assert set(closed_values("CreateNotebookInstance", ("DirectInternetAccess",))) == {"Enabled", "Disabled"}
    assert closed_values("CreateModel", ("EnableNetworkIsolation",)) == ("true", "false")
    assert closed_values("CreateModel", ("VpcConfig", "Subnets", 0)) is None  # an ID: any value
    assert closed_values("CreateModel", ("NoSuchMember",)) is None
    assert closed_values("NoSuchOperation", ("X",)) is None


def test_only_guarded_fields_are_decided_over_their_closed_values():
    assert closed_values("CreateNotebookInstance", ("InstanceType",))  # an enum of the API...
    assert guarded_closed_values("CreateNotebookInstance", ("InstanceType",)) is None  # ...that no rule guards
    assert set(guarded_closed_values("CreateNotebookInstance", ("DirectInternetAccess",))) == {"Enabled",
                                                                                             "Disabled"}


@pytest.mark.parametrize(("pattern", "values"), [
    ("^(Disabled|Enabled)$", ["Disabled", "Enabled"]),
    ("^Disabled$", ["Disabled"]),
    ("(?:a|b)", ["a", "b"]),
    ("subnet-0aaa\\-x", ["subnet-0aaa-x"]),
    ("Dis.*", None),
    ("[A-Za-z0-9\\-]*", None),
    ("^(a|b)(c|d)$", None),
])
def test_a_pattern_that_only_lists_literals_bounds_the_values(pattern, values):
    assert _pattern_values(pattern) == values


@pytest.mark.parametrize(("spec", "value", "accepted"), [
    ({"Type": "String", "AllowedPattern": "^Disabled$"}, "Enabled", False),
    ({"Type": "String", "AllowedPattern": "Dis"}, "Disabled", False),  # the entire value must match
    ({"Type": "String", "MaxLength": 7}, "Disabled", False),
    ({"Type": "String", "MaxLength": 7}, "Enabled", True),
    ({"Type": "Number"}, "Enabled", False),
    ({"Type": "Number", "MinValue": 2}, "1", False),
    ({"Type": "Number", "MaxValue": 2}, "2", True),
    ({"Type": "CommaDelimitedList", "AllowedPattern": "^[a-z]+$"}, "a,b", True),
    ({"Type": "CommaDelimitedList", "AllowedPattern": "^[a-z]+$"}, "a,B", False),
    ({"Type": "List<Number>"}, "1,x", False),
    ({"Type": "AWS::EC2::Subnet::Id"}, "Enabled", True),  # never left out when unsure
    ({"Type": "String", "AllowedPattern": "("}, "anything", True),  # a pattern Python cannot read
])
def test_a_value_is_accepted_as_cloudformation_would(spec, value, accepted):
    assert _accepts(spec, value) is accepted


def _options(template, given=()):
    return {o.name: [v for v, _ in o.values] for o in parameter_options(template, dict.fromkeys(given))}


def test_parameter_options_of_each_kind():
    template = {
        "Parameters": {
            "Free": {"Type": "String", "Default": "x"},
            "Compared": {"Type": "String", "Default": "prod"},
            "Listed": {"Type": "String", "Default": "a", "AllowedValues": ["a", "b"]},
            "Pattern": {"Type": "String", "Default": "a", "AllowedPattern": "^(a|c)$"},
            "Ruled": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "s1"},
            "Keyed": {"Type": "String", "Default": "dev"},
            "Ssm": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/p"},
            "Given": {"Type": "String", "Default": "g"},
        },
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Compared"}, "prod"]},
                       "IsTest": {"Fn::Equals": ["test", {"Ref": "Compared"}]}},
        "Rules": {"R": {"Assertions": [{"Assert": {"Fn::EachMemberIn": [{"Ref": "Ruled"}, ["s1", "s2"]]}}]}},
        "Mappings": {"Net": {"dev": {"S": "s1"}, "prod": {"S": "s2"}}},
        "Resources": {"X": {"Type": "T", "Properties": {"P": {"Fn::FindInMap": ["Net", {"Ref": "Keyed"}, "S"]}}}},
    }
    assert _options(template, given=["Given"]) == {
        "Free": ["x", CHOICE.format("Free")],
        "Compared": ["prod", "test", CHOICE.format("Compared")],
        "Listed": ["a", "b"],
        "Pattern": ["a", "c"],
        "Ruled": ["s1", "s2", "s1,s2"],
        "Keyed": ["dev", "prod"],
    }


def test_a_rule_with_a_rule_condition_bounds_nothing():
    template = {"Parameters": {"P": {"Type": "String", "Default": "a"}},
                "Rules": {"R": {"RuleCondition": {"Fn::Equals": ["x", "x"]},
                                "Assertions": [{"Assert": {"Fn::Contains": [["a"], {"Ref": "P"}]}}]}}}
    assert _options(template) == {"P": ["a", CHOICE.format("P")]}
