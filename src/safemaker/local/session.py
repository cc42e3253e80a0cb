"""A boto3 session that can only talk to the embedded local backend.

:class:`LocalSession` is a :class:`boto3.session.Session` whose every client
(and every resource, which boto3 builds on a client) is pinned to one
``http://127.0.0.1:PORT`` endpoint, with fake credentials, no proxy, and no
lookup of the user's AWS configuration, credentials or instance metadata.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any
from urllib.parse import urlsplit

import boto3.session
import botocore.config
import botocore.configprovider
import botocore.credentials
import botocore.loaders
import botocore.session

from safemaker.errors import LocalBackendError
from safemaker.local._defaults import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

__all__ = ["LocalSession", "FAKE_ACCESS_KEY_ID", "FAKE_SECRET_ACCESS_KEY"]

logger = logging.getLogger(__name__)

# botocore configuration variables pinned on every LocalSession's botocore
# session, whatever the environment or ~/.aws says.
_PINNED_CONFIG_VARIABLES: dict[str, Any] = {
    "config_file": os.devnull,  # ignore ~/.aws/config (profiles, endpoint_url, defaults_mode...)
    "credentials_file": os.devnull,  # ignore ~/.aws/credentials
    "defaults_mode": "legacy",  # "auto" would ask IMDS for the region
    "use_fips_endpoint": False,
    "use_dualstack_endpoint": False,
    "metadata_service_num_attempts": 1,
    "metadata_service_timeout": 1,
}

_REFUSE_HANDLER_ID = "safemaker-local-refuse-foreign-endpoint"

# Loading a service model (sagemaker's is several MB of JSON) costs ~0.1 s per
# botocore session; LocalSessions share one loader so a fresh backend per test
# stays cheap. Loaded models are read-only dicts, so sharing is safe.
_shared_loader: botocore.loaders.Loader | None = None
_shared_loader_lock = threading.Lock()


def _loader() -> botocore.loaders.Loader:
    global _shared_loader
    with _shared_loader_lock:
        if _shared_loader is None:
            _shared_loader = botocore.loaders.create_loader()
        return _shared_loader


_create_loader_before: Any = botocore.session.create_loader


def _create_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    """``botocore.session.create_loader`` while a local backend runs: botocore's default data path -> :func:`_loader`."""
    if search_path_string is None:
        return _loader()
    return _create_loader_before(search_path_string)


def share_loader() -> None:
    """Until :func:`unshare_loader`, every new botocore session of this process with botocore's default data
    path reads botocore's data with the local sessions' loader.

    A process on the local backend makes many botocore sessions besides its
    :class:`LocalSession`: moto's (its EC2 backend makes three at import to list
    regions, each reading ``endpoints.json``), the SageMaker SDK's at import
    (``sagemaker.jumpstart.constants``: a default session and its clients, which
    read SageMaker's service model, several MB of JSON) and the program's own.
    Each new session would parse those files again; ``safemaker demo`` spent
    ~2 s of its ~7 s of CPU in its own process doing so. The loaded data are
    read-only dicts, shared within a session already. A session whose data path
    is set (``AWS_DATA_PATH``) keeps a loader of its own. Installed by
    :meth:`LocalBackend.start <safemaker.local.LocalBackend.start>`, removed by
    ``stop()``; sessions made meanwhile keep the shared loader.
    """
    global _create_loader_before
    with _shared_loader_lock:
        if botocore.session.create_loader is not _create_loader:
            _create_loader_before = botocore.session.create_loader
            botocore.session.create_loader = _create_loader


def unshare_loader() -> None:
    """Put back the ``botocore.session.create_loader`` that :func:`share_loader` replaced (if it is still ours)."""
    with _shared_loader_lock:
        if botocore.session.create_loader is _create_loader:
            botocore.session.create_loader = _create_loader_before


class LocalSession(boto3.session.Session):
    """A :class:`boto3.session.Session` pinned to one local endpoint.

    Every ``client()`` and ``resource()`` call, for every service, is sent to
    ``endpoint_url``: an ``endpoint_url`` argument that names anything else is
    replaced (the SageMaker SDK v2 passes ``endpoint_url=sts_regional_endpoint(...)``
    for STS, which must land here too). A ``before-send`` hook on the
    underlying botocore session refuses, with :class:`LocalBackendError`, any
    request whose URL is not on ``endpoint_url``, so even a client built
    directly from ``session._session`` cannot reach AWS.

    The session carries fake credentials (``testing`` / ``testing``), reads no
    AWS config or credentials file, ignores ``AWS_PROFILE``, never queries the
    EC2 instance metadata service (IMDS) and uses no HTTP(S) proxy.

    Parameters
    ----------
    endpoint_url : str
        ``http://127.0.0.1:PORT`` of the local backend. Must be ``http`` on a
        loopback host.
    region_name : str, default ``"us-east-1"``
        Default region of clients created from this session. A client may
        still ask for another region; it is served by the same endpoint, and
        moto keeps resources separate per region.

    Raises
    ------
    LocalBackendError
        If ``endpoint_url`` is not ``http://`` on ``127.0.0.1``, ``localhost``
        or ``[::1]``.

    Examples
    --------
    >>> session = LocalSession("http://127.0.0.1:5000")
    >>> session.client("sagemaker").meta.endpoint_url
    'http://127.0.0.1:5000'
    """

    def __init__(self, endpoint_url: str, region_name: str = "us-east-1") -> None:
        parts = urlsplit(endpoint_url)
        if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise LocalBackendError(
                reason=f"endpoint {endpoint_url!r} is not http:// on a loopback address"
            )
        self._endpoint_url = endpoint_url.rstrip("/")
        self._endpoint_netloc = parts.netloc
        botocore_session = botocore.session.Session()
        for name, value in _PINNED_CONFIG_VARIABLES.items():
            botocore_session.set_config_variable(name, value)
        # Ignore AWS_PROFILE: a profile that is not in /dev/null would raise
        # ProfileNotFound. (set_config_variable(None) would fall through to the env.)
        botocore_session.get_component("config_store").set_config_provider(
            "profile", botocore.configprovider.ConstantProvider(None)
        )
        botocore_session.register_component("data_loader", _loader())
        # Credentials are explicit; an empty resolver makes sure no provider chain
        # (environment, files, container, IMDS) is ever consulted as a fallback.
        botocore_session.register_component(
            "credential_provider", botocore.credentials.CredentialResolver(providers=[])
        )
        botocore_session.register(
            "before-send", self._refuse_foreign_endpoint, unique_id=_REFUSE_HANDLER_ID
        )
        super().__init__(
            aws_access_key_id=FAKE_ACCESS_KEY_ID,
            aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
            region_name=region_name,
            botocore_session=botocore_session,
        )

    @property
    def endpoint_url(self) -> str:
        """The one endpoint every client of this session uses (``http://127.0.0.1:PORT``)."""
        return self._endpoint_url

    def client(  # type: ignore[override]
        self,
        service_name: str,
        region_name: str | None = None,
        api_version: str | None = None,
        use_ssl: bool = True,
        verify: bool | str | None = None,
        endpoint_url: str | None = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        config: botocore.config.Config | None = None,
        aws_account_id: str | None = None,
    ) -> Any:
        """Create a low-level client for ``service_name`` on the local endpoint.

        Same parameters as :meth:`boto3.session.Session.client`, with these
        differences:

        - ``endpoint_url`` is always :attr:`endpoint_url`; another value is
          replaced (logged at DEBUG).
        - ``config`` is merged over a default of
          ``Config(s3={"addressing_style": "path"})`` and then forced to
          ``proxies={}``, so environment proxies (``HTTP_PROXY``...) are never
          used.

        Returns
        -------
        botocore.client.BaseClient
            The client, e.g. ``SageMaker``, ``SageMakerRuntime``, ``S3``.

        Raises
        ------
        botocore.exceptions.UnknownServiceError
            If botocore has no model for ``service_name``.
        """
        if endpoint_url is not None and endpoint_url.rstrip("/") != self._endpoint_url:
            logger.debug(
                "%s client: endpoint_url %s replaced by the local backend's %s",
                service_name,
                urlsplit(endpoint_url).netloc,
                self._endpoint_netloc,
            )
        merged = botocore.config.Config(s3={"addressing_style": "path"})
        if config is not None:
            merged = merged.merge(config)
        merged = merged.merge(botocore.config.Config(proxies={}))
        return super().client(
            service_name,
            region_name=region_name,
            api_version=api_version,
            use_ssl=use_ssl,
            verify=verify,
            endpoint_url=self._endpoint_url,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            config=merged,
            aws_account_id=aws_account_id,
        )

    def _refuse_foreign_endpoint(self, request: Any, event_name: str = "", **kwargs: Any) -> None:
        """``before-send`` handler: refuse any request not addressed to the local endpoint."""
        parts = urlsplit(request.url)
        if parts.scheme == "http" and parts.netloc == self._endpoint_netloc:
            return None
        operation = event_name.rsplit(".", 1)[-1] if event_name else "a request"
        # Only scheme and host are named: a URL may carry a presigned token.
        raise LocalBackendError(
            reason=(
                f"refused to send {operation} to {parts.scheme}://{parts.hostname}: a client of "
                f"the local backend's session may only reach {self._endpoint_url}"
            )
        )
