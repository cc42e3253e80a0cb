"""Gaps in moto that safemaker relies on, filled in the local backend.

Each fix is labelled in :data:`FIXES` (what moto does, what AWS does) and is
implemented as a replacement of one request handler method of moto's
``moto.sagemaker.responses.SageMakerResponse`` (the layer where moto parses a
request and calls its model), or of another service's response class
(:data:`_OTHER_PATCHES`: Step Functions, Systems Manager). The replacements are installed when a local
backend starts and removed, restoring moto's own methods exactly, when it
stops. Because moto's classes are process-global, they are in force for any
in-process moto use (``mock_aws``) while a local backend runs.

Tested against moto 5.2.5; ``tests/functional/test_local_backend.py`` also
asserts moto's unfixed behaviour, so a moto release that changes it turns the
suite red instead of silently double-fixing.
"""

from __future__ import annotations

import functools
import re
import secrets
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Fix", "FIXES", "install_fixes", "uninstall_fixes", "fixes_installed"]


class Fix(NamedTuple):
    """One labelled gap in moto that the local backend fills.

    Attributes
    ----------
    name : str
        Short stable name, ``<Operation>-<what>``.
    moto : str
        What moto (5.2.x) does on its own.
    aws : str
        What AWS does, which the local backend reproduces.
    """

    name: str
    moto: str
    aws: str


FIX_DESCRIBE_MODEL_NETWORK = Fix(
    name="DescribeModel-network-fields",
    moto=(
        "DescribeModel always answers EnableNetworkIsolation false, whatever CreateModel "
        "sent, and VpcConfig {} for a model created without VpcConfig"
    ),
    aws=(
        "DescribeModel answers the EnableNetworkIsolation sent with CreateModel (false when "
        "absent) and omits VpcConfig for a model created without one"
    ),
)

FIX_NOTEBOOK_DIRECT_INTERNET_ACCESS = Fix(
    name="CreateNotebookInstance-DirectInternetAccess-needs-SubnetId",
    moto="CreateNotebookInstance accepts DirectInternetAccess=Disabled without SubnetId",
    aws=(
        "CreateNotebookInstance with DirectInternetAccess=Disabled and no SubnetId fails "
        "with ValidationException (HTTP 400) and creates nothing"
    ),
)

FIX_PRESIGNED_NOTEBOOK_URL = Fix(
    name="CreatePresignedNotebookInstanceUrl",
    moto="CreatePresignedNotebookInstanceUrl is not implemented (HTTP 500)",
    aws=(
        "CreatePresignedNotebookInstanceUrl answers {AuthorizedUrl: "
        "https://<name>.notebook.<region>.sagemaker.aws?authToken=<token>}; "
        "SessionExpirationDurationInSeconds outside 1800-43200 is a ValidationException; "
        "an unknown notebook instance is ValidationException 'RecordNotFound'"
    ),
)

FIX_DESCRIBE_ENDPOINT_DATA_CAPTURE = Fix(
    name="DescribeEndpoint-DataCaptureConfig",
    moto=(
        "DescribeEndpoint and DescribeEndpointConfig answer DataCaptureConfig {} for an "
        "endpoint (config) created without data capture; sagemaker-core (SDK v3) rejects "
        "that response (DataCaptureConfigSummary's members are required)"
    ),
    aws="DescribeEndpoint and DescribeEndpointConfig omit DataCaptureConfig when no data capture was configured",
)

FIX_SEARCH_MODELS_TUNING_JOBS = Fix(
    name="Search-Model-HyperParameterTuningJob",
    moto=(
        "Search rejects Resource Model and HyperParameterTuningJob (ValidationException), and answers "
        "every record of the other types in one page, ignoring MaxResults and NextToken"
    ),
    aws=(
        "Search(Resource=Model) answers records {Model: {Model: <as DescribeModel>}} and "
        "Search(Resource=HyperParameterTuningJob) records {HyperParameterTuningJob: <as "
        "DescribeHyperParameterTuningJob>}, MaxResults (1-100, default 10) per page with a NextToken; "
        "here without a SearchExpression only (with one, moto's own answer)"
    ),
)

EMPTY_LIST_OPERATIONS: tuple[str, ...] = (
    "ListAIBenchmarkJobs",
    "ListAIRecommendationJobs",
    "ListAlgorithms",
    "ListApps",
    "ListDeviceFleets",
    "ListEdgePackagingJobs",
    "ListFlowDefinitions",
    "ListGlobalInferenceGateways",
    "ListInferenceRecommendationsJobs",
    "ListInferenceRouters",
    "ListJobs",
    "ListLabelingJobs",
    "ListMonitoringSchedules",
    "ListOptimizationJobs",
    "ListPartnerApps",
    "ListProjects",
    "ListSpaces",
    "ListTrainingSessions",
    "ListUserProfiles",
    "ListWorkforces",
    "ListWorkteams",
)
"""List operations moto (5.2.x) lacks, as does their Create operation: nothing of theirs can exist here."""

FIX_EMPTY_LISTS = Fix(
    name="List-not-implemented-empty",
    moto=(
        ", ".join(EMPTY_LIST_OPERATIONS[:-1]) + f" and {EMPTY_LIST_OPERATIONS[-1]} answer HTTP 500 (not "
        "implemented; their Create operations are not implemented either), so `safemaker audit` on the local "
        "backend reported them UNKNOWN"
    ),
    aws=(
        "a List operation answers an empty list (the list member of its botocore output shape) when the "
        "account has no such resource, which is always the case here: none can be created"
    ),
)

FIX_PIPELINE_DEFINITION_S3_VERSION = Fix(
    name="CreatePipeline-PipelineDefinitionS3Location-VersionId",
    moto=(
        "CreatePipeline and UpdatePipeline read the latest version of PipelineDefinitionS3Location's "
        "object, ignoring its VersionId, and DescribePipeline then answers the definition as a JSON "
        "object instead of its text"
    ),
    aws=(
        "the definition is read from the object version VersionId names (the latest when absent: "
        "SageMaker API reference, PipelineDefinitionS3Location) and DescribePipeline answers its text; "
        "an object or version that cannot be read is a ValidationException and nothing is created"
    ),
)

FIX_DESCRIBE_KEEPS_READ_MEMBERS = Fix(
    name="Describe-keeps-the-members-the-audit-reads",
    moto=(
        "a Describe answer drops some request members its Create operation stored nowhere (DescribeTrainingJob "
        "has no RemoteDebugConfig, DescribeProcessingJob no ProcessingResources.ClusterConfig.VolumeKmsKeyId ...), "
        "so `safemaker audit` on the local backend saw the AWS default (open) or nothing where the request had a "
        "value, and reported an open resource as closed"
    ),
    aws=(
        "DescribeX answers the members CreateX was sent (botocore's output shape of DescribeX has them). Here: for "
        "every resource type of safemaker.resources.RESOURCES whose Create and Describe moto serves, the members "
        "the guard and the audit read (every field path of the Create operation's rule, with the paths its "
        "conditions read) that moto's Describe answer lacks are added from the Create request; moto's own values "
        "are never replaced"
    ),
)

FIX_PIPELINE_VERSIONS = Fix(
    name="Pipeline-versions",
    moto=(
        "UpdatePipeline replaces the pipeline's definition in place and answers no PipelineVersionId; "
        "DescribePipeline ignores PipelineVersionId; ListPipelineVersions is not implemented "
        "(HTTP 500), so `safemaker audit` on the local backend could not read an earlier, still startable version"
    ),
    aws=(
        "CreatePipeline makes version 1 and each UpdatePipeline a new version, whose PipelineVersionId it answers; "
        "the earlier versions stay (StartPipelineExecution.PipelineVersionId: 'The ID of the pipeline version to "
        "start execution from'); DescribePipeline answers the latest version's definition, or that of the "
        "version PipelineVersionId names (an unknown one, or any PipelineVersionAlias here, is ResourceNotFound); "
        "ListPipelineVersions ('Gets a list of all versions of the pipeline') lists them, newest first unless "
        "SortOrder is Ascending, MaxResults (1-100, default 10) per page with a NextToken"
    ),
)

PIPELINE_NAME_OR_ARN_OPERATIONS = (
    "DescribePipeline",
    "ListPipelineExecutions",
    "ListPipelineVersions",
    "StartPipelineExecution",
)
"""The operations whose ``PipelineName`` is botocore's ``PipelineNameOrArn`` shape (a test derives the list from
the installed botocore's SageMaker model)."""

FIX_PIPELINE_ARN_NAMES = Fix(
    name="Pipeline-ARN-names",
    moto=(
        "DescribePipeline, ListPipelineExecutions, ListPipelineVersions and StartPipelineExecution look the "
        "pipeline up by the PipelineName string as given, so a pipeline's ARN is ResourceNotFound (and the guard, "
        "which describes the pipeline a start names, refused a start by ARN on the local backend)"
    ),
    aws=(
        "PipelineName is a PipelineNameOrArn there: 'The name or Amazon Resource Name (ARN) of the pipeline' "
        "(SageMaker API reference); the ARN arn:<partition>:sagemaker:<region>:<account>:pipeline/<name> names "
        "the pipeline <name> of that account and region (another account's or region's is not found here)"
    ),
)

FIX_CARRIER_VERSIONS = Fix(
    name="State-machine-and-runbook-versions-listed",
    moto=(
        "ListStateMachineVersions (Step Functions) and ListDocumentVersions (Systems Manager) are not implemented "
        "(HTTP 500), though moto keeps a state machine's published versions (DescribeStateMachine of a version ARN) "
        "and a document's versions (GetDocument with DocumentVersion)"
    ),
    aws=(
        "ListStateMachineVersions lists a state machine's published versions (stateMachineVersionArn, creationDate), "
        "newest first, maxResults (default 100) per page with a nextToken; an unknown state machine is "
        "StateMachineDoesNotExist. ListDocumentVersions lists a document's versions (Name, DocumentVersion, "
        "VersionName, CreatedDate, IsDefaultVersion, DocumentFormat, Status), MaxResults (default 50) per page with "
        "a NextToken; an unknown document is InvalidDocument"
    ),
)

FIXES: tuple[Fix, ...] = (
    FIX_DESCRIBE_MODEL_NETWORK,
    FIX_NOTEBOOK_DIRECT_INTERNET_ACCESS,
    FIX_PRESIGNED_NOTEBOOK_URL,
    FIX_DESCRIBE_ENDPOINT_DATA_CAPTURE,
    FIX_SEARCH_MODELS_TUNING_JOBS,
    FIX_EMPTY_LISTS,
    FIX_PIPELINE_DEFINITION_S3_VERSION,
    FIX_DESCRIBE_KEEPS_READ_MEMBERS,
    FIX_PIPELINE_VERSIONS,
    FIX_PIPELINE_ARN_NAMES,
    FIX_CARRIER_VERSIONS,
)
"""Every gap in moto the local backend fills, in the order they are documented."""

SESSION_EXPIRATION_MIN_SECONDS = 1800
SESSION_EXPIRATION_MAX_SECONDS = 43200


# --------------------------------------------------------------------------- the fixes
# Each factory takes moto's original handler (or None when moto has none) and
# returns the replacement. Handlers run on a moto SageMakerResponse instance.

Handler = Callable[[Any], Any]


def _create_model(original: Handler | None) -> Handler:
    def create_model(self: Any) -> Any:
        result = original(self)  # type: ignore[misc]
        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
        # moto stores {} for an absent VpcConfig; its response drops None values.
        model.vpc_config = self._get_param("VpcConfig") or None
        return result

    return create_model


def _create_notebook_instance(original: Handler | None) -> Handler:
    from moto.sagemaker.exceptions import ValidationError

    def create_notebook_instance(self: Any) -> Any:
        if self._get_param("DirectInternetAccess") == "Disabled" and not self._get_param(
            "SubnetId"
        ):
            raise ValidationError(
                message=(
                    "DirectInternetAccess can be set to Disabled only if a value is set "
                    "for SubnetId."
                )
            )
        return original(self)  # type: ignore[misc]

    return create_notebook_instance


def _create_presigned_notebook_instance_url(original: Handler | None) -> Handler:
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError

    def create_presigned_notebook_instance_url(self: Any) -> Any:
        name = self._get_param("NotebookInstanceName")
        duration = self._get_param("SessionExpirationDurationInSeconds")
        if duration is not None:
            if int(duration) < SESSION_EXPIRATION_MIN_SECONDS:
                constraint = f"greater than or equal to {SESSION_EXPIRATION_MIN_SECONDS}"
            elif int(duration) > SESSION_EXPIRATION_MAX_SECONDS:
                constraint = f"less than or equal to {SESSION_EXPIRATION_MAX_SECONDS}"
            else:
                constraint = None
            if constraint:
                raise ValidationError(
                    message=(
                        f"1 validation error detected: Value '{duration}' at "
                        "'sessionExpirationDurationInSeconds' failed to satisfy constraint: "
                        f"Member must have value {constraint}"
                    )
                )
        # Raises ValidationException "RecordNotFound" for an unknown instance.
        self.sagemaker_backend.get_notebook_instance(name)
        token = secrets.token_urlsafe(32)
        url = f"https://{name}.notebook.{self.region}.sagemaker.aws?authToken={token}"
        return ActionResult({"AuthorizedUrl": url})

    return create_presigned_notebook_instance_url


def _omit_empty_data_capture(original: Handler | None) -> Handler:
    from moto.core.responses import ActionResult

    def describe(self: Any) -> Any:
        result = original(self)  # type: ignore[misc]
        body = getattr(result, "result", None)
        if isinstance(body, dict) and body.get("DataCaptureConfig") == {}:
            return ActionResult({k: v for k, v in body.items() if k != "DataCaptureConfig"})
        return result

    return describe


def _search(original: Handler | None) -> Handler:
    from moto.core.responses import ActionResult

    def search(self: Any) -> Any:
        resource = self._get_param("Resource")
        if resource not in ("Model", "HyperParameterTuningJob") or self._get_param("SearchExpression"):
            return original(self)  # type: ignore[misc]
        backend = self.sagemaker_backend
        if resource == "Model":
            names = sorted(m.model_name for m in backend.list_models())

            def record(name: str) -> dict[str, Any]:
                return {"Model": {"Model": backend.describe_model(name).response_object}}
        else:
            names = sorted(backend.hyper_parameter_tuning_jobs)

            def record(name: str) -> dict[str, Any]:
                return {"HyperParameterTuningJob": backend.describe_hyper_parameter_tuning_job(
                    hyper_parameter_tuning_job_name=name)}
        size = int(self._get_param("MaxResults") or 10)
        start = int(self._get_param("NextToken") or 0)
        page = names[start:start + size]
        body: dict[str, Any] = {"Results": [record(n) for n in page]}
        if start + size < len(names):
            body["NextToken"] = str(start + size)
        return ActionResult(body)

    return search


def _empty_list(operation: str) -> Callable[[Handler | None], Handler]:
    def factory(original: Handler | None) -> Handler:
        if original is not None:  # moto implements it now: its own answer
            return original
        from moto.core.responses import ActionResult

        keys: list[str] = []

        def handler(self: Any) -> Any:
            if not keys:  # the list member of the operation's output shape, from botocore's model
                import botocore.session

                shape = botocore.session.get_session().get_service_model("sagemaker") \
                    .operation_model(operation).output_shape
                keys.append(next(n for n, m in shape.members.items() if m.type_name == "list"))
            return ActionResult({keys[0]: []})

        handler.__name__ = _snake(operation)
        return handler

    return factory


def _pipeline_definition_from_s3(original: Handler | None) -> Handler:
    """CreatePipeline / UpdatePipeline: the S3 definition read from the version named, sent on as its text."""
    from moto.s3.exceptions import S3ClientError
    from moto.s3.models import s3_backends
    from moto.sagemaker.exceptions import ValidationError

    def handler(self: Any) -> Any:
        location = self._get_param("PipelineDefinitionS3Location")
        if not location or self._get_param("PipelineDefinition"):
            return original(self)  # type: ignore[misc]  # moto's own checks (none given, or both given)
        backend = s3_backends[self.current_account][self.partition]
        try:
            key = backend.get_object(location.get("Bucket"), location.get("ObjectKey"),
                                     version_id=location.get("VersionId"))
        except S3ClientError:  # no such bucket, key or version
            key = None
        if key is None:
            raise ValidationError(message=(
                f"Could not read the pipeline definition from PipelineDefinitionS3Location {location}: "
                "no such bucket, object or version"))
        given = self.params  # moto's SageMakerResponse parses the request into self.params
        self.params = {k: v for k, v in given.items() if k != "PipelineDefinitionS3Location"}
        self.params["PipelineDefinition"] = key.value.decode("utf-8")
        try:
            return original(self)  # type: ignore[misc]
        finally:
            self.params = given

    return handler


# ---- pipeline versions

_VERSIONS = "_safemaker_versions"  # on moto's FakePipeline: [{"PipelineVersionId", "PipelineDefinition", ...}]


def _versions(pipeline: Any) -> list[dict[str, Any]]:
    """A pipeline's versions, oldest first (one, its current definition, for a pipeline made before the fix)."""
    versions = pipeline.__dict__.get(_VERSIONS)
    if versions is None:
        versions = pipeline.__dict__[_VERSIONS] = []
        _add_version(pipeline)
    return versions


def _add_version(pipeline: Any) -> int:
    versions = pipeline.__dict__.setdefault(_VERSIONS, [])
    import datetime as _dt

    number = len(versions) + 1
    versions.append({"PipelineVersionId": number, "PipelineDefinition": pipeline.pipeline_definition,
                     "CreationTime": _dt.datetime.now(_dt.timezone.utc)})
    return number


def _pipeline_named(self: Any, name: Any) -> Any:
    """moto's pipeline of a name or ARN (``arn:...:pipeline/<name>``), or ResourceNotFound."""
    from moto.sagemaker.exceptions import ResourceNotFound

    if isinstance(name, str) and name.startswith("arn:"):
        name = name.rsplit(":pipeline/", 1)[-1]
    pipeline = self.sagemaker_backend.pipelines.get(name)
    if pipeline is None:
        raise ResourceNotFound(f"Pipeline '{name}' does not exist.")
    return pipeline


def _pipeline_created(original: Handler | None) -> Handler:
    """CreatePipeline: version 1."""
    def handler(self: Any) -> Any:
        result = original(self)  # type: ignore[misc]
        pipeline = self.sagemaker_backend.pipelines.get(self._get_param("PipelineName"))
        if pipeline is not None:
            pipeline.__dict__.pop(_VERSIONS, None)
            _versions(pipeline)
        return result

    handler.__name__ = "create_pipeline"
    return handler


def _pipeline_updated(original: Handler | None) -> Handler:
    """UpdatePipeline: a new version, its ID answered."""
    from moto.core.responses import ActionResult

    def handler(self: Any) -> Any:
        pipeline = _pipeline_named(self, self._get_param("PipelineName"))
        _versions(pipeline)  # the versions before this update
        result = original(self)  # type: ignore[misc]
        number = _add_version(pipeline)
        return ActionResult(dict(result.result, PipelineVersionId=number))

    handler.__name__ = "update_pipeline"
    return handler


def _pipeline_described(original: Handler | None) -> Handler:
    """DescribePipeline: the latest version, or the one PipelineVersionId names."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ResourceNotFound

    def handler(self: Any) -> Any:
        result = original(self)  # type: ignore[misc]  # moto's checks (an unknown pipeline)
        pipeline = _pipeline_named(self, self._get_param("PipelineName"))
        versions = _versions(pipeline)
        alias = self._get_param("PipelineVersionAlias")
        wanted = self._get_param("PipelineVersionId")
        if alias is not None:
            raise ResourceNotFound(f"No version of pipeline '{pipeline.pipeline_name}' has the alias '{alias}'.")
        if wanted is None:
            version = versions[-1]
        else:
            version = next((v for v in versions if str(v["PipelineVersionId"]) == str(wanted)), None)
            if version is None:
                raise ResourceNotFound(f"Pipeline '{pipeline.pipeline_name}' has no version {wanted}.")
        return ActionResult(dict(result.result, PipelineDefinition=version["PipelineDefinition"]))

    handler.__name__ = "describe_pipeline"
    return handler


_PIPELINE_ARN = re.compile(r"arn:[\w-]+:sagemaker:(?P<region>[\w-]+):(?P<account>\d{12}):pipeline/(?P<name>[^/]+)")
"""A pipeline's ARN (Service Authorization Reference, SageMaker resource types: ``pipeline``)."""


def _pipeline_arn_named(original: Handler | None) -> Handler:
    """A pipeline ARN given as PipelineName becomes the pipeline's name before moto (and the other fixes) read it."""

    def handler(self: Any) -> Any:
        given = self.params.get("PipelineName") if isinstance(self.params, dict) else None
        arn = _PIPELINE_ARN.fullmatch(given) if isinstance(given, str) else None
        if arn is not None and (arn["region"], arn["account"]) == (self.region, self.current_account):
            # an ARN of another account or region names another pipeline: left as given (moto: not found)
            self.params["PipelineName"] = arn["name"]
        return original(self)  # type: ignore[misc]

    return handler


def _list_pipeline_versions(original: Handler | None) -> Handler:
    if original is not None:  # moto implements it now: its own answer
        return original
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ValidationError

    def handler(self: Any) -> Any:
        pipeline = _pipeline_named(self, self._get_param("PipelineName"))
        summaries = [{"PipelineArn": pipeline.arn, "PipelineVersionId": v["PipelineVersionId"],
                      "CreationTime": v["CreationTime"]} for v in _versions(pipeline)]
        after, before = self._get_param("CreatedAfter"), self._get_param("CreatedBefore")
        if after is not None:
            summaries = [x for x in summaries if x["CreationTime"].timestamp() > float(after)]
        if before is not None:
            summaries = [x for x in summaries if x["CreationTime"].timestamp() < float(before)]
        if self._get_param("SortOrder") != "Ascending":
            summaries.reverse()
        size = int(self._get_param("MaxResults") or 10)
        token = self._get_param("NextToken")
        try:
            start = int(token) if token is not None else 0
        except ValueError:
            raise ValidationError(message=f"Invalid NextToken {token!r}") from None
        body: dict[str, Any] = {"PipelineVersionSummaries": summaries[start:start + size]}
        if start + size < len(summaries):
            body["NextToken"] = str(start + size)
        return ActionResult(body)

    handler.__name__ = "list_pipeline_versions"
    return handler


# ---- state machine and runbook versions


def _page(items: list[dict[str, Any]], size: int, token: Any, key: str, token_key: str) -> dict[str, Any]:
    """One page of ``items``: ``{key: [...], token_key: <offset of the next page>}`` (no token on the last)."""
    try:
        start = int(token) if token else 0
    except ValueError:
        start = -1
    if start < 0:
        return {}
    body: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        body[token_key] = str(start + size)
    return body


def _list_state_machine_versions(original: Handler | None) -> Handler:
    if original is not None:  # moto implements it now: its own answer
        return original
    from moto.core.responses import ActionResult
    from moto.stepfunctions.exceptions import ValidationException

    def handler(self: Any) -> Any:
        machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
        versions = getattr(machine, "versions", None)
        if versions is None:  # a version's ARN
            raise ValidationException("Invalid Arn: a state machine ARN is required")
        items = [{"stateMachineVersionArn": v.arn, "creationDate": v.creation_date}
                 for _n, v in sorted(versions.items(), reverse=True)]
        body = _page(items, int(self._get_param("maxResults") or 100), self._get_param("nextToken"),
                     "stateMachineVersions", "nextToken")
        if not body:
            raise ValidationException(f"Invalid Token: {self._get_param('nextToken')!r}")
        return ActionResult(body)

    handler.__name__ = "list_state_machine_versions"
    return handler


def _list_document_versions(original: Handler | None) -> Handler:
    if original is not None:  # moto implements it now: its own answer
        return original
    from moto.core.responses import ActionResult
    from moto.ssm.exceptions import ValidationException

    def handler(self: Any) -> Any:
        documents = self.ssm_backend._get_documents(self._get_param("Name"))  # InvalidDocument when unknown
        items = []
        for number, doc in sorted(documents.versions.items(), key=lambda kv: int(kv[0])):
            item = {"Name": doc.name, "DocumentVersion": number, "CreatedDate": doc.created_date,
                    "IsDefaultVersion": number == documents.default_version, "DocumentFormat": doc.document_format,
                    "Status": doc.status}
            if doc.version_name:
                item["VersionName"] = doc.version_name
            items.append(item)
        body = _page(items, int(self._get_param("MaxResults") or 50), self._get_param("NextToken"),
                     "DocumentVersions", "NextToken")
        if not body:
            raise ValidationException(f"Invalid NextToken {self._get_param('NextToken')!r}")
        return ActionResult(body)

    handler.__name__ = "list_document_versions"
    return handler


# ---- Describe keeps the members the audit reads

PathParts = tuple[str, ...]


@functools.lru_cache(maxsize=None)
def read_paths(create_operation: str) -> tuple[tuple[PathParts, PathParts], ...]:
    """(request path, describe path) of every member the guard and the audit read for ``create_operation``:
    :meth:`safemaker.rules.OperationRule.read_paths` (fields, the paths their conditions read, references);
    ``()`` for an operation without a rule."""
    from ..rules import RULES

    rule = RULES.get(create_operation)
    return tuple(p for p in rule.read_paths() if p[0] and p[1]) if rule is not None else ()


def _copy_missing(sent: Any, answer: Any, request_path: PathParts, describe_path: PathParts) -> None:
    """Put into ``answer`` (at ``describe_path``) what ``sent`` has at ``request_path`` and ``answer`` lacks:
    at the first member the answer lacks, the request's whole value there; lists element by element."""
    import copy

    if not request_path or not describe_path:
        return
    head, dhead = request_path[0], describe_path[0]
    if head == "[]" or dhead == "[]":
        if head == dhead == "[]" and isinstance(sent, list) and isinstance(answer, list):
            for s_item, a_item in zip(sent, answer):
                _copy_missing(s_item, a_item, request_path[1:], describe_path[1:])
        return
    if not isinstance(sent, dict) or not isinstance(answer, dict) or head not in sent:
        return
    if dhead not in answer or answer[dhead] is None:
        if len(describe_path) == 1 or len(request_path) == 1 or request_path[1:] == describe_path[1:]:
            answer[dhead] = copy.deepcopy(sent[head])
            return
        answer[dhead] = {}
    _copy_missing(sent[head], answer[dhead], request_path[1:], describe_path[1:])


_SENT: dict[tuple[str, str, str, tuple[str, ...]], dict[str, Any]] = {}
"""(account, region, Describe operation, its identifying values) -> the Create request's parameters."""


@functools.lru_cache(maxsize=None)
def _identifying_members(describe_operation: str) -> tuple[str, ...]:
    """The Describe operation's required input members (botocore's model; read once per operation)."""
    import botocore.session

    shape = botocore.session.get_session().get_service_model("sagemaker") \
        .operation_model(describe_operation).input_shape
    return tuple(shape.required_members)


def _identity(describe_operation: str, *sources: Any) -> tuple[str, ...] | None:
    """The values of the Describe operation's required input members (botocore's model), taken from the first
    source (a mapping) that has each; ``None`` when one is missing or is not a string."""
    values = []
    for name in _identifying_members(describe_operation):
        value = next((src[name] for src in sources if isinstance(src, dict) and name in src), None)
        if value is None and name.endswith("Id"):  # DomainId: CreateDomain answers DomainArn .../<DomainId>
            arn = next((src[name[:-2] + "Arn"] for src in sources
                        if isinstance(src, dict) and isinstance(src.get(name[:-2] + "Arn"), str)), None)
            value = arn.rsplit("/", 1)[-1] if arn else None
        if not isinstance(value, str):
            return None
        values.append(value)
    return tuple(values) if values else None


def _remember_create(describe_operation: str) -> Callable[[Handler | None], Handler]:
    def factory(original: Handler | None) -> Handler:
        import copy

        def handler(self: Any) -> Any:
            result = original(self)  # type: ignore[misc]
            params = dict(getattr(self, "params", None) or {})
            answer = getattr(result, "result", None)
            key = _identity(describe_operation, params, answer)
            if key is not None:
                _SENT[(self.current_account, self.region, describe_operation, key)] = copy.deepcopy(params)
            return result

        handler.__name__ = getattr(original, "__name__", "create")
        return handler

    return factory


def _describe_keeps(create_operation: str, describe_operation: str) -> Callable[[Handler | None], Handler]:
    def factory(original: Handler | None) -> Handler:
        from moto.core.responses import ActionResult

        def handler(self: Any) -> Any:
            result = original(self)  # type: ignore[misc]
            key = _identity(describe_operation, dict(getattr(self, "params", None) or {}))
            sent = _SENT.get((self.current_account, self.region, describe_operation, key)) if key else None
            body = getattr(result, "result", None)
            if sent is None or not isinstance(body, dict):
                return result
            import copy

            body = copy.deepcopy(body)
            for request_path, describe_path in read_paths(create_operation):
                _copy_missing(sent, body, request_path, describe_path)
            return ActionResult(body)

        handler.__name__ = getattr(original, "__name__", "describe")
        return handler

    return factory


def _describe_patches() -> list[tuple[Fix, str, Callable[[Handler | None], Handler]]]:
    """Create/Describe pairs of :data:`safemaker.resources.RESOURCES` that moto serves, each Create remembering
    its request and each Describe adding what moto dropped (computed when the fixes are installed)."""
    from moto.sagemaker.responses import SageMakerResponse

    from ..resources import RESOURCES

    patches: list[tuple[Fix, str, Callable[[Handler | None], Handler]]] = []
    for spec in RESOURCES.values():
        create, describe = spec.create_operation, spec.describe_operation
        if not describe or not read_paths(create):
            continue
        if not (hasattr(SageMakerResponse, _snake(create)) and hasattr(SageMakerResponse, _snake(describe))):
            continue
        patches.append((FIX_DESCRIBE_KEEPS_READ_MEMBERS, _snake(create), _remember_create(describe)))
        patches.append((FIX_DESCRIBE_KEEPS_READ_MEMBERS, _snake(describe), _describe_keeps(create, describe)))
    return patches


def _snake(operation: str) -> str:
    """The handler name moto dispatches ``operation`` to (``ListAIBenchmarkJobs`` -> ``list_ai_benchmark_jobs``:
    botocore's spelling, which moto's ``camelcase_to_underscores`` matches; moto is not imported here)."""
    from botocore import xform_name

    return xform_name(operation)


# (fix, handler method name on SageMakerResponse, factory)
_PATCHES: tuple[tuple[Fix, str, Callable[[Handler | None], Handler]], ...] = (
    (FIX_DESCRIBE_MODEL_NETWORK, "create_model", _create_model),
    (FIX_NOTEBOOK_DIRECT_INTERNET_ACCESS, "create_notebook_instance", _create_notebook_instance),
    (
        FIX_PRESIGNED_NOTEBOOK_URL,
        "create_presigned_notebook_instance_url",
        _create_presigned_notebook_instance_url,
    ),
    (FIX_DESCRIBE_ENDPOINT_DATA_CAPTURE, "describe_endpoint", _omit_empty_data_capture),
    (FIX_DESCRIBE_ENDPOINT_DATA_CAPTURE, "describe_endpoint_config", _omit_empty_data_capture),
    (FIX_SEARCH_MODELS_TUNING_JOBS, "search", _search),
    *((FIX_EMPTY_LISTS, _snake(op), _empty_list(op)) for op in EMPTY_LIST_OPERATIONS),
    (FIX_PIPELINE_DEFINITION_S3_VERSION, "create_pipeline", _pipeline_definition_from_s3),
    (FIX_PIPELINE_DEFINITION_S3_VERSION, "update_pipeline", _pipeline_definition_from_s3),
    # after the S3 fix: a version holds the definition text it read
    (FIX_PIPELINE_VERSIONS, "create_pipeline", _pipeline_created),
    (FIX_PIPELINE_VERSIONS, "update_pipeline", _pipeline_updated),
    (FIX_PIPELINE_VERSIONS, "describe_pipeline", _pipeline_described),
    (FIX_PIPELINE_VERSIONS, "list_pipeline_versions", _list_pipeline_versions),
    # last: outermost, so every handler above reads the name
    *((FIX_PIPELINE_ARN_NAMES, _snake(op), _pipeline_arn_named) for op in PIPELINE_NAME_OR_ARN_OPERATIONS),
)

_OTHER_PATCHES: tuple[tuple[Fix, str, str, str, Callable[[Handler | None], Handler]], ...] = (
    (FIX_CARRIER_VERSIONS, "moto.stepfunctions.responses", "StepFunctionResponse", "list_state_machine_versions",
     _list_state_machine_versions),
    (FIX_CARRIER_VERSIONS, "moto.ssm.responses", "SimpleSystemManagerResponse", "list_document_versions",
     _list_document_versions),
)
"""Fixes of other services' response classes: (fix, module, class, handler method name, factory)."""

_ABSENT = object()
_lock = threading.Lock()
_saved: dict[tuple[type, str], Any] | None = None  # (class, attribute name) -> moto's own class attribute


def fixes_installed() -> bool:
    """Whether the fixes are currently installed on moto's classes."""
    with _lock:
        return _saved is not None


def install_fixes() -> None:
    """Install every fix of :data:`FIXES` on moto's ``SageMakerResponse`` and the classes of :data:`_OTHER_PATCHES`.

    Installing twice is harmless (the second call does nothing).

    Raises
    ------
    ImportError
        If moto is not installed.
    """
    global _saved
    from moto.sagemaker.responses import SageMakerResponse

    with _lock:
        if _saved is not None:
            return
        import importlib

        patches: list[tuple[type, str, Callable[[Handler | None], Handler]]] = [
            (SageMakerResponse, attr, factory) for _fix, attr, factory in (*_PATCHES, *_describe_patches())]
        patches += [(getattr(importlib.import_module(module), name), attr, factory)
                    for _fix, module, name, attr, factory in _OTHER_PATCHES]
        saved: dict[tuple[type, str], Any] = {}
        for cls, attr, factory in patches:
            own = cls.__dict__.get(attr, _ABSENT)
            saved.setdefault((cls, attr), own)  # moto's own method, also when a second fix wraps the first
            setattr(cls, attr, factory(None if own is _ABSENT else own))
        _saved = saved


def uninstall_fixes() -> None:
    """Remove every fix, restoring moto's own methods exactly (no-op if not installed)."""
    global _saved

    with _lock:
        if _saved is None:
            return
        for (cls, attr), own in _saved.items():
            if own is _ABSENT:
                delattr(cls, attr)
            else:
                setattr(cls, attr, own)
        _SENT.clear()
        _saved = None
