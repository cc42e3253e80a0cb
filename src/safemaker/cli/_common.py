"""Shared CLI plumbing: consoles, exit codes, the ``--vpc-profile`` option, error handling."""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import re
import sys
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, TypeVar, overload
from urllib.parse import urlsplit

import typer
from botocore.exceptions import NoCredentialsError

if TYPE_CHECKING:  # pragma: no cover - rich is imported when a console, table or styled text is first made
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

from .._loopback import is_loopback_host
from ..errors import GuardrailViolation, ProfileError, ProfileFieldError, SafemakerError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 3

ENTRY_POINT = False
"""True once :func:`safemaker.cli.main` runs: the command is the process, which exits when it returns
(not a command invoked in a longer-lived process, e.g. by typer's test runner). Process-wide tuning
(:func:`gc.freeze`) is applied then only."""

PIPE_WIDTH = 10_000
"""Width of a console that does not write to a terminal (a pipe, a file, CI logs) while ``COLUMNS``
is not set: wide enough for any table at its natural width, so that no cell is cut or folded."""


_CONSOLE_CLASS: Any = None


def _console_class() -> "type[Console]":
    """The CLI's ``rich.console.Console`` subclass, made (and rich imported) on first use.

    rich (about 45 modules) is imported when a command first prints through a console, a table or a
    styled line, not when the CLI starts: ``safemaker run`` prints nothing before it replaces itself
    with the program (an error does, and loads rich then).
    """
    global _CONSOLE_CLASS
    if _CONSOLE_CLASS is not None:
        return _CONSOLE_CLASS
    from rich.console import Console, ConsoleDimensions

    class _Console(Console):
        """A rich ``Console`` whose width, off a terminal, fits the content.

        Rich gives a console that writes to a pipe the width of whatever terminal
        it finds on stdin/stderr, else 80 columns, and then cuts table cells with
        "…" to fit. Off a terminal, and unless ``COLUMNS`` is set (rich honours it)
        or a width was given, this console reports :data:`PIPE_WIDTH` instead: a
        table is as wide as its content and every line of it is one line of output.
        Decided at each use, since the stream can change (``sys.stdout`` swapped
        by a test runner).
        """

        @property
        def size(self) -> ConsoleDimensions:
            size = super().size
            if self._width is None and not self.is_terminal and not self._environ.get("COLUMNS", "").isdigit():
                return ConsoleDimensions(PIPE_WIDTH, size.height)
            return size

        @size.setter
        def size(self, new_size: tuple[int, int]) -> None:
            Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    _Console.__qualname__ = "_Console"
    _CONSOLE_CLASS = _Console
    return _Console


def make_console(**kwargs: Any) -> "Console":
    """A console as the CLI's: soft wrap and markup off by default, as wide as its content off a terminal."""
    kwargs.setdefault("soft_wrap", True)
    kwargs.setdefault("markup", False)
    return _console_class()(**kwargs)


_CONSOLES = {"out": {}, "err": {"stderr": True}}


def __getattr__(name: str) -> Any:
    """``out`` and ``err``, the CLI's two consoles, made on first use (PEP 562; rich loads then).

    ``out``: stdout, data. Markup is off: printed text is data (IDs, paths, messages with brackets),
    never parsed as rich markup; style with ``rich.text.Text`` instead.
    ``err``: stderr, messages and progress (markup off, as ``out``).
    Each is made once and then is a plain attribute of this module.
    """
    if name in _CONSOLES:
        return globals().setdefault(name, make_console(**_CONSOLES[name]))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _err() -> "Console":
    """:data:`err`, made on first use (what a function of this module prints its messages with)."""
    return globals().get("err") or __getattr__("err")


def table(*headers: str, **kwargs: Any) -> "Table":
    """A ``rich.table.Table`` whose columns fold long values instead of cutting them with "…".

    On a terminal narrower than the table, an ARN or an ID is folded onto the
    next line of its cell rather than shortened: no value is ever lost.
    """
    from rich.table import Table

    t = Table(**kwargs)
    for header in headers:
        t.add_column(header, overflow="fold")
    return t


def _error_line(message: object) -> "Text":
    from rich.text import Text

    return Text.assemble(("error:", "bold red"), " ", str(message))

F = TypeVar("F", bound=Callable[..., Any])

PROFILE_HELP = "VPC profile: a TOML/YAML/JSON file or ssm:<parameter name> (default: $SAFEMAKER_PROFILE, then SAFEMAKER_* variables)."


def profile_option(default: Any = None) -> Any:
    """The shared ``-p/--vpc-profile`` option (envvar ``SAFEMAKER_PROFILE``).

    ``--profile`` is the AWS credentials profile, as in every AWS tool (:func:`aws_profile_option`).
    """
    return typer.Option(default, "--vpc-profile", "-p", help=PROFILE_HELP, envvar="SAFEMAKER_PROFILE",
                        show_envvar=True)


AWS_PROFILE_HELP = ("AWS credentials profile from ~/.aws/config or ~/.aws/credentials, as the AWS CLI's "
                    "--profile (default: $AWS_PROFILE, then the default credential chain).")


def aws_profile_option() -> Any:
    """The shared ``--profile`` option: the AWS named profile for credentials and region.

    A command declares it as ``aws_profile: Optional[str] = aws_profile_option()``;
    :func:`handle_errors` checks the name and applies it (``AWS_PROFILE``) before
    the command runs, so every client and session the command makes uses it.
    """
    return typer.Option(None, "--profile", help=AWS_PROFILE_HELP, show_default=False)


_PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
"""What :func:`use_aws_profile` changes in ``os.environ`` (restored by :func:`handle_errors` afterwards)."""


def use_aws_profile(name: Optional[str]) -> None:
    """Make ``name`` the AWS named profile of this process (``AWS_PROFILE``), after checking it exists.

    A command wrapped by :func:`handle_errors` restores both variables when it
    returns, so a command run in-process (``CliRunner``, a notebook calling
    ``main()``) leaves the caller's environment as it found it.

    Raises
    ------
    typer.Exit
        Exit 2 with a message naming ``--profile``, the value and the profiles
        there are, when ``name`` is not a profile of the AWS config files.
    """
    if not name:
        return
    import botocore.session

    available = botocore.session.Session().available_profiles
    if name not in available:
        known = ", ".join(sorted(available)) or "none"
        raise fail(f"--profile is {name!r}; the AWS config and credentials files have no such profile "
                   f"(profiles there: {known}). Create it with `aws configure --profile {name}`, or "
                   "give the VPC profile with -p/--vpc-profile", EXIT_BAD_INPUT)
    os.environ["AWS_PROFILE"] = name
    os.environ.pop("AWS_DEFAULT_PROFILE", None)


# --------------------------------------------------------------------------- Python names -> CLI flags

_FIELD_RE = re.compile(r"(?P<name>[a-z][a-z0-9_]*)(?:\[\d+\]|\[(?P<q>['\"])(?P<key>[^'\"]*)(?P=q)\])?"
                       r"(?P<rest>(?:\s.*)?)", re.S)
_TEXT_KEYS = ("expected", "fix", "reason", "left_behind")
"""Keyword fields of an error whose words may name a Python parameter (never ``found``/``value``:
those are what the user typed, shown as typed)."""


def command_flags(func: Callable[..., Any], aliases: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """How a typer command spells each of its parameters on the command line.

    Parameters
    ----------
    func : callable
        The command function (decorators made with ``functools.wraps`` are seen through).
    aliases : mapping of str to str, optional
        Library parameter name -> the command's parameter name, where they
        differ (``{"resource_types": "resource_type"}``); an alias to a
        parameter the command does not have is ignored.

    Returns
    -------
    dict of str to str
        Python name -> the option's first long flag (``"--poll-seconds"``) or
        an argument's metavar (``"NAME"``); library names of ``aliases`` included.
    """
    from typer.models import ArgumentInfo, OptionInfo

    flags: dict[str, str] = {}
    for name, param in inspect.signature(func).parameters.items():
        default = param.default
        if isinstance(default, OptionInfo):
            decls = [d for decl in (default.param_decls or ()) for d in decl.split("/")]
            longs = [d for d in decls if d.startswith("--")]
            flags[name] = longs[0] if longs else (decls[0] if decls else "--" + name.replace("_", "-"))
        elif isinstance(default, ArgumentInfo):
            flags[name] = name.upper()
    for library_name, command_name in (aliases or {}).items():
        if command_name in flags:
            flags[library_name] = flags[command_name]
    return flags


def _flag_field(field: str, flags: Mapping[str, str]) -> str:
    """``"resource_types[0]"`` -> ``"--resource-type"``; ``"name (NotebookInstanceName)"`` -> ``"NAME (...)"``;
    a mapping entry ``"inputs['train']"`` -> ``"--channel train"`` (the flag and the NAME of its NAME=VALUE)."""
    m = _FIELD_RE.fullmatch(field)
    if m is None or m.group("name") not in flags:
        return field
    key = f" {m.group('key')}" if m.group("key") is not None else ""
    return flags[m.group("name")] + key + m.group("rest")


def _flag_text(text: str, flags: Mapping[str, str]) -> str:
    """Replace parameter names in prose (``"Pass poll_seconds= a number"``, ``"force=True"``) with their flags.

    A snake_case name is replaced wherever it stands; a plain word (``name``, ``force``) only when it
    is written as a switch turned on (``force=True``): in a sentence, or as a key (``safemaker:stack=ifsm``),
    it is a word. ``=True`` after a name goes with it (``force=True`` -> ``--force``).
    """
    names = sorted(flags, key=len, reverse=True)
    if not names:
        return text
    pattern = re.compile(r"(?<![\w.-])(" + "|".join(map(re.escape, names)) + r")(?:(=True)\b|\b(=?))")

    def flag(m: "re.Match[str]") -> str:
        name = m.group(1)
        if "_" not in name and not m.group(2):
            return m.group(0)
        return flags[name]

    return pattern.sub(flag, text)


def cli_message(exc: BaseException, flags: Mapping[str, str]) -> str:
    """The message of ``exc`` with library parameter names replaced by the command's flags.

    A library user calls ``create_closed_notebook_instance(timeout_seconds=0)``
    and reads ``timeout_seconds is 0.0``; a CLI user typed ``--timeout-seconds 0``
    and reads ``--timeout-seconds is 0.0``. The message is re-made from the
    error's named fields (``field``, ``expected``, ``fix``, ``reason``...; each
    ``ProfileFieldError`` of ``errors``) with the class's ``fmt``; the value
    found is never rewritten. A :class:`ProfileError` is left as it is (its
    fields are the profile's, not the command's).
    """
    message = str(exc)
    kwargs = getattr(exc, "kwargs", None)
    fmt = getattr(type(exc), "fmt", None)
    if isinstance(exc, ProfileError) or not isinstance(kwargs, dict) or not isinstance(fmt, str) or not flags:
        return message
    render = getattr(type(exc), "render", fmt.format)
    try:
        remade = render(**kwargs)
    except (KeyError, IndexError, ValueError):
        remade = None
    if remade != message:
        # The message was changed after construction (a note on what was left behind): rewrite its
        # prose as a whole, unless it holds a value the user typed, which must be shown as typed.
        return message if ("found" in kwargs or "value" in kwargs) else _flag_text(message, flags)
    mapped = dict(kwargs)
    if isinstance(mapped.get("field"), str):
        mapped["field"] = _flag_field(mapped["field"], flags)
    for key in _TEXT_KEYS:
        if isinstance(mapped.get(key), str):
            mapped[key] = _flag_text(mapped[key], flags)
    errors = mapped.get("errors")
    if isinstance(mapped.get("details"), str) and isinstance(errors, list) and errors and all(
            isinstance(e, ProfileFieldError) for e in errors):
        details = "\n".join(f"  - {e}" for e in errors)
        if details == mapped["details"]:
            mapped["details"] = "\n".join(
                f"  - {ProfileFieldError(_flag_field(e.field, flags), e.found, _flag_text(e.expected, flags))}"
                for e in errors)
    return render(**mapped)


# --------------------------------------------------------------------------- errors -> exit codes


@overload
def handle_errors(func: F) -> F: ...
@overload
def handle_errors(*, aliases: Mapping[str, str]) -> Callable[[F], F]: ...
def handle_errors(func: Optional[F] = None, *, aliases: Optional[Mapping[str, str]] = None) -> Any:
    """Map safemaker errors to exit codes: bad input 2 (profile, refused call, any safemaker
    error that is also a ``ValueError``), other errors 1.

    The message goes to stderr, with the library's parameter names replaced by
    the command's flags (:func:`cli_message`); no traceback for expected errors.
    Use as ``@handle_errors`` or, where the library names a parameter
    differently from the command, ``@handle_errors(aliases={"regions": "region"})``.
    """
    if func is None:
        return functools.partial(handle_errors, aliases=aliases)
    flags_cache: list[dict[str, str]] = []

    def flags() -> dict[str, str]:
        if not flags_cache:
            flags_cache.append(command_flags(func, aliases))  # type: ignore[arg-type]
        return flags_cache[0]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _LOCAL_SEEN.set([])
        with warnings.catch_warnings():  # restores the filters and showwarning afterwards
            _show_relaxations_on_stderr()
            return _run(args, kwargs, token)

    def _run(args: Any, kwargs: Any, token: Any) -> Any:
        saved = {name: os.environ.get(name) for name in _PROFILE_VARIABLES}
        try:
            use_aws_profile(kwargs.get("aws_profile"))
            return func(*args, **kwargs)
        except (ProfileError, GuardrailViolation) as exc:
            _err().print(_error_line(exc), highlight=False)
            _credentials_hint(exc, kwargs)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except SafemakerError as exc:
            _err().print(_error_line(cli_message(exc, flags())), highlight=False)
            _credentials_hint(exc, kwargs)
            raise typer.Exit(EXIT_BAD_INPUT if isinstance(exc, ValueError) else EXIT_ERROR) from None
        except NoCredentialsError as exc:
            _err().print(_error_line(f"{type(exc).__name__}: {exc}; configure AWS credentials (aws configure, "
                                  "AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and re-run"),
                      highlight=False)
            _credentials_hint(exc, kwargs)
            raise typer.Exit(EXIT_ERROR) from None
        finally:
            _LOCAL_SEEN.reset(token)
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    return wrapper


def _show_relaxations_on_stderr() -> None:
    """Inside ``warnings.catch_warnings()``: print each ProfileRelaxationWarning once as ``warning: ...``.

    A ``SAFEMAKER_<FIELD>`` variable that loosens the guard (for instance
    ``SAFEMAKER_REQUIRE_NETWORK_ISOLATION=false``) must be seen by whoever runs
    any command that loads the profile (check, policy render, audit, doctor...),
    not only ``profile show``. Other warnings keep Python's handling.
    """
    from ..profile import ProfileRelaxationWarning

    warnings.simplefilter("always", ProfileRelaxationWarning)
    shown: set[str] = set()
    previous = warnings.showwarning

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: Optional[str] = None) -> None:
        if isinstance(category, type) and issubclass(category, ProfileRelaxationWarning):
            text = str(message)
            if text not in shown:  # a command may load its profile more than once
                shown.add(text)
                _err().print(f"warning: {text}", highlight=False, soft_wrap=True)
            return
        previous(message, category, filename, lineno, file, line)

    warnings.showwarning = show


LOCAL_CREDENTIALS_HINT = ("for a local endpoint any credentials work: export AWS_ACCESS_KEY_ID=testing "
                          "AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true")
"""Printed (after ``hint: ``) when a command aimed at a loopback endpoint found no AWS credentials."""

_LOCAL_SEEN: contextvars.ContextVar[Optional[list[str]]] = contextvars.ContextVar(
    "safemaker_cli_local_endpoints", default=None)


def _lacks_credentials(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, botocore's ``NoCredentialsError``."""
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, NoCredentialsError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _command_local_endpoint(kwargs: Mapping[str, Any]) -> Optional[str]:
    """The loopback endpoint the command talks to: ``--endpoint-url``, a client it noted, ``AWS_ENDPOINT_URL``."""
    seen = _LOCAL_SEEN.get() or []
    return (local_endpoint(kwargs.get("endpoint_url")) or (seen[0] if seen else None)
            or local_endpoint(os.environ.get("AWS_ENDPOINT_URL")))


def _credentials_hint(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    if _lacks_credentials(exc) and _command_local_endpoint(kwargs):
        _err().print(f"hint: {LOCAL_CREDENTIALS_HINT}", highlight=False)


HUMAN_FORMAT = "text"
"""Name of the human-readable ``--format`` of every command that reports results (the default)."""

FORMAT_ALIASES = {"table": HUMAN_FORMAT}
"""Old names still accepted by ``--format`` (``table`` was the human format of doctor, infra plan,
profile show and rules before 0.1.0 settled on ``text``)."""


def human_format(value: str, allowed: tuple[str, ...]) -> str:
    """``--format`` ``value`` with its alias resolved (``table`` -> ``text``); exit 2 when not ``allowed``.

    Parameters
    ----------
    value : str
        What the user gave.
    allowed : tuple of str
        The command's formats (``text`` first).

    Returns
    -------
    str
        One of ``allowed``.

    Raises
    ------
    typer.Exit
        Code 2, after printing the value found and the formats expected.
    """
    resolved = FORMAT_ALIASES.get(value, value)
    if resolved not in allowed:
        raise fail(f"--format is {value!r}; expected one of {', '.join(allowed)}", EXIT_BAD_INPUT)
    return resolved


def fail(message: str, code: int = EXIT_BAD_INPUT) -> "typer.Exit":
    """Print ``message`` to stderr and return the ``typer.Exit`` to raise."""
    _err().print(_error_line(message), highlight=False)
    return typer.Exit(code)


def is_interactive() -> bool:
    """``True`` when stdin is a terminal (confirmation prompts allowed)."""
    return sys.stdin is not None and sys.stdin.isatty()


# --------------------------------------------------------------------------- local endpoints


def local_endpoint(url: Optional[str]) -> Optional[str]:
    """``scheme://host[:port]`` of ``url`` when its host is a loopback address, else ``None``.

    Parameters
    ----------
    url : str or None
        An endpoint URL (a client's ``meta.endpoint_url``, ``--endpoint-url``).

    Returns
    -------
    str or None
        The endpoint without user info, path or query (``http://127.0.0.1:5000``),
        for 127.0.0.0/8, ``::1`` (also IPv4-mapped), ``localhost`` and ``*.localhost``.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not is_loopback_host(host):
        return None
    shown = f"[{host}]" if host and ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port else "")


def note_local_endpoints(clients: Iterable[Any]) -> None:
    """Print one stderr line per distinct loopback endpoint the ``clients`` talk to.

    ``note: talking to a local endpoint (http://127.0.0.1:PORT): results are
    emulated, not from AWS``. The endpoint is the one botocore resolved
    (``--endpoint-url``, ``AWS_ENDPOINT_URL*``, the config file). stdout is
    never written, so JSON and SARIF output stay valid.
    """
    seen: list[str] = []
    for client in clients:
        if client is None:
            continue
        local = local_endpoint(getattr(getattr(client, "meta", None), "endpoint_url", None))
        if local and local not in seen:
            seen.append(local)
            noted = _LOCAL_SEEN.get()
            if noted is not None and local not in noted:
                noted.append(local)
            _err().print(f"note: talking to a local endpoint ({local}): results are emulated, not from AWS",
                      highlight=False)


class ClientRecorder:
    """A boto3 session stand-in that records the clients made from it (and can set their endpoint).

    For library calls that take ``boto3_session`` and make their clients
    inside (``safemaker.audit.run``): the CLI learns which endpoints they talk
    to (:func:`note_local_endpoints`), and ``--endpoint-url`` reaches them.

    Parameters
    ----------
    session : boto3.session.Session
    endpoint_url : str, optional
        Passed to every ``client()`` call that does not give one.
    """

    def __init__(self, session: Any, endpoint_url: Optional[str] = None) -> None:
        self.session = session
        self.endpoint_url = endpoint_url
        self.clients: list[Any] = []

    def client(self, *args: Any, **kwargs: Any) -> Any:
        """``session.client(...)``, with ``endpoint_url`` set, recorded in :attr:`clients`."""
        if self.endpoint_url is not None:
            kwargs.setdefault("endpoint_url", self.endpoint_url)
        made = self.session.client(*args, **kwargs)
        self.clients.append(made)
        return made

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def read_request_file(path: str, label: str) -> dict[str, Any]:
    """Read request parameters from a JSON or YAML file (``-``: stdin) for ``check`` / ``policy simulate``.

    Parameters
    ----------
    path : str
        File path, or ``"-"`` for standard input.
    label : str
        How messages name the input (``"request file x.yaml"``, ``"--request x.yaml"``).

    Returns
    -------
    dict
        The parameters, in boto3's shapes.

    Raises
    ------
    typer.Exit
        Exit 2 (after printing why) when the file cannot be read, is not JSON
        or YAML, is not an object, or repeats a key in one mapping: YAML and
        JSON parsers keep the last value silently, so the request checked
        would not be the one its author read.
    """
    import yaml

    from ..profile._yaml import UniqueKeyLoader

    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
    except OSError as exc:
        raise fail(f"{label}: cannot read it ({exc.strerror}); give a JSON or YAML file, or - for stdin")
    except UnicodeDecodeError as exc:
        raise fail(f"{label}: not UTF-8 text (byte {exc.start}); give the request parameters as a JSON or "
                   "YAML object")
    loader = UniqueKeyLoader(text)  # JSON is YAML
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise fail(f"{label}: not valid JSON or YAML{where}; give the request parameters as an object")
    finally:
        loader.dispose()
    if loader.repeated_keys:
        path_, texts, marks = sorted(loader.repeated_keys, key=lambda r: r[2][0].index)[0]
        lines = ", ".join(str(m.line + 1) for m in marks)
        more = len(loader.repeated_keys) - 1
        raise fail(f"{label}: the key {path_!r} is given {len(marks)} times in one mapping (lines {lines})"
                   + (f", and {more} other key(s) are repeated" if more else "")
                   + "; a parser would keep only the last value silently: keep each key once")
    if not isinstance(data, dict):
        found = "an empty document" if data is None else f"a {type(data).__name__}"
        raise fail(f"{label}: found {found}; expected an object of request parameters")
    return data
