"""Infrastructure as code and workflow definitions, checked with the guard's rules before deployment.

Each source is turned into the SageMaker API requests it will cause, and each
request is decided by the guard (:mod:`safemaker.guard`, one rule table);
nothing here decides policy. Recognised by content:

- CloudFormation templates, JSON or YAML with the short-form tags
  (:mod:`safemaker.iac.cloudformation`), and CDK cloud assemblies (a
  directory with ``manifest.json``: each stack's template);
- Terraform plans, ``terraform show -json`` (:mod:`safemaker.iac.terraform`);
- Step Functions state machine definitions (:mod:`safemaker.iac.stepfunctions`),
  also embedded in an ``AWS::StepFunctions::StateMachine``;
- SageMaker pipeline definitions (every step, :mod:`safemaker.pipeline`),
  also embedded in an ``AWS::SageMaker::Pipeline``.

Findings are :class:`safemaker.audit.Finding` objects with a
:class:`~safemaker.audit.SourceLocation` (file, line, logical ID), written by
the audit's writers (text, JSON lines, SARIF 2.1.0). Absent means the AWS
default; a value the source cannot tell before deployment is an ``UNKNOWN``
finding with :data:`UNVERIFIABLE_SEVERITY`, never passed.

Layout
------
This ``__init__`` is the public API. :mod:`~safemaker.iac.scan` walks the
paths (:func:`scan_paths`, :func:`check_paths`); :mod:`~safemaker.iac.sources`
recognises one file and decides its requests (:class:`SourceFile`,
:func:`decide_source`); :mod:`~safemaker.iac.cdk` reads CDK cloud assemblies;
one reader per format (``cloudformation``, ``terraform``, ``stepfunctions``)
turns a document into requests, and ``sdk_calls`` the SageMaker calls other
services' resources name; ``_request`` decides them (:func:`decide_requests`),
``_choices`` under every deploy-time choice; ``_document`` and ``_intrinsics``
read documents and CloudFormation's intrinsic functions. For the process
guard, ``stack_calls`` reads the templates of CloudFormation requests and
``service_calls`` the requests of other services that create or call
SageMaker resources (``_unverified``: what neither can verify).

Example
-------
>>> from safemaker.iac import check_paths
>>> for f in check_paths(["templates/"], "profile.toml"):     # doctest: +SKIP
...     print(f.location.file, f.location.line, f.message())
"""

from __future__ import annotations

from ._document import IacDependencyError, IacInputError, Unresolved
from ._request import UNVERIFIABLE_SEVERITY, SourceRequest, decide_requests
from .cloudformation import CFN_RESOURCES, NO_NETWORK_TYPES
from .scan import SUFFIXES, check_paths, scan_paths
from .sources import SourceFile, decide_source
from .terraform import TF_RESOURCES

__all__ = [
    "check_paths",
    "scan_paths",
    "decide_requests",
    "decide_source",
    "SourceRequest",
    "SourceFile",
    "IacInputError",
    "IacDependencyError",
    "Unresolved",
    "UNVERIFIABLE_SEVERITY",
    "CFN_RESOURCES",
    "NO_NETWORK_TYPES",
    "TF_RESOURCES",
    "SUFFIXES",
]
