"""Preflight in the SDK adapters: what exists before the request, refused before anything is uploaded.

The guard decides on requests; some things a closed job cannot do are only
visible earlier, in the SDK's own objects:

- ``@remote`` / ``RemoteExecutor`` / pipeline ``@step``: the SDK uploads the
  pickled function, its arguments and the workspace to S3 (and may create the
  default bucket) long before ``CreateTrainingJob``. The check runs when the
  SDK builds the job settings (``_JobSettings.__init__``), before any of that.
- Serverless inference: SDK v2's ``Model.deploy(serverless_inference_config=...)``
  sends ``CreateModel`` before the ``CreateEndpointConfig`` that the guard
  refuses. The check runs when the SDK is about to create the model
  (``Model._create_sagemaker_model``, which receives the serverless config).
- A local source directory's ``requirements.txt`` (the adapters call
  :func:`safemaker.preflight.check_source_dir` before the code is staged).
- An explicit ``enable_network_isolation=False`` /
  ``encrypt_inter_container_traffic=False`` given to an SDK v2 ``Estimator``
  or ``Model``: the SDK leaves a false value out of the request
  (``Session._get_train_request``, ``_map_training_config`` and
  ``_create_model_request`` write the field only ``if`` it is true), so the
  guard would inject ``True`` and silently run closed what the user asked to
  run open. The constructor's arguments are recorded
  (:func:`install_argument_record`) and refused before anything is uploaded
  (:func:`refuse_explicit_false`), naming the argument and the profile field
  that relaxes it.

Each refusal is decided by the same code as the guard's (the request the SDK
would send, checked by :func:`safemaker.preflight.check_request` or
:func:`safemaker.guard.decide`), for whichever profile governs the SDK
session: a closed session's own, a guard installed on the session's client,
or the process guard.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from safemaker import hooks, preflight
from safemaker.errors import GuardrailViolation, Violation
from safemaker.sdk._refusal import (
    ArgumentMap,
    at_argument,
    decide_arguments,
    leave_out_volume_key,
    refuse,
    refuse_serverless,
)

if TYPE_CHECKING:  # pragma: no cover
    from safemaker.profile import VpcProfile

__all__ = ["profile_of", "install_remote_function_check", "install_argument_record", "explicit_false_violations",
           "refuse_explicit_false", "install_serverless_check", "install_role_validation_check",
           "install_session_defaults", "opt_out_of_telemetry",
           "account_via_configured_endpoint", "install_bucket_name_function",
           "install_telemetry_stop", "install_instance_storage_requests"]

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_MARK = "_safemaker_preflight"


def profile_of(session: Any) -> "VpcProfile | None":
    """The profile that governs an SDK session: its own (closed session), its client's guard, or the process guard.

    Returns ``None`` when nothing guards the session (the SDK then runs as it would without safemaker).
    """
    from safemaker.profile import VpcProfile

    prof = getattr(session, "profile", None) if session is not None else None
    if isinstance(prof, VpcProfile):
        return prof
    client = getattr(session, "sagemaker_client", None) if session is not None else None
    installed = hooks.installed(client) if client is not None else None
    if installed is not None:
        return installed.profile
    import safemaker

    process_guard = getattr(safemaker, "process_guard", None)
    g = process_guard() if callable(process_guard) else None
    return getattr(g, "profile", None)


def _patch(cls: type, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Replace ``cls.<name>`` by ``make(original)`` once (marked, so installing twice is harmless)."""
    with _LOCK:
        original = cls.__dict__.get(name)
        if original is None or getattr(original, _MARK, False):
            return
        wrapped = functools.wraps(original)(make(original))
        setattr(wrapped, _MARK, True)
        setattr(cls, name, wrapped)


def check_remote_function(session: Any, entrypoint: Sequence[str], dependencies: Any = None,
                          environment: Any = None) -> None:
    """Refuse a remote function the profile cannot run, before the SDK uploads anything.

    Parameters
    ----------
    session : sagemaker Session or None
        The remote function's ``sagemaker_session``.
    entrypoint : sequence of str
        The SDK's ``JOBS_CONTAINER_ENTRYPOINT`` (what the ``CreateTrainingJob``
        would carry in ``AlgorithmSpecification.ContainerEntrypoint``).
    dependencies : str, optional
        The remote function's ``dependencies`` (a requirements file is checked
        when the job runs without network isolation).
    environment : Mapping, optional
        Its ``environment_variables``.

    Raises
    ------
    GuardrailViolation
        ``SM-PRE-REMOTE-FUNCTION`` when the profile requires network isolation
        (remote functions always run with ``EnableNetworkIsolation=False``), or
        ``SM-PRE-REQUIREMENTS`` when the requirements file installs from the
        internet. Nothing has been uploaded.
    """
    profile = profile_of(session)
    if profile is None:
        return
    # The CreateTrainingJob the SDK will send: the job driver as entrypoint, isolation always off.
    request = {"AlgorithmSpecification": {"TrainingInputMode": "File", "ContainerEntrypoint": list(entrypoint)},
               "EnableNetworkIsolation": False}
    local = preflight.Findings()
    if (not profile.require_network_isolation and isinstance(dependencies, (str, os.PathLike))
            and os.fspath(dependencies).endswith(".txt")):
        path = os.fspath(dependencies)
        preflight.check_source_dir(os.path.dirname(path) or ".", profile, operation="CreateTrainingJob",
                                   argument="dependencies", isolated=False,
                                   requirements=os.path.basename(path),
                                   environment=environment if isinstance(environment, dict) else None,
                                   findings=local)
    refuse("CreateTrainingJob", request, profile, within=_REMOTE_FUNCTION_FIELDS, also=local, stacklevel=5)


_REMOTE_FUNCTION_FIELDS = ("AlgorithmSpecification", "EnableNetworkIsolation")
"""The fields of a remote function's CreateTrainingJob that its job settings decide (the rest is the
remote function config's, decided when the request is sent)."""


def install_remote_function_check(job_settings_cls: type, entrypoint: Sequence[str]) -> None:
    """Run :func:`check_remote_function` at the start of the SDK's ``_JobSettings.__init__`` (idempotent).

    ``_JobSettings`` is built when ``@remote`` decorates a function, when a
    ``RemoteExecutor`` is made and when a pipeline ``@step`` is built: before
    the default bucket is resolved and before anything is uploaded.
    """
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            check_remote_function(kwargs.get("sagemaker_session"), entrypoint, kwargs.get("dependencies"),
                                  kwargs.get("environment_variables"))
            original(self, *args, **kwargs)
        return __init__

    _patch(job_settings_cls, "__init__", make)


def check_serverless_model(model: Any, serverless_inference_config: Any) -> None:
    """Refuse a model about to be created for serverless inference (before ``CreateModel``).

    The decision is the guard's on the ``CreateEndpointConfig`` the SDK would
    send next (``ProductionVariants[0].ServerlessConfig``: rule ``SM-UNSUPPORTED``).

    Raises
    ------
    GuardrailViolation
        When the model's session is guarded and the config is given.
    """
    if serverless_inference_config is None:
        return
    refuse_serverless(serverless_inference_config, profile_of(getattr(model, "sagemaker_session", None)),
                      model_name=getattr(model, "name", None),
                      endpoint_config_name=getattr(model, "endpoint_name", None), stacklevel=5)


def install_serverless_check(model_cls: type) -> None:
    """Run :func:`refuse_explicit_false` (an explicit ``enable_network_isolation=False``, recorded by
    :func:`install_argument_record`) and :func:`check_serverless_model` before
    ``model_cls._create_sagemaker_model`` (SDK v2; idempotent)."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def _create_sagemaker_model(self: Any, *args: Any, **kwargs: Any) -> Any:
            # (instance_type, accelerator_type, tags, serverless_inference_config, ...) in both SDK v2 classes
            config = kwargs.get("serverless_inference_config", args[3] if len(args) > 3 else None)
            refuse_explicit_false(self, "CreateModel", MODEL_DROPPED_FALSE,
                                  current=lambda _argument: self.enable_network_isolation())
            check_serverless_model(self, config)
            return original(self, *args, **kwargs)
        return _create_sagemaker_model

    _patch(model_cls, "_create_sagemaker_model", make)


_EXPLICIT = "_safemaker_explicit_arguments"
"""Instance attribute: the arguments the caller gave the SDK object's constructor (name -> value)."""

RELAXED_BY: Mapping[str, str] = {
    "SM-NET-ISOLATION": "require_network_isolation",
    "SM-NET-ICTE": "require_inter_container_traffic_encryption",
}
"""Rule ID -> the profile field that relaxes it (for the fix of a refused explicit argument)."""


def _given_in(frame: Any, name: str) -> tuple[bool, Any]:
    """``(bound, value)`` of ``name`` in a constructor's frame: a parameter of that name, or a key of
    its ``**kwargs`` (``kwargs``)."""
    local = frame.f_locals
    if name in frame.f_code.co_varnames[:frame.f_code.co_argcount + frame.f_code.co_kwonlyargcount]:
        return True, local.get(name)
    extra = local.get("kwargs")
    if isinstance(extra, dict) and name in extra:
        return True, extra[name]
    return False, None


def caller_arguments(obj: Any, names: Sequence[str], frame: Any) -> dict[str, Any]:
    """The values the code that built ``obj`` gave for ``names`` (``None`` values left out).

    ``frame`` is the innermost constructor frame of ``obj`` (the patched
    ``__init__``). The chain of ``__init__`` frames of ``obj`` is walked from the
    outermost (the constructor called: ``Estimator``, ``SKLearn``, a user's
    subclass) inwards; the first frame that binds a name (parameter or
    ``**kwargs`` key) decides it, so ``SKLearn(enable_network_isolation=False)``
    counts and ``JumpStartEstimator()`` (which takes the value from its model
    specs, its own parameter being ``None``) does not. An object the SDK builds
    itself (the caller of the outermost constructor is in the ``sagemaker``
    package: ``Estimator.attach``, ``Estimator.create_model``) gives nothing:
    those values are the SDK's, not the user's.
    """
    chain = []
    f = frame
    while f is not None and f.f_code.co_name == "__init__" and f.f_locals.get("self") is obj:
        chain.append(f)
        f = f.f_back
    caller = f.f_globals.get("__name__", "") if f is not None else ""
    if not chain or caller == "sagemaker" or caller.startswith("sagemaker."):
        return {}
    found: dict[str, Any] = {}
    for name in names:
        for outer in reversed(chain):
            bound, value = _given_in(outer, name)
            if bound:
                if value is not None:
                    found[name] = value
                break
    return found


def install_argument_record(cls: type, names: Sequence[str]) -> None:
    """Record on each ``cls`` instance the ``names`` its builder gave (:func:`caller_arguments`; idempotent).

    Patches ``cls.__init__`` (the SDK's ``EstimatorBase`` / ``Model``: every
    subclass constructor ends there). Costs one walk of the constructor frames
    per object; nothing else changes.
    """
    names = tuple(names)

    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            try:
                given = caller_arguments(self, names, sys._getframe(0))
            except Exception:  # pragma: no cover - an interpreter without frames: record nothing
                given = {}
            original(self, *args, **kwargs)
            try:
                object.__setattr__(self, _EXPLICIT, given)
            except AttributeError:  # pragma: no cover - a class with __slots__ only
                pass
        return __init__

    _patch(cls, "__init__", make)


def explicit_false_violations(obj: Any, operation: str, mapping: ArgumentMap, profile: "VpcProfile", *,
                              where: str, current: Callable[[str], Any]) -> list[Violation]:
    """The guard's violations of the arguments the caller gave as ``False`` that the SDK will leave out.

    Parameters
    ----------
    obj : SDK object
        Built with :func:`install_argument_record` on its class.
    operation : str
        The request the SDK will send (``"CreateTrainingJob"``, ``"CreateModel"``).
    mapping : ArgumentMap
        ``(argument, request field)`` of the arguments the SDK drops when false.
    profile : VpcProfile
    where : str
        The call, for the fix (``"Estimator()"``).
    current : callable
        ``current(argument)``: the object's value now (a value changed to true
        since the constructor is not refused).

    Returns
    -------
    list[Violation]
        The guard's violation of each such field (rule, found ``False``,
        required), its path the argument, its fix naming the argument and the
        profile field that relaxes the rule.
    """
    explicit = getattr(obj, _EXPLICIT, None) or {}
    values = {arg: False for arg, _ in mapping if explicit.get(arg) is False and not current(arg)}
    if not values:
        return []
    out = []
    for v in decide_arguments(operation, mapping, values, profile).violations:
        arg = next((a for a, path in mapping if path == v.path and a in values), None)
        if arg is None:
            continue
        field = RELAXED_BY.get(v.rule_id, "the profile")
        fix = (f"Leave out {arg}= (or pass True) in {where}: the SageMaker SDK leaves a false value out of "
               f"the {operation} request, so the guard would send {v.path}={v.required} instead of "
               f"what you asked for. A job that needs the network needs a profile with {field}: false")
        out.append(at_argument(v, arg, fix=fix, operation=operation))
    return out


def refuse_explicit_false(obj: Any, operation: str, mapping: ArgumentMap, *, current: Callable[[str], Any],
                          also: "preflight.Findings | None" = None) -> None:
    """Raise :func:`explicit_false_violations` (with ``also``'s refusals) when a guard governs ``obj``'s session.

    Raises
    ------
    GuardrailViolation
        Nothing has been sent or uploaded.
    """
    session = getattr(obj, "sagemaker_session", None)
    profile = profile_of(session)
    if profile is None or getattr(session, "local_mode", False) or _building_pipeline(session):
        return
    violations = explicit_false_violations(obj, operation, mapping, profile, where=f"{type(obj).__name__}()",
                                           current=current)
    if violations:
        raise GuardrailViolation(operation, violations + (also.refusals if also is not None else []))


SUBMIT_DIRECTORY_IN_S3 = "s3://(the estimator's code location)/source/sourcedir.tar.gz"
"""What SDK v2 puts in ``sagemaker_submit_directory`` without network isolation (its S3 code location)."""


def check_estimator_code(estimator: Any) -> None:
    """SDK v2 estimator code about to be staged: refuse what cannot start closed, before the upload.

    - ``enable_network_isolation`` off while the profile requires isolation:
      the SDK would upload the code and set ``sagemaker_submit_directory`` to its
      S3 location, the guard then injects isolation, and the container cannot
      download the code (``SM-PRE-CODE-DOWNLOAD``, the guard's own check on the
      request the SDK would send).
    - ``source_dir/requirements.txt`` that installs from an index the job
      cannot reach (``SM-PRE-REQUIREMENTS``).

    Raises
    ------
    GuardrailViolation
        Nothing has been uploaded (and no default bucket created).
    """
    session = getattr(estimator, "sagemaker_session", None)
    profile = profile_of(session)
    if profile is None or getattr(session, "local_mode", False) or _building_pipeline(session):
        return
    explicit = explicit_false_violations(estimator, "CreateTrainingJob", ESTIMATOR_DROPPED_FALSE, profile,
                                         where=f"{type(estimator).__name__}()",
                                         current=functools.partial(_estimator_value, estimator))
    entry_point = getattr(estimator, "entry_point", None)
    source_dir = getattr(estimator, "source_dir", None)
    if not (entry_point or source_dir):
        if explicit:
            raise GuardrailViolation("CreateTrainingJob", explicit)
        return
    isolated = bool(estimator.enable_network_isolation())
    local = preflight.Findings()
    if isinstance(source_dir, (str, os.PathLike)):
        env = getattr(estimator, "environment", None)
        preflight.check_source_dir(source_dir, profile, operation="CreateTrainingJob", argument="source_dir",
                                   isolated=isolated or profile.require_network_isolation,
                                   environment=env if isinstance(env, dict) else None, findings=local)
    request: dict[str, Any] = {}
    if entry_point and not isolated and profile.require_network_isolation:
        # The CreateTrainingJob the SDK would send: its code in S3 (staged without isolation), isolation
        # left out (the guard injects it, and then the container cannot download the code).
        request = {"HyperParameters": {"sagemaker_submit_directory": SUBMIT_DIRECTORY_IN_S3}}
    try:
        refuse("CreateTrainingJob", request, profile, within=("HyperParameters",), also=local, stacklevel=6)
    except GuardrailViolation as exc:
        if explicit:  # the arguments as typed first, then what they cause: one message
            raise GuardrailViolation("CreateTrainingJob", explicit + list(exc.violations)) from None
        raise
    if explicit:
        raise GuardrailViolation("CreateTrainingJob", explicit)


ESTIMATOR_DROPPED_FALSE: ArgumentMap = (
    ("enable_network_isolation", "EnableNetworkIsolation"),
    ("encrypt_inter_container_traffic", "EnableInterContainerTrafficEncryption"),
)
"""SDK v2 estimator arguments that ``Session._get_train_request`` (and ``_map_training_config`` for a
tuner) write into the request only when true: ``False`` is sent as absent."""

MODEL_DROPPED_FALSE: ArgumentMap = (("enable_network_isolation", "EnableNetworkIsolation"),)
"""SDK v2 model arguments that ``Session._create_model_request`` writes only when true."""


def _estimator_value(estimator: Any, argument: str) -> Any:
    if argument == "enable_network_isolation":
        return estimator.enable_network_isolation()
    return getattr(estimator, argument, None)


def _building_pipeline(session: Any) -> bool:
    """A ``PipelineSession``: the steps are checked together, every one named, when the pipeline
    definition reaches the guard (``CreatePipeline``); refusing one step here would hide the others."""
    return any(c.__name__ == "PipelineSession" for c in type(session).__mro__)


def install_estimator_code_check(estimator_cls: type) -> None:
    """Run :func:`check_estimator_code` before ``estimator_cls._prepare_for_training`` (SDK v2; idempotent)."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def _prepare_for_training(self: Any, *args: Any, **kwargs: Any) -> Any:
            check_estimator_code(self)
            return original(self, *args, **kwargs)
        return _prepare_for_training

    _patch(estimator_cls, "_prepare_for_training", make)


def check_processor_code(processor: Any, source_dir: Any) -> None:
    """SDK v2 ``FrameworkProcessor`` code about to be packed: its ``requirements.txt`` (``runproc.sh``
    runs ``python -m pip install -r requirements.txt``).

    Raises
    ------
    GuardrailViolation
        ``SM-PRE-REQUIREMENTS``; nothing has been uploaded.
    """
    session = getattr(processor, "sagemaker_session", None)
    profile = profile_of(session)
    if (profile is None or getattr(session, "local_mode", False) or _building_pipeline(session)
            or not isinstance(source_dir, (str, os.PathLike))):
        return
    network = getattr(processor, "network_config", None)
    isolated = bool(getattr(network, "enable_network_isolation", False)) or profile.require_network_isolation
    env = getattr(processor, "env", None)
    findings = preflight.check_source_dir(source_dir, profile, operation="CreateProcessingJob",
                                          argument="source_dir", isolated=isolated,
                                          environment=env if isinstance(env, dict) else None)
    preflight.enforce("CreateProcessingJob", findings, stacklevel=5)


def install_processor_code_check(processor_cls: type) -> None:
    """Run :func:`check_processor_code` before ``processor_cls._pack_and_upload_code`` (SDK v2; idempotent)."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def _pack_and_upload_code(self: Any, code: Any, source_dir: Any, *args: Any, **kwargs: Any) -> Any:
            check_processor_code(self, source_dir)
            return original(self, code, source_dir, *args, **kwargs)
        return _pack_and_upload_code

    _patch(processor_cls, "_pack_and_upload_code", make)


def check_trainer_code(trainer: Any) -> None:
    """SDK v3 ``ModelTrainer`` about to stage its code: ``SourceCode.requirements`` (installed with
    ``install_requirements.py``, i.e. ``pip install -r``) must install from what the job can reach.

    Raises
    ------
    GuardrailViolation
        ``SM-PRE-REQUIREMENTS``; nothing has been uploaded.
    """
    source = getattr(trainer, "source_code", None)
    requirements = getattr(source, "requirements", None)
    source_dir = getattr(source, "source_dir", None)
    if not isinstance(requirements, str) or requirements == "auto" or not isinstance(source_dir, str):
        return
    session = getattr(trainer, "sagemaker_session", None)
    profile = profile_of(session)
    if profile is None or _building_pipeline(session):
        return
    networking = getattr(trainer, "networking", None)
    isolated = bool(getattr(networking, "enable_network_isolation", False)) or profile.require_network_isolation
    env = getattr(trainer, "environment", None)
    findings = preflight.check_source_dir(source_dir, profile, operation="CreateTrainingJob",
                                          argument="source_code.source_dir", isolated=isolated,
                                          requirements=requirements,
                                          environment=env if isinstance(env, dict) else None)
    preflight.enforce("CreateTrainingJob", findings, stacklevel=5)


def install_trainer_code_check(trainer_cls: type) -> None:
    """Run :func:`check_trainer_code` before ``trainer_cls.train`` (SDK v3 ``ModelTrainer``; idempotent)."""
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def train(self: Any, *args: Any, **kwargs: Any) -> Any:
            check_trainer_code(self)
            return original(self, *args, **kwargs)
        return train

    _patch(trainer_cls, "train", make)


def _profile_role(role_arn: Any) -> "VpcProfile | None":
    """The process guard's profile when ``role_arn`` is one of its roles, else ``None``."""
    profile = profile_of(None)
    if profile is not None and isinstance(role_arn, str) and role_arn in profile.allowed_role_arns:
        return profile
    return None


def install_role_validation_check(resolver: Any) -> None:
    """SDK v3's IAM role validation: no IAM request for a role of the process guard's profile (idempotent).

    SDK v3 validates every execution role (``ModelTrainer``, ``ModelBuilder``,
    pipelines...) with IAM ``SimulatePrincipalPolicy`` and ``GetRole``
    (``sagemaker.core.helper.iam_role_resolver``), which a closed network cannot
    reach: IAM has no VPC endpoint, so an SDK object built without a
    ``ClosedNetworkSession`` (whose IAM requests are answered in-process) fails
    with a connection error after the connect timeouts. Under the process guard,
    a role the profile allows (``execution_role_arn``, ``additional_role_arns``)
    is answered as the SDK answers a role it may not simulate: "cannot be
    verified", and the SDK goes on with it; the guard checks every role passed
    to SageMaker (``SM-IAM-ROLE``). The SDK's WARNING that it "could not verify
    permissions" (caller lacks ``iam:SimulatePrincipalPolicy``) is not shown for
    such a role (its reason would be false; safemaker logs at INFO that the
    simulation was not sent). Any other role is validated by the SDK as
    before, warnings included (``SAGEMAKER_VALIDATE_ROLE=false`` turns that off).

    Parameters
    ----------
    resolver : module
        ``sagemaker.core.helper.iam_role_resolver``: its ``_evaluate_permissions``
        and ``_role_trusts_service`` (called by ``resolve_and_validate_role``) are wrapped.
    """
    def make_permissions(original: Callable[..., Any]) -> Callable[..., Any]:
        def _evaluate_permissions(iam_client: Any, role_arn: str, role_type: str, *args: Any, **kwargs: Any) -> Any:
            if _profile_role(role_arn) is not None:
                logger.info("IAM SimulatePrincipalPolicy for %s not sent: a role of the process guard's profile "
                            "(IAM has no VPC endpoint; the guard checks the role on every request)", role_arn)
                return None, []
            return original(iam_client, role_arn, role_type, *args, **kwargs)
        return _evaluate_permissions

    def make_trust(original: Callable[..., Any]) -> Callable[..., Any]:
        def _role_trusts_service(iam_client: Any, role_arn: str, role_type: str, *args: Any, **kwargs: Any) -> Any:
            if _profile_role(role_arn) is not None:
                return None  # "could not be determined": the SDK does not block on it
            return original(iam_client, role_arn, role_type, *args, **kwargs)
        return _role_trusts_service

    _patch(resolver, "_evaluate_permissions", make_permissions)  # type: ignore[arg-type]
    _patch(resolver, "_role_trusts_service", make_trust)  # type: ignore[arg-type]
    sdk_logger = logging.getLogger(resolver.__name__)
    with _LOCK:
        if not any(isinstance(f, _UnsentSimulationWarning) for f in sdk_logger.filters):
            sdk_logger.addFilter(_UnsentSimulationWarning())


class _UnsentSimulationWarning(logging.Filter):
    """Drops the SDK's WARNING "Could not verify permissions for role '<role>' (caller lacks
    iam:SimulatePrincipalPolicy ...)" for a role of the process guard's profile: that verdict is the
    one :func:`install_role_validation_check` answers without sending the simulation (logged at INFO
    on ``safemaker.sdk._preflight``), so the warning's reason would be false. The same warning for
    any other role, and every other record, passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno == logging.WARNING and isinstance(record.msg, str)
                and record.msg.startswith("Could not verify permissions for role")
                and isinstance(record.args, tuple) and record.args and _profile_role(record.args[0]) is not None):
            return False
        return True


def opt_out_of_telemetry(session: Any, checked: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """Set the SDK's own telemetry opt-out in an SDK session's config (a copy; the caller's dict is kept).

    ``SageMaker.PythonSDK.Modules.TelemetryOptOut: true`` in ``session.sagemaker_config``
    is what the SDK's telemetry emitter reads before each GET to
    ``https://sm-pysdk-t-<region>.s3.<region>.amazonaws.com/telemetry`` (SDK v2
    ``sagemaker/telemetry/telemetry_logging.py``, SDK v3
    ``sagemaker/core/telemetry/telemetry_logging.py`` and ``ModelBuilder``'s
    serve settings). That GET leaves the VPC outside botocore (``requests``),
    carries the account id and the text of any exception (a refusal's full
    message), and hangs or fails in a closed network.

    ``checked``, when given, receives the new copy and returns what the session
    keeps (the copy validated once against the SDK's schema, so that the SDK's
    per-lookup re-validation is skipped for it; see ``checked_config`` in
    ``safemaker.sdk.v2.session`` and ``safemaker.sdk.v3.session``).
    """
    from safemaker.sdk._config import SCHEMA_VERSION, TELEMETRY_OPT_OUT, _get, _set

    current = getattr(session, "sagemaker_config", None)
    if _get(current, TELEMETRY_OPT_OUT) is True:
        return
    config = copy.deepcopy(dict(current)) if isinstance(current, Mapping) else {}
    config.setdefault("SchemaVersion", SCHEMA_VERSION)
    _set(config, TELEMETRY_OPT_OUT, True)
    session.sagemaker_config = checked(config) if checked is not None else config


def account_via_configured_endpoint(boto_session: Any) -> str:
    """The caller's account from STS ``GetCallerIdentity``, sent where the boto3 session's configuration says.

    The SDK's own call names the public regional host explicitly
    (``endpoint_url=sts_regional_endpoint(region)``), which overrides
    ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_STS`` and the config file's
    ``endpoint_url``: in a closed VPC it hangs or fails. This client takes
    botocore's endpoint resolution (the local backend, an STS interface
    endpoint's URL) and, with none configured, botocore's regional STS host.
    API reference: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html

    Raises
    ------
    botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError
        As the STS client raises them.
    """
    return boto_session.client("sts", region_name=boto_session.region_name).get_caller_identity()["Account"]


def install_session_defaults(session_cls: type,
                             checked: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """Every SDK session governed by a guard sends no telemetry and finds its default bucket offline (idempotent).

    Wraps methods of ``session_cls`` (the SDK's base ``Session``; ``PipelineSession``,
    ``LocalSession`` and the default sessions the SDK makes itself, e.g. a
    ``ModelTrainer`` without ``sagemaker_session=``, inherit them). Whenever
    :func:`profile_of` finds a profile (the process guard, which every closed
    session turns on; a guard on the session's client):

    - ``__init__``: once the SDK has loaded its config,
      :func:`opt_out_of_telemetry`; and when neither the caller nor the SDK
      config named a default bucket, the profile's ``default_bucket`` becomes
      the session's (the SDK's ``_default_bucket_name_override``).
    - ``generate_default_sagemaker_bucket_name`` and ``account_id`` (no default
      bucket anywhere): ``sagemaker-<region>-<account>`` and the account as
      the SDK computes them, with STS reached through the session's configured
      endpoint (:func:`account_via_configured_endpoint`), never the public host
      the SDK names.

    A session made before any guard was on keeps its config and default bucket.
    ``checked`` is passed on to :func:`opt_out_of_telemetry`.
    """

    def make_init(original: Callable[..., Any]) -> Callable[..., Any]:
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            prof = profile_of(self)
            if prof is None:
                return
            opt_out_of_telemetry(self, checked)
            if prof.default_bucket and not getattr(self, "_default_bucket_name_override", None) \
                    and not getattr(self, "_default_bucket", None):
                self._default_bucket_name_override = prof.default_bucket
        return __init__

    def make_name(original: Callable[..., Any]) -> Callable[..., Any]:
        def generate_default_sagemaker_bucket_name(self: Any, boto_session: Any) -> Any:
            if profile_of(self) is None:
                return original(self, boto_session)
            return f"sagemaker-{boto_session.region_name}-{account_via_configured_endpoint(boto_session)}"
        return generate_default_sagemaker_bucket_name

    def make_account(original: Callable[..., Any]) -> Callable[..., Any]:
        def account_id(self: Any) -> Any:
            if profile_of(self) is None:
                return original(self)
            return account_via_configured_endpoint(self.boto_session)
        return account_id

    _patch(session_cls, "__init__", make_init)
    _patch(session_cls, "generate_default_sagemaker_bucket_name", make_name)
    _patch(session_cls, "account_id", make_account)


def install_bucket_name_function(module: Any) -> None:
    """SDK v2's module-level ``generate_default_sagemaker_bucket_name(boto_session)``, as in
    :func:`install_session_defaults`: under the process guard, STS through the configured endpoint (idempotent)."""
    with _LOCK:
        original = module.__dict__.get("generate_default_sagemaker_bucket_name")
        if original is None or getattr(original, _MARK, False):
            return

        @functools.wraps(original)
        def generate_default_sagemaker_bucket_name(boto_session: Any) -> Any:
            if profile_of(None) is None:
                return original(boto_session)
            return f"sagemaker-{boto_session.region_name}-{account_via_configured_endpoint(boto_session)}"

        setattr(generate_default_sagemaker_bucket_name, _MARK, True)
        module.generate_default_sagemaker_bucket_name = generate_default_sagemaker_bucket_name


def install_telemetry_stop(module: Any) -> None:
    """The SDK's telemetry GET is not sent while a guard governs the process (idempotent).

    Wraps ``module._requests_helper(url, timeout)``, the one function through which
    the SDK's telemetry emitters send their ``GET`` to
    ``https://sm-pysdk-t-<region>.s3.<region>.amazonaws.com/telemetry`` with
    ``requests`` (outside botocore, so no guard sees it): SDK v2
    ``sagemaker/telemetry/telemetry_logging.py`` and ``sagemaker/serve/utils/telemetry_logger.py``,
    SDK v3 ``sagemaker/core/telemetry/telemetry_logging.py`` and
    ``sagemaker/serve/utils/telemetry_logger.py``. :func:`opt_out_of_telemetry`
    already stops it for SDK sessions made under a guard; this covers a session
    made *before* the guard was on, whose config the SDK reads at each call. Under
    the process guard (:func:`profile_of` finds a profile) the helper returns
    ``None`` without a request, as the SDK's own helper does when its request fails.

    Parameters
    ----------
    module : module
        An SDK module defining ``_requests_helper``; nothing happens when it has none.
    """
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def _requests_helper(url: Any, timeout: Any) -> Any:
            if profile_of(None) is not None:
                logger.debug("the SageMaker SDK's telemetry GET is not sent: a guard governs this process")
                return None
            return original(url, timeout)
        return _requests_helper

    _patch(module, "_requests_helper", make)  # type: ignore[arg-type]


CREATE_OPERATIONS: Mapping[str, str] = {
    "train": "CreateTrainingJob",
    "process": "CreateProcessingJob",
    "transform": "CreateTransformJob",
    "create_tuning_job": "CreateHyperParameterTuningJob",  # SDK v2 Session.create_tuning_job
    "tune": "CreateHyperParameterTuningJob",  # SDK v3 HyperparameterTuner under a PipelineSession
}
"""``func_name`` of the SDKs' ``Session._intercept_create_request`` -> the operation of its request, for the
requests that carry a volume KMS key beside their instance types."""


def leave_out_instance_storage_keys(session: Any, request: Any, func_name: Any) -> tuple[str, ...]:
    """Remove the governing profile's volume key from a job request whose instance type takes none.

    Parameters
    ----------
    session : SDK session
        The session about to send (or, a ``PipelineSession``, to capture) ``request``.
    request : dict
        The request the SDK built; changed in place.
    func_name : str
        What the SDK names the request (``"process"``): :data:`CREATE_OPERATIONS`.

    Returns
    -------
    tuple[str, ...]
        The paths removed (:func:`safemaker.sdk._refusal.leave_out_volume_key`).
    """
    operation = CREATE_OPERATIONS.get(func_name) if isinstance(func_name, str) else None
    if operation is None or not isinstance(request, dict):
        return ()
    profile = profile_of(session)
    if profile is None or profile.volume_kms_key_id is None:
        return ()
    removed = leave_out_volume_key(operation, request, profile.volume_kms_key_id)
    for path in removed:
        logger.info("%s: %s (the profile's volume key) left out: its instance type has instance-store volumes, "
                    "which SageMaker encrypts itself and takes no KMS key for", operation, path)
    return removed


def install_instance_storage_requests(session_cls: type) -> None:
    """Job requests of a guarded SDK session carry no profile volume key on instance-store types (idempotent).

    SageMaker takes no ``VolumeKmsKeyId`` for an instance type with local storage
    ("You can't request a VolumeKmsKeyId when using an instance type with local
    storage": ``ResourceConfig``, ``ProcessingClusterConfig``, ``TransformResources``
    and ``HyperParameterTuningResourceConfig`` in the API reference) and the guard
    neither fills nor requires it there. The SDK config of a closed session (and
    the profile exported as the SDK's config, ``safemaker profile export -f
    sagemaker-config``) holds the profile's volume key, which the SDKs apply
    whatever the instance type (SDK v2 and v3 ``Processor`` and ``Transformer``),
    or skip only for the types of their own list (SDK v2 ``Session.train``:
    ``sagemaker.utils.instance_supports_kms`` has no ``trn2`` or ``p6-b200``).

    Wraps ``session_cls._intercept_create_request``, the SDKs' one step between
    building a create request and sending it (``PipelineSession`` overrides it to
    capture a step's arguments, so a pipeline step is built the same way): when
    :func:`profile_of` finds a profile, its volume key is removed where the
    request's instance types take none (:func:`leave_out_instance_storage_keys`).
    Any other key stays, for the guard to decide (it refuses a foreign key).

    Parameters
    ----------
    session_cls : type
        An SDK session class defining ``_intercept_create_request`` (SDK v2 and v3
        ``Session`` and ``PipelineSession``); nothing happens when it defines none.
    """
    def make(original: Callable[..., Any]) -> Callable[..., Any]:
        def _intercept_create_request(self: Any, request: Any, create: Any, func_name: Any = None,
                                      *args: Any, **kwargs: Any) -> Any:
            leave_out_instance_storage_keys(self, request, func_name)
            return original(self, request, create, func_name, *args, **kwargs)
        return _intercept_create_request

    _patch(session_cls, "_intercept_create_request", make)
