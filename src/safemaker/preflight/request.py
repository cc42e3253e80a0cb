"""Preflight checks on one request: what the job, model or notebook will try to reach at start.

Pure (no I/O), called by :func:`safemaker.guard.decide` on the final request
(after injection) and on every pipeline step, so raw boto3, both SDK majors
and pipelines are covered alike. Each finding is a
:class:`~safemaker.errors.Violation` whose ``rule_id`` is a preflight check
ID (:data:`safemaker.preflight.CHECKS`); it is a refusal, or a warning when
the check only warns or the profile's ``preflight_warnings`` names it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from ..errors import Violation
from ..paths import PathTree, expand_all, format_path, get_bound, is_map, is_seq, split_path
from ._net import is_codecommit_host, is_hub_model_id, url_host
from ._settings import CONTAINER_SETTINGS, NOT_READ, ContainerSetting, settings_of
from ._specs import CHECKS
from .scripts import decode_content, scan_script

if TYPE_CHECKING:  # pragma: no cover
    from ..profile import VpcProfile

__all__ = ["Findings", "check_request", "PREFLIGHT_OPERATIONS", "PREFLIGHT_READS", "REMOTE_FUNCTION_CHANNEL",
           "severity", "CONTAINER_SETTINGS", "NOT_READ"]

REMOTE_FUNCTION_CHANNEL = "sagemaker_remote_function_bootstrap"
"""The input channel (and ``/opt/ml/input/data/<channel>/job_driver.sh`` entrypoint) of
remote-function jobs (``RUNTIME_SCRIPTS_CHANNEL_NAME`` in both SDK majors)."""

_REMOTE_DIR = f"/opt/ml/input/data/{REMOTE_FUNCTION_CHANNEL}/"

MODEL_ID_VARIABLES = ("HF_MODEL_ID", "OPTION_MODEL_ID")
"""Container environment variables that name the model to load: ``HF_MODEL_ID`` (Hugging Face
inference toolkit, TGI's SageMaker entrypoint, TEI, DJL/LMI) and ``OPTION_MODEL_ID`` (LMI's
``option.model_id`` as an environment variable): a Hub model ID, an ``s3://`` URI or a path."""


class Findings:
    """What the preflight checks found in one request.

    Attributes
    ----------
    refusals : list[Violation]
        Findings that refuse the request.
    warnings : list[Violation]
        Findings that only warn.
    supersedes : set[str]
        Request paths whose generic guard violation a finding replaces with a
        more exact one (a remote function's ``EnableNetworkIsolation``).
    """

    __slots__ = ("refusals", "warnings", "supersedes")

    def __init__(self) -> None:
        self.refusals: list[Violation] = []
        self.warnings: list[Violation] = []
        self.supersedes: set[str] = set()

    def __repr__(self) -> str:
        return f"Findings(refusals={self.refusals!r}, warnings={self.warnings!r}, supersedes={self.supersedes!r})"

    def add(self, profile: "VpcProfile", violation: Violation) -> None:
        """File ``violation`` under refusals or warnings by its check's :func:`severity`."""
        (self.refusals if severity(violation.rule_id, profile) == "refuse" else self.warnings).append(violation)


def severity(check_id: str, profile: "VpcProfile") -> str:
    """``"refuse"`` or ``"warn"`` for a check under a profile (``preflight_warnings`` downgrades)."""
    spec = CHECKS[check_id]
    if spec.default == "warn" or check_id in getattr(profile, "preflight_warnings", ()):
        return "warn"
    return "refuse"


def _relax(check_id: str) -> str:
    return (f" (to be warned instead of refused, an administrator adds {check_id!r} to the profile's "
            "preflight_warnings)")


def _maps(doc: Any, anchor: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(concrete prefix with a trailing dot, mapping)`` for every mapping at rule path ``anchor`` (the one
    path engine, :func:`safemaker.paths.expand_all`)."""
    for parts, value in expand_all(doc, split_path(anchor)):
        if is_map(value):
            yield (format_path(parts) + ".") if parts else "", value


_S3_SUBMIT = ("s3://", '"s3://')  # as given, or JSON-encoded (SDK v2)


def _hyperparameter(value: Any) -> Any:
    """A hyperparameter as the training toolkit reads it (SDK v2 JSON-encodes every value)."""
    if isinstance(value, str) and value.startswith('"'):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# --------------------------------------------------------------------------- checks


def _code_download(op: str, path: str, value: Any, profile: "VpcProfile", out: Findings) -> None:
    """A training job's hyperparameter ``sagemaker_submit_directory`` (``path``) of an isolated job."""
    if not isinstance(value, str) or not value.startswith(_S3_SUBMIT):
        return
    value = _hyperparameter(value)
    if isinstance(value, str) and value.startswith("s3://"):
        spec = CHECKS["SM-PRE-CODE-DOWNLOAD"]
        out.add(profile, Violation(
            op, path, value, "/opt/ml/input/data/code/sourcedir.tar.gz",
            f"The container would download {value} itself and fails: {spec.fails_because}. Fix: {spec.fix}"
            + _relax(spec.id),
            spec.id, "code delivered through the 'code' input channel when EnableNetworkIsolation is True"))


def _isolated(params: Mapping[str, Any], setting: ContainerSetting, at: tuple[Any, ...]) -> bool:
    """Whether the ``EnableNetworkIsolation`` that applies to the member at concrete ``at`` is ``True``.

    The isolation path's ``[]`` are the member's elements (:class:`ContainerSetting` checks the shared
    prefix), so each takes the index at the same position of ``at`` (:func:`safemaker.paths.bind`).
    """
    parts = setting.isolation_parts
    if parts is None:
        return False
    return get_bound(params, parts, at) is True


_SUBMIT = "sagemaker_submit_directory"
_ENVIRONMENT_NAMES = ("SAGEMAKER_SUBMIT_DIRECTORY", *MODEL_ID_VARIABLES, "SERVING_LOAD_MODELS")


def _read_setting(context: tuple[str, Mapping[str, Any], "VpcProfile", Findings], setting: ContainerSetting,
                  at: tuple[Any, ...], value: Any) -> None:
    """One member of :data:`CONTAINER_SETTINGS` (at concrete ``at``, holding ``value``); the visitor of
    :meth:`PathTree.walk`, whose ``context`` is ``(op, params, profile, out)``."""
    op, params, profile, out = context
    if setting.form == "map":
        if not is_map(value):
            return
        if setting.sets == "hyperparameters":
            raw = value.get(_SUBMIT)
            if raw is not None and _isolated(params, setting, at):
                _code_download(op, format_path(at + (_SUBMIT,)), raw, profile, out)
            return
        for name in _ENVIRONMENT_NAMES:
            v = value.get(name)
            if v is not None:
                _environment_variable(op, params, setting, at + (name,), name, v, profile, out)
        return
    if not is_seq(value):
        return
    hyper = setting.sets == "hyperparameters"
    for i, item in enumerate(value):  # a list of ranges: each value is what one job (or endpoint) gets
        if not is_map(item):
            continue
        name = item.get("Name")
        if hyper:
            if name != _SUBMIT or not _isolated(params, setting, at):
                continue
        elif name not in _ENVIRONMENT_NAMES:
            continue
        if setting.form == "auto":  # Autotune: "An example value of the hyperparameter"
            found = [(at + (i, "ValueHint"), item.get("ValueHint"))]
        else:
            key = "Values" if hyper else "Value"
            values = item.get(key)
            found = [(at + (i, key, j), v) for j, v in enumerate(values)] if is_seq(values) else []
        for where, v in found:
            if hyper:
                _code_download(op, format_path(where), v, profile, out)
            elif v is not None:
                _environment_variable(op, params, setting, where, name, v, profile, out)


def _settings_of(operation: str) -> Callable[[str, Mapping[str, Any], "VpcProfile", Findings], None]:
    """The checker of an operation's :data:`CONTAINER_SETTINGS`: every member read in one walk of the request
    (:class:`safemaker.paths.PathTree`)."""
    tree = PathTree((setting.path, setting) for setting in settings_of(operation))
    walk: Any = None  # the tree's generated walk (PathTree.compiled), made on the first check

    def check(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
        nonlocal walk
        if walk is None:
            walk = tree.compiled()
        walk(params, _read_setting, (op, params, profile, out))

    return check


_TRAINING_SETTINGS = _settings_of("CreateTrainingJob")


def _training(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
    _TRAINING_SETTINGS(op, params, profile, out)
    algo = params.get("AlgorithmSpecification")
    entry = algo.get("ContainerEntrypoint") if algo.__class__ is dict or is_map(algo) else None
    if (entry is not None and is_seq(entry) and profile.require_network_isolation
            and any(isinstance(e, str) and _REMOTE_DIR in e for e in entry)):
        spec = CHECKS["SM-PRE-REMOTE-FUNCTION"]
        if severity(spec.id, profile) == "refuse":
            out.supersedes.add("EnableNetworkIsolation")  # this refusal says why, and what relaxes it
        out.add(profile, Violation(
            op, "AlgorithmSpecification.ContainerEntrypoint", list(entry), "a job that can run network-isolated",
            f"Remote functions (@remote, RemoteExecutor, @step) cannot run network-isolated: {spec.fails_because}; "
            f"the profile requires network isolation (require_network_isolation: true). Fix: {spec.fix}",
            spec.id, "a job that can run network-isolated (the profile's require_network_isolation is true)"))


def _environment_variable(op: str, params: Mapping[str, Any], setting: ContainerSetting, at: tuple[Any, ...],
                          name: str, value: Any, profile: "VpcProfile", out: Findings) -> None:
    """One variable of a model container's environment: a code download under isolation, a model fetched at
    start."""
    path = format_path(at)
    if name == "SAGEMAKER_SUBMIT_DIRECTORY":
        if isinstance(value, str) and value.startswith("s3://") and _isolated(params, setting, at):
            spec = CHECKS["SM-PRE-CODE-DOWNLOAD"]
            out.add(profile, Violation(
                op, path, value, "/opt/ml/model/code",
                f"The serving container would download {value} itself and fails: {spec.fails_because}. "
                f"Fix: {spec.fix}" + _relax(spec.id),
                spec.id, "inference code inside the model data when EnableNetworkIsolation is True"))
    elif name == "SERVING_LOAD_MODELS":
        if isinstance(value, str):
            hosts = [h for part in value.split(",") if (h := url_host(part.split("=", 1)[-1])) is not None]
            if hosts or "djl://" in value:
                spec = CHECKS["SM-PRE-MODEL-HUB"]
                out.add(profile, Violation(
                    op, path, value, "a model under /opt/ml/model",
                    f"DJL Serving would download the model from {(hosts or ['the DJL model zoo'])[0]} at start, "
                    f"on the internet. Fix: {spec.fix}" + _relax(spec.id),
                    spec.id, "model artifacts from S3 (ModelDataUrl / ModelDataSource)"))
    elif isinstance(value, str):  # HF_MODEL_ID, OPTION_MODEL_ID
        _model_id(op, path, value, value.startswith("s3://") and _isolated(params, setting, at), profile, out)


def _model_id(op: str, path: str, value: Any, isolated: bool, profile: "VpcProfile", out: Findings) -> None:
    if not isinstance(value, str):
        return
    spec = CHECKS["SM-PRE-MODEL-HUB"]
    if is_hub_model_id(value):
        out.add(profile, Violation(
            op, path, value, "/opt/ml/model or an s3:// URI",
            f"{value!r} is a Hugging Face Hub model ID: the container downloads it from huggingface.co at "
            f"start (even when ModelDataUrl is given), and the closed network has no route there: "
            f"{spec.fails_because}. Fix: {spec.fix}" + _relax(spec.id),
            spec.id, "model weights from S3 (ModelDataUrl / ModelDataSource) or a path under /opt/ml/model"))
    elif isolated and value.startswith("s3://"):
        out.add(profile, Violation(
            op, path, value, "/opt/ml/model",
            f"With an s3:// URI the container downloads the model itself (LMI uses s5cmd), and a "
            f"network-isolated container has no network. Fix: give the S3 location as the container's "
            f"ModelDataSource (SageMaker then downloads it to /opt/ml/model before the container starts) "
            f"and set {path.rsplit('.', 1)[-1]} to /opt/ml/model" + _relax(spec.id),
            spec.id, "a model under /opt/ml/model when EnableNetworkIsolation is True"))


def _repository_url(op: str, path: str, value: Any, profile: "VpcProfile", out: Findings) -> None:
    if not isinstance(value, str):
        return
    host = url_host(value)
    if host is None or is_codecommit_host(host):
        return  # a CodeRepository name, or AWS CodeCommit (VPC endpoint git-codecommit)
    spec = CHECKS["SM-PRE-CODE-REPOSITORY"]
    out.add(profile, Violation(
        op, path, value, "an AWS CodeCommit repository or a SageMaker CodeRepository name",
        f"{host} is a git host on the internet: {spec.fails_because}. Fix: {spec.fix}" + _relax(spec.id),
        spec.id, "a git repository the closed network can reach (AWS CodeCommit)"))


def _notebook_instance(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
    _repository_url(op, "DefaultCodeRepository", params.get("DefaultCodeRepository"), profile, out)
    extra = params.get("AdditionalCodeRepositories")
    if is_seq(extra):
        for i, value in enumerate(extra):
            _repository_url(op, f"AdditionalCodeRepositories[{i}]", value, profile, out)


def _code_repository(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
    git = params.get("GitConfig")
    if is_map(git):
        _repository_url(op, "GitConfig.RepositoryUrl", git.get("RepositoryUrl"), profile, out)


def _studio(*settings: str) -> Callable[[str, Mapping[str, Any], "VpcProfile", Findings], None]:
    def check(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
        for top in settings:
            settings_of = params.get(top)
            if settings_of is None or not (settings_of.__class__ is dict or is_map(settings_of)):
                continue  # no application settings to read
            for app in ("JupyterServerAppSettings", "JupyterLabAppSettings"):
                block = settings_of.get(app)
                if not block or not (block.__class__ is dict or is_map(block)):
                    continue  # nothing to read (what _maps would yield for it)
                for prefix, repo in _maps(block, "CodeRepositories[]"):
                    _repository_url(op, f"{top}.{app}.{prefix}RepositoryUrl", repo.get("RepositoryUrl"),
                                    profile, out)
    return check


def _script(op: str, path: str, content: Any, profile: "VpcProfile", out: Findings) -> None:
    spec = CHECKS["SM-PRE-LIFECYCLE-FETCH"]
    text = decode_content(content)
    if text is None:
        out.add(profile, Violation(op, path, "(not base64-encoded UTF-8 text)", "a script that can be read",
                                   "Give the script base64-encoded (the API requires it), so that it can be checked",
                                   spec.id, "a base64-encoded script"))
        return
    for f in scan_script(text):
        out.add(profile, Violation(
            op, f"{path} line {f.line_no}", f.line, "no fetch from the internet",
            f"{f.reason}: {spec.fails_because}. Fix: {spec.fix}", spec.id,
            "a script that fetches only from AWS hosts reachable through VPC endpoints"))


def _notebook_lifecycle(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
    for hook in ("OnCreate", "OnStart"):
        for prefix, item in _maps(params, f"{hook}[]"):
            if "Content" in item:
                _script(op, f"{prefix}Content", item["Content"], profile, out)


def _studio_lifecycle(op: str, params: Mapping[str, Any], profile: "VpcProfile", out: Findings) -> None:
    if "StudioLifecycleConfigContent" in params:
        _script(op, "StudioLifecycleConfigContent", params["StudioLifecycleConfigContent"], profile, out)


_CHECKERS: Mapping[str, Callable[[str, Mapping[str, Any], "VpcProfile", Findings], None]] = {
    **{setting.operation: _settings_of(setting.operation) for setting in CONTAINER_SETTINGS},
    "CreateTrainingJob": _training,
    "CreateNotebookInstance": _notebook_instance,
    "UpdateNotebookInstance": _notebook_instance,
    "CreateCodeRepository": _code_repository,
    "CreateDomain": _studio("DefaultUserSettings", "DefaultSpaceSettings"),
    "UpdateDomain": _studio("DefaultUserSettings", "DefaultSpaceSettings"),
    "CreateUserProfile": _studio("UserSettings"),
    "UpdateUserProfile": _studio("UserSettings"),
    "CreateSpace": _studio("SpaceSettings"),
    "UpdateSpace": _studio("SpaceSettings"),
    "CreateNotebookInstanceLifecycleConfig": _notebook_lifecycle,
    "UpdateNotebookInstanceLifecycleConfig": _notebook_lifecycle,
    "CreateStudioLifecycleConfig": _studio_lifecycle,
}

PREFLIGHT_OPERATIONS: frozenset[str] = frozenset(_CHECKERS)

CHECKERS = _CHECKERS
"""Operation -> its checker ``checker(operation, params, profile, out)``, which adds each finding to ``out`` (a
:class:`Findings`, or :data:`PROBE`, which raises :data:`Found` at the first); see :func:`findings_or_none`."""
"""The operations whose requests the preflight checks read."""


def _reads() -> dict[str, tuple[str, ...]]:
    reads: dict[str, tuple[str, ...]] = {"CreateTrainingJob": ("AlgorithmSpecification.ContainerEntrypoint",)}
    for setting in CONTAINER_SETTINGS:
        more = (setting.path,) + ((setting.isolation,) if setting.isolation is not None else ())
        reads[setting.operation] = tuple(dict.fromkeys(reads.get(setting.operation, ()) + more))
    return reads


PREFLIGHT_READS: Mapping[str, tuple[str, ...]] = _reads()
"""The request paths (``[]``: every element) whose values the check of an operation reads, everything below
them included: every member of :data:`~safemaker.preflight._settings.CONTAINER_SETTINGS` and the isolation
that applies to it, and a training job's entrypoint (remote functions). A pipeline step's expressions elsewhere
cannot change its findings. An operation of :data:`PREFLIGHT_OPERATIONS` missing here is taken to read the
whole request."""


class _Found(BaseException):
    """Raised by :data:`_PROBE` at a request's first finding (a ``BaseException``: no ``except Exception``
    on the way can take it for an error of its own)."""


class _Probe:
    """A :class:`Findings` stand-in that raises :class:`_Found` at the first finding (``add``, or
    ``supersedes.add``): :func:`findings_or_none` runs a checker with it first, since most requests have
    none and a :class:`Findings` would be made for nothing. It holds no state (one instance, any thread)."""

    __slots__ = ()

    def add(self, *_: Any) -> None:
        raise _Found

    @property
    def supersedes(self) -> "_Probe":
        return self


_PROBE: Any = _Probe()

PROBE = _PROBE
"""The probe (:class:`_Probe`): a caller that runs a checker of :data:`CHECKERS` on it itself (the guard's
``check`` and ``apply``, without :func:`findings_or_none`'s call) takes :data:`Found` for "there is a finding"
and then asks :func:`check_request` for the findings."""

Found = _Found


def findings_or_none(operation: str, params: Mapping[str, Any], profile: "VpcProfile") -> Findings | None:
    """:func:`check_request`, except that a request with no finding gives ``None`` (the guard's call).

    The operation's checker runs first with :data:`_PROBE`, which stops it at the first finding; only then
    does it run again, on a :class:`Findings` (the checkers are pure, so the second run finds what the
    first would have).
    """
    checker = _CHECKERS.get(operation)
    if checker is None:
        return None
    try:
        checker(operation, params, profile, _PROBE)
    except _Found:
        out = Findings()
        checker(operation, params, profile, out)
        return out
    return None


def check_request(operation: str, params: Mapping[str, Any], profile: "VpcProfile") -> Findings | None:
    """Preflight findings for one request (the final one, after the guard's injection).

    Parameters
    ----------
    operation : str
        SageMaker operation (botocore's spelling).
    params : Mapping[str, Any]
        The request, shaped as botocore's service model (lists or tuples).
    profile : VpcProfile
        The profile (``require_network_isolation``, ``preflight_warnings``).

    Returns
    -------
    Findings or None
        ``None`` when the operation has no preflight check (the common case, cheap).
    """
    checker = _CHECKERS.get(operation)
    if checker is None:
        return None
    out = Findings()
    checker(operation, params, profile, out)
    return out
