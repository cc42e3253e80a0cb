"""What the SDK v2 and v3 adapters share. Imports no SageMaker SDK module.

- :func:`load_config_files`, :func:`config_sources`: the SDK's config documents (either major);
- :func:`closed_session_inputs`, :func:`require_guarded`: what a ``ClosedNetworkSession`` is built on and checks;
- :class:`ProfileIdentity`: role, account and default bucket from the profile, never from IAM or STS (F09).
"""

from __future__ import annotations

import logging
import os
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

from safemaker._loopback import is_loopback_url
from safemaker.errors import LocalBackendWarning
from safemaker.sdk._config import ConfigSource
from safemaker.sdk._refusal import refuse_role

if TYPE_CHECKING:  # pragma: no cover
    import boto3

    from safemaker.profile import VpcProfile

def is_loopback(url: str | None) -> bool:
    """``True`` when ``url``'s host is a loopback address (the local backend): :func:`safemaker._loopback.is_loopback_url`."""
    return is_loopback_url(url)


def local_endpoint_message(url: str) -> str:
    """What :func:`warn_if_local` says about the SageMaker endpoint ``url``."""
    return (f"safemaker: SageMaker endpoint {url} is local (an emulator): training does not train and "
            "predictions are canned, not real")


def warn_if_local(url: str | None, logger: logging.Logger, stacklevel: int = 3) -> bool:
    """Warn, and log, that the SageMaker endpoint ``url`` is an emulator when it is on a loopback address.

    Called once by each ``ClosedNetworkSession`` (v2 and v3) on its
    SageMaker client's endpoint.

    Parameters
    ----------
    url : str or None
        The endpoint URL (``client.meta.endpoint_url``).
    logger : logging.Logger
        Where the message is also logged (``safemaker.sdk``), at INFO: the
        warning is what a user sees by default; the log line is for log
        files, and does not repeat the warning on stderr.
    stacklevel : int, default 3
        Passed to :func:`warnings.warn` so that the warning names the
        caller's line that created the session.

    Returns
    -------
    bool
        Whether ``url`` is on a loopback address (and the warning was given).
    """
    if not is_loopback(url):
        return False
    message = local_endpoint_message(str(url))
    warnings.warn(message, LocalBackendWarning, stacklevel=stacklevel)
    logger.info(message)
    return True


def load_config_files(config_module: ModuleType, validate: Callable[[Any], None],
                      boto_session: "boto3.Session") -> list[ConfigSource]:
    """The SDK's config documents, loaded as its ``load_sagemaker_config`` does.

    Admin then user file (``SAGEMAKER_ADMIN_CONFIG_OVERRIDE`` /
    ``SAGEMAKER_USER_CONFIG_OVERRIDE`` or the default locations), local paths
    read with PyYAML, ``s3://`` URIs through the (guarded) session's S3. A
    missing default file is skipped; a missing override is an error, as in
    the SDK. Each document is validated against the SDK's schema.

    Parameters
    ----------
    config_module : module
        ``sagemaker.config.config`` (v2) or ``sagemaker.core.config.config`` (v3).
    validate : callable
        That major's ``validate_sagemaker_config``.
    boto_session : boto3.Session

    Returns
    -------
    list[ConfigSource]
        ``(name, document)`` per file found, admin first.
    """
    admin_default = config_module._DEFAULT_ADMIN_CONFIG_FILE_PATH
    user_default = config_module._DEFAULT_USER_CONFIG_FILE_PATH
    paths = [
        os.getenv(config_module.ENV_VARIABLE_ADMIN_CONFIG_OVERRIDE, admin_default),
        os.getenv(config_module.ENV_VARIABLE_USER_CONFIG_OVERRIDE, user_default),
    ]
    sources: list[ConfigSource] = []
    for path in paths:
        if path is None:
            continue
        if path.startswith(config_module.S3_PREFIX):
            document = config_module._load_config_from_s3(
                path, boto_session.resource("s3", region_name=boto_session.region_name))
        else:
            try:
                document = config_module._load_config_from_file(path)
            except ValueError:
                if path in (admin_default, user_default):
                    continue
                raise
        if document:
            validate(document)
            name = path
            if not path.startswith(config_module.S3_PREFIX) and os.path.isdir(path):
                name = os.path.join(path, "config.yaml")
            sources.append(ConfigSource(name, document))
    return sources


def config_sources(given_config: Any, config_module: ModuleType, validate: Callable[[Any], None],
                   boto_session: "boto3.Session") -> list[ConfigSource]:
    """The config documents a ``ClosedNetworkSession`` (either major) merges with its profile.

    Parameters
    ----------
    given_config : dict or None
        The session's ``sagemaker_config`` argument: when given (not empty), it
        is validated and used instead of the SDK's config files.
    config_module, validate, boto_session
        As :func:`load_config_files`.

    Returns
    -------
    list[ConfigSource]
        ``[("sagemaker_config argument", given_config)]``, else the files found.

    Raises
    ------
    jsonschema.exceptions.ValidationError
        A document does not follow the SDK's schema (as the SDK raises).
    """
    if given_config:
        validate(given_config)
        return [ConfigSource("sagemaker_config argument", given_config)]
    return load_config_files(config_module, validate, boto_session)


def require_guarded(client: Any) -> None:
    """Check that the SageMaker client a ``ClosedNetworkSession`` made carries the safemaker guard.

    Raises
    ------
    ClosedSessionError
        ``client`` has no guard (it was made before the guard was installed).
    """
    from safemaker import hooks
    from safemaker.sdk._errors import ClosedSessionError

    if hooks.installed(client) is None:  # pragma: no cover - defensive
        raise ClosedSessionError("sagemaker_client", type(client).__name__,
                                 "a SageMaker client with the safemaker guard",
                                 "Let the session create its own client")


def closed_session_inputs(profile: Any, boto_session: "boto3.Session | None",
                          poll: float | None) -> tuple["VpcProfile", "boto3.Session"]:
    """The profile and boto3 session a ``ClosedNetworkSession`` (either major) is built on.

    Parameters
    ----------
    profile : VpcProfile, str, os.PathLike or None
        As :func:`safemaker.profile.resolve_profile` takes it.
    boto_session : boto3.Session or None
        None: a new session in the profile's region.
    poll : float or None
        Polling interval in seconds, checked here (None: the default).

    Returns
    -------
    (VpcProfile, boto3.Session)

    Raises
    ------
    safemaker.errors.ProfileError
        The profile cannot be loaded.
    ClosedSessionError
        ``boto_session`` is in another region than the profile, or ``poll`` is not
        a number of seconds greater than 0.
    """
    import boto3

    from safemaker.profile import resolve_profile
    from safemaker.sdk._errors import ClosedSessionError

    resolved = resolve_profile(profile, boto3_session=boto_session)
    if boto_session is None:
        boto_session = boto3.Session(region_name=resolved.region)
    elif boto_session.region_name != resolved.region:
        raise ClosedSessionError(
            "boto_session.region_name", boto_session.region_name,
            f"the profile's region {resolved.region!r}",
            f"Create the session with boto3.Session(region_name={resolved.region!r})",
        )
    if poll is not None and not (isinstance(poll, (int, float)) and poll > 0):
        raise ClosedSessionError("poll", poll, "a number of seconds greater than 0",
                                 "Pass poll=None for the default")
    return resolved, boto_session


class ProfileIdentity:
    """Session methods that answer from the profile instead of STS and IAM (F09).

    Mixed into both majors' ``ClosedNetworkSession`` (which set ``self.profile``).
    """

    profile: "VpcProfile"

    def get_caller_identity_arn(self) -> str:
        """The profile's ``execution_role_arn`` (no STS or IAM call).

        ``get_execution_role(session)`` and every SDK default role come from
        here; the SDK would ask STS ``GetCallerIdentity`` and IAM ``GetRole``,
        neither of which a closed network can reach (F09).

        Returns
        -------
        str
            An IAM role ARN.
        """
        return self.profile.execution_role_arn

    def account_id(self) -> str:
        """The 12-digit account of the profile's execution role (no STS call).

        Returns
        -------
        str
        """
        return self.profile.account_id

    def expand_role(self, role: str) -> str:
        """A role ARN for ``role``, found among the profile's roles (no IAM call).

        Parameters
        ----------
        role : str
            A role ARN (returned as is; the guard checks it on the request) or
            a role name.

        Returns
        -------
        str
            The ARN.

        Raises
        ------
        GuardrailViolation
            ``role`` is a name that none of the profile's roles has (rule
            ``SM-IAM-ROLE``, decided by the guard as the role of a request;
            the violation's path is ``"role"``); the SDK would ask IAM, which
            a closed network cannot reach.
        """
        if "/" in role or role.startswith("arn:"):
            return role
        for arn in self.profile.allowed_role_arns:
            if arn.rsplit("/", 1)[-1] == role:
                return arn
        refuse_role(role, self.profile)  # the guard refuses a name that is none of the profile's roles
        return role  # pragma: no cover - refuse_role raises: a bare name is never an allowed role ARN

    def default_bucket(self) -> str:
        """The default S3 bucket, without STS or IAM.

        Uses the SDK session's own attributes (the same in both majors:
        ``_default_bucket``, ``_default_bucket_name_override``,
        ``_create_s3_bucket_if_it_does_not_exist``).

        Returns
        -------
        str
            ``default_bucket`` given to the session, else the profile's
            ``default_bucket``, else the SDK config's
            ``SageMaker.PythonSDK.Modules.Session.DefaultS3Bucket``: returned
            as is, with no S3 call. Otherwise ``sagemaker-<region>-<account>``
            with the profile's account, created if absent as the SDK does.
        """
        session: Any = self
        if session._default_bucket:
            return session._default_bucket
        if session._default_bucket_name_override:
            session._default_bucket = session._default_bucket_name_override
            return session._default_bucket
        region = session.boto_region_name
        name = f"sagemaker-{region}-{self.profile.account_id}"
        session._default_bucket_set_by_sdk = True
        session._create_s3_bucket_if_it_does_not_exist(bucket_name=name, region=region)
        session._default_bucket = name
        return name
