"""Shared test setup: fake AWS credentials, no AWS config, no network but loopback.

Every test except those marked ``e2e`` runs with (an ``e2e`` test is skipped unless
``SAFEMAKER_DEV_E2E`` is set: see ``tests/dev_env.py``, the suite's own variables):

- ``AWS_*`` variables cleared, then fake credentials (``testing``), region
  ``us-east-1``, ``AWS_EC2_METADATA_DISABLED=true`` and the AWS config and
  credentials files pointed at ``/dev/null``; ``boto3.DEFAULT_SESSION`` unset;
- ``MOTO_EC2_LOAD_DEFAULT_AMIS=false`` (moto's EC2 backends start without public AMIs);
- ``PYDANTIC_DISABLE_PLUGINS=__all__`` when no pydantic plugin is installed (the same empty set of
  plugins, without pydantic's scan of every installed package for one in each Python the suite starts:
  ``_no_pydantic_plugin_scan``);
- ``COLUMNS`` and ``LINES`` unset, so that the CLI's tables do not depend on
  the terminal (or the pytest-xdist worker, which has ``COLUMNS=80``) that runs
  the tests; a test that needs a width sets it;
- outbound connections refused unless they go to a loopback address, and
  DNS lookups refused for any other host name: a test that would reach AWS
  (or anything else) fails loudly with
  :class:`safemaker.pytest_plugin.OutboundNetworkBlocked` instead. The guard
  and the fake environment are defined once, in :mod:`safemaker.pytest_plugin`
  (``loopback_only``, ``FAKE_AWS_ENVIRONMENT``); the benchmarks use the same
  (``offline_aws``);
- every pipeline definition a test decides is decided a second time by the
  general path (every expression of every step substituted), and must come out
  the same (``_decide_pipeline_definitions_both_ways``).

The local backend fixtures (``safemaker_local``, ``safemaker_session``) come
from the ``safemaker.pytest_plugin`` entry point. The closed-network profile of
the tests is ``profile`` (and ``profile_factory`` for a variant): its values and
factory live once, in ``tests/_profiles.py``.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator

import _profiles
import boto3
import dev_env
import pytest
from sdk_markers import (  # noqa: F401  (sdk/sdk2/sdk3 markers: skip under the other major; --sdk-only)
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_ignore_collect,
)

from safemaker.pytest_plugin import FAKE_AWS_ENVIRONMENT, loopback_only

if os.environ.get("PYTEST_XDIST_WORKER"):
    # A pytest-xdist worker starts with COLUMNS=80 that the command line did not set; rich reads
    # COLUMNS when a console is made (safemaker.cli's consoles: at import), so drop it before any
    # test imports the CLI (the per-test fixture below drops it again for what a test runs).
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)


def _no_pydantic_plugin_scan() -> None:
    """``PYDANTIC_DISABLE_PLUGINS=__all__`` for the test processes and every Python they start, when the
    environment has no pydantic plugin (no ``pydantic`` entry point): the same (empty) set of plugins, without
    the scan of every installed distribution's ``entry_points.txt`` that pydantic makes (``get_plugins``) when
    a process builds its first model, ~50 ms of CPU in each of the suite's hundreds of Python children that
    load a profile (``safemaker run``, the CLI, guarded children; ~0.5 s of CPU each to start). Set once, by
    the first pytest process (xdist's workers and the children inherit it); a value already set is kept."""
    if "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        return
    from importlib.metadata import entry_points

    if not entry_points(group="pydantic"):
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"


_no_pydantic_plugin_scan()


_SET_BY_OTHERS = frozenset({
    "PYTEST_CURRENT_TEST",  # pytest's own
    "KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK",  # scikit-learn's __init__ sets them (setdefault) when first imported
})
"""Variables that pytest or a library's first import sets for the rest of the process: not a test's leak."""


@pytest.fixture(autouse=True)
def _offline_aws(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test runs with the fake AWS environment and the loopback-only guard, and leaves ``os.environ``
    exactly as it found it: a variable a test (or the code it runs in-process) sets without monkeypatch is
    reported as an error of that test and removed. A leak is otherwise seen by whatever comes next outside
    this fixture: module- and session-scoped fixtures are set up before it (a leaked ``AWS_PROFILE`` named a
    profile of a config file that was gone, and another module's fixture failed with ProfileNotFound)."""
    before = dict(os.environ)
    yield from _offline_environment(request, monkeypatch)
    monkeypatch.undo()
    changed = sorted(name for name in before.keys() | os.environ.keys()
                     if before.get(name) != os.environ.get(name) and name not in _SET_BY_OTHERS)
    if changed:
        for name in changed:
            if name in before:
                os.environ[name] = before[name]
            else:
                del os.environ[name]
        pytest.fail(f"{request.node.nodeid} left os.environ changed ({', '.join(changed)}); set variables with "
                    "monkeypatch.setenv, or restore them", pytrace=False)


def _offline_environment(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if request.node.get_closest_marker("e2e"):
        if not os.environ.get(dev_env.E2E):
            pytest.skip(f"reaches a real AWS account: set {dev_env.E2E}=1 (and select it with -m e2e)")
        yield
        return
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in FAKE_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    # moto's EC2 backend otherwise makes a few hundred public AMIs in each region it is asked
    # about, again after each reset, and the local backend's snapshots copy them: no test runs an
    # instance from one of those (ImageId is not checked: moto's AMI validation is off).
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    for name in ("COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    with loopback_only():
        yield


_BOTOCORE_CREATE_LOADER: list = []


def pytest_configure(config: pytest.Config) -> None:
    """Every botocore session of the test process reads botocore's data with one loader, from collection on.

    A new session (each ``boto3.Session()`` of the CLI under test, of moto's server, of a test, and of
    the test modules that read botocore's models when they are collected, to parametrize) otherwise
    parses the JSON of each service model it uses and of ``endpoints.json`` again (ec2's model alone
    ~0.2 s of CPU); the loader caches what it read (read-only dicts, as within one session). A
    session with its own data path (``AWS_DATA_PATH``) still gets a loader of its own. A test that
    checks how safemaker itself shares a loader asks for ``own_botocore_loaders``."""
    import botocore.session

    create_loader = botocore.session.create_loader
    shared = create_loader()

    def loader(search_path_string: str | None = None) -> object:
        return shared if search_path_string is None else create_loader(search_path_string)

    _BOTOCORE_CREATE_LOADER.append(create_loader)
    botocore.session.create_loader = loader
    _share_botocore_event_aliases()
    _share_botocore_kwargs_checks()
    _share_botocore_client_methods()
    _share_typer_commands()
    if getattr(config.option, "dist", "no") == "loadfile" or hasattr(config, "workerinput"):
        import xdist_order   # files handed to xdist workers longest first (tests/xdist_order.py)

        xdist_order.register(config)


_BOTOCORE_ALIASER_INIT: list = []


def _share_botocore_event_aliases() -> None:
    """Every botocore session of the test process shares one cache of event-name aliases.

    A new session registers ~130 built-in handlers, and its ``EventAliaser`` rewrites each event
    name through botocore's ``EVENT_ALIASES`` (old service names: a loop of splits and look-ups per
    name) into a cache of its own, so every session computed the same names again: ~10% of the CPU of
    the tests that run the CLI in-process (each run makes its own ``boto3.Session``). The alias of a
    name is a function of the name and that table alone, so sessions with botocore's own table share
    one cache here; an ``EventAliaser`` given another table keeps its own."""
    import botocore.hooks

    init = botocore.hooks.EventAliaser.__init__
    shared: dict[str, str] = {}

    def aliaser_init(self: botocore.hooks.EventAliaser, event_emitter: object,
                     event_aliases: dict[str, str] | None = None) -> None:
        init(self, event_emitter, event_aliases)
        if event_aliases is None:
            self._alias_name_cache = shared

    _BOTOCORE_ALIASER_INIT.append(init)
    botocore.hooks.EventAliaser.__init__ = aliaser_init  # type: ignore[method-assign]


_BOTOCORE_ACCEPTS_KWARGS: list = []


def _share_botocore_kwargs_checks() -> None:
    """botocore checks each handler a session registers once per function, not once per session.

    ``HierarchicalEmitter.register`` asks ``accepts_kwargs(handler)`` (``inspect.getfullargspec``) for each of
    the ~130 built-in handlers every new session registers: ~2.5 ms of a session's ~10 ms of CPU. Whether a
    function takes ``**kwargs`` is a property of its code, so the answer is kept per plain function (a bound
    method's ``__func__``); any other callable is asked each time, as botocore does."""
    import inspect

    import botocore.hooks

    accepts_kwargs = botocore.hooks.accepts_kwargs
    known: dict[object, bool] = {}

    def shared(func: object) -> bool:
        code = getattr(func, "__func__", func)
        if not inspect.isfunction(code):
            return accepts_kwargs(func)
        answer = known.get(code)
        if answer is None:
            answer = known[code] = bool(accepts_kwargs(func))
        return answer

    _BOTOCORE_ACCEPTS_KWARGS.append(accepts_kwargs)
    botocore.hooks.accepts_kwargs = shared


_BOTOCORE_CLIENT_CREATOR: list = []


def _share_botocore_client_methods() -> None:
    """A client of a service gets the service model and the API methods made for the first client of it.

    botocore makes a new ``ServiceModel`` for every client (``ClientCreator._load_service_model``) and builds
    every operation's model again to make the client class's methods (``_create_methods``: 434 operations for
    SageMaker, 830 for EC2): most of the ~9 ms of CPU that a SageMaker client costs, paid by each of the
    thousands of clients the suite makes (a new session per test, and the CLI and the guard make their own).
    The model read from one loader's JSON (the same dict: :func:`pytest_configure` shares the loader) is the same
    model, so one ``ServiceModel`` is kept per JSON document and service name; a method only calls
    ``_make_api_call`` with its operation name, so the methods made from one model are kept too, and each client
    class gets a copy of that dict (``creating-client-class`` handlers still see and change their own). A loader
    of its own (``AWS_DATA_PATH``, ``own_botocore_loaders``) reads other dicts and gets models of its own."""
    from botocore.client import ClientCreator
    from botocore.model import ServiceModel

    load_service_model, create_methods = ClientCreator._load_service_model, ClientCreator._create_methods
    models: dict[tuple[int, str], tuple[object, ServiceModel]] = {}
    methods: dict[int, tuple[ServiceModel, dict]] = {}

    def shared_model(self: ClientCreator, service_name: str, api_version: str | None = None) -> ServiceModel:
        json_model = self._loader.load_service_model(service_name, "service-2", api_version=api_version)
        seen = models.get((id(json_model), service_name))
        if seen is None or seen[0] is not json_model:
            seen = models[(id(json_model), service_name)] = (json_model, ServiceModel(json_model, service_name))
        return seen[1]

    def shared_methods(self: ClientCreator, service_model: ServiceModel) -> dict:
        seen = methods.get(id(service_model))
        if seen is None or seen[0] is not service_model:
            seen = methods[id(service_model)] = (service_model, create_methods(self, service_model))
        return dict(seen[1])

    _BOTOCORE_CLIENT_CREATOR.append((load_service_model, create_methods))
    ClientCreator._load_service_model = shared_model  # type: ignore[method-assign]
    ClientCreator._create_methods = shared_methods  # type: ignore[method-assign]


_TYPER_GET_COMMAND: list = []


def _share_typer_commands() -> None:
    """``CliRunner.invoke(app, ...)`` builds the click command of ``app`` once, not at every invocation.

    typer's runner turns the app into a click command again for each call (``typer.main.get_command``:
    a signature and the type hints of every command function; ~28 ms of CPU for safemaker's CLI, more
    than many of the commands it runs). Click makes a new context for every invocation and keeps no state
    of a run in the command, so the command made for an app is kept while the app's registered callback,
    commands and groups are the same objects (a test that adds a command gets a new one)."""
    import typer.testing

    get_command = typer.testing._get_command
    built: dict[int, tuple[object, tuple, object]] = {}

    def shape(app: object) -> tuple:
        return (id(getattr(app, "registered_callback", None)),
                tuple(id(c) for c in getattr(app, "registered_commands", ())),
                tuple((id(g), shape(g.typer_instance)) for g in getattr(app, "registered_groups", ())))

    def shared(app: object) -> object:
        seen = built.get(id(app))
        now = shape(app)
        if seen is not None and seen[0] is app and seen[1] == now:
            return seen[2]
        command = get_command(app)
        built[id(app)] = (app, now, command)
        return command

    _TYPER_GET_COMMAND.append(get_command)
    typer.testing._get_command = shared


def pytest_collection_finish(session: pytest.Session) -> None:
    """Everything collection built (the test modules, the libraries they import: botocore's models, the
    SageMaker SDK, moto) lives until the process ends: moved out of the garbage collector's generations
    (:func:`gc.freeze`), so that the collector's full passes during the tests do not walk it again each
    time; and the tests' own allocations (botocore clients, moto backends, CLI runs: many objects that
    live for a test) start a young collection every 20,000 net allocations instead of 700 (Python's
    default), which promotes fewer of them to the older generations that the full passes walk.
    test_infra_cli + test_sdk_v2_session + test_doctor in one process: the collector's passes took
    11.1 s of 52.8 s of CPU with the freeze alone, 4.3 s of 46.6 s with both (gc.callbacks, process time).
    The thresholds change when cyclic garbage is freed, never whether: nothing in the suite waits for it."""
    import gc

    _decide_pipeline_definitions_both_ways()
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 10)


_PIPELINE_CHECK: list = []
_PIPELINE_DIFFERENCES: list[str] = []
_PIPELINE_ORACLE = [True]  # off in the modules that compare the two paths themselves (COMPARES_PIPELINE_PATHS)


def _decide_pipeline_definitions_both_ways() -> None:
    """Every pipeline definition a test decides is decided twice: as safemaker does (each step's expressions
    substituted where its decision reads, ``safemaker.pipeline._read_paths``) and by the general path
    (``walk_reads=False``: every expression of every step substituted), and the two results must be equal
    (violations with their messages, references, steps). A difference fails the test that made it (in its
    teardown, even when the code under test caught the AssertionError raised at the call). The differential
    oracle of the read paths, over every definition the suite uses (tests/unit/test_pipeline_differential.py
    adds generated ones, through the guard's decide / check / apply)."""
    from safemaker import pipeline

    general = pipeline._check_definition

    def both(document: object, profile: object, operation: str, prefix: str, parameter_values: object,
             walk_reads: bool | None = None, **kwargs: object) -> object:
        result = general(document, profile, operation, prefix, parameter_values, walk_reads, **kwargs)
        if walk_reads is None and pipeline._WALK_READS and _PIPELINE_ORACLE[0]:
            reference = general(document, profile, operation, prefix, parameter_values, False, **kwargs)
            if result != reference:
                text = (f"{operation} {prefix} of {str(document)[:300]!r}: read paths {result.violations!r} "
                        f"{result.references!r} != general path {reference.violations!r} {reference.references!r}")
                _PIPELINE_DIFFERENCES.append(text)
                raise AssertionError(f"pipeline definition decided differently: {text}")
        return result

    _PIPELINE_CHECK.append(general)
    pipeline._check_definition = both  # type: ignore[assignment]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """The comparison of the two paths (above) is left to a test module that makes it itself
    (``COMPARES_PIPELINE_PATHS = True``: it would only be made twice)."""
    _PIPELINE_ORACLE[0] = not getattr(getattr(item, "module", None), "COMPARES_PIPELINE_PATHS", False)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Fail the test that decided a pipeline definition differently on the two paths (see above)."""
    if _PIPELINE_DIFFERENCES:
        found = list(_PIPELINE_DIFFERENCES)
        _PIPELINE_DIFFERENCES.clear()
        pytest.fail("\n".join(found), pytrace=False)


def pytest_unconfigure(config: pytest.Config) -> None:
    """botocore's own ``create_loader``, ``EventAliaser``, ``accepts_kwargs`` and ``ClientCreator`` methods, typer's
    ``get_command`` back (:func:`pytest_configure`), and the pipeline module's own ``_check_definition``
    (:func:`pytest_collection_finish`).

    Then what the tests left alive is frozen too (:func:`gc.freeze`): the process ends with the session, and
    Python's finalisation would run full collections over it (~0.5 s of CPU per xdist worker of
    ``tests/unit``, more with the SDK and moto loaded); it is freed with the process."""
    import gc

    import botocore.session

    if _BOTOCORE_CREATE_LOADER:
        botocore.session.create_loader = _BOTOCORE_CREATE_LOADER.pop()
    if _BOTOCORE_ALIASER_INIT:
        import botocore.hooks

        botocore.hooks.EventAliaser.__init__ = _BOTOCORE_ALIASER_INIT.pop()  # type: ignore[method-assign]
    if _BOTOCORE_ACCEPTS_KWARGS:
        import botocore.hooks

        botocore.hooks.accepts_kwargs = _BOTOCORE_ACCEPTS_KWARGS.pop()
    if _BOTOCORE_CLIENT_CREATOR:
        from botocore.client import ClientCreator

        ClientCreator._load_service_model, ClientCreator._create_methods = _BOTOCORE_CLIENT_CREATOR.pop()
    if _TYPER_GET_COMMAND:
        import typer.testing

        typer.testing._get_command = _TYPER_GET_COMMAND.pop()
    if _PIPELINE_CHECK:
        from safemaker import pipeline

        pipeline._check_definition = _PIPELINE_CHECK.pop()  # type: ignore[assignment]
    gc.freeze()


@pytest.fixture
def own_botocore_loaders(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's own ``create_loader`` for the test: a new loader for each new session."""
    import botocore.loaders
    import botocore.session

    monkeypatch.setattr(botocore.session, "create_loader", botocore.loaders.create_loader)


@pytest.fixture(autouse=True)
def _no_process_guard_left(_offline_aws: None) -> object:
    """A process guard (``install_process``, or turned on by a ClosedNetworkSession) ends with its test.

    Torn down before ``_offline_aws`` (it depends on it): turning the guard off puts back the variables it
    exported for child Pythons, before ``_offline_aws`` checks that the test left ``os.environ`` as it was."""
    yield
    import sys

    process = sys.modules.get("safemaker.process")
    if process is not None:
        process.uninstall_process()


@pytest.fixture(scope="module")
def profile() -> object:
    """The tests' ``VpcProfile`` (``_profiles.make_profile()``: us-east-1, ``VPC``, subnets ``SUB_A`` and
    ``SUB_C``, ``SG``, ``ROLE``). Immutable, so one per module; a module needing another defines its own."""
    return _profiles.make_profile()


@pytest.fixture(scope="session")
def profile_factory() -> object:
    """``_profiles.make_profile``: ``profile_factory(subnets=[SUB_A])`` is the profile with that change."""
    return _profiles.make_profile


@pytest.fixture
def botocore_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays botocore's standard/adaptive retry mode computes before each retry, recorded instead
    of slept (botocore's own ``ExponentialBackoff``: random jitter, capped at 20 s). One entry per retry."""
    from botocore.retries.standard import ExponentialBackoff

    delays: list[float] = []
    computed = ExponentialBackoff.delay_amount

    def record(self: ExponentialBackoff, context: object) -> float:
        delays.append(computed(self, context))
        return 0.0

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", record)
    return delays


@pytest.fixture
def outbound_attempts() -> Iterator[list[str]]:
    """Every host outside loopback that the test tried to reach, in order (each still refused).

    Records each ``socket.getaddrinfo`` / ``connect`` target that ``loopback_only`` refuses,
    including those that the code under test catches and swallows (the SDK's telemetry does).
    Torn down before ``_offline_aws`` (an autouse fixture set up first), so the guard's own
    functions are restored in order.
    """
    import socket

    from safemaker.local.offline import is_allowed_host

    attempts: list[str] = []
    guarded_getaddrinfo, guarded_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not is_allowed_host(host):
            attempts.append(host.decode() if isinstance(host, bytes) else str(host))
        return guarded_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):  # type: ignore[no-untyped-def]
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_allowed_host(host):
            attempts.append(str(host))
        return guarded_connect(self, address)

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield attempts
    finally:
        socket.getaddrinfo = guarded_getaddrinfo  # type: ignore[assignment]
        socket.socket.connect = guarded_connect  # type: ignore[method-assign]


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every logger at DEBUG into a buffer (a handler on the root logger, ``%(name)s %(message)s``), as an
    application that turns DEBUG on does; the root's level and handlers restored after the test. Yields the buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
