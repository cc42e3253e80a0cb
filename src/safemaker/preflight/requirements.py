"""Will ``pip install -r requirements.txt`` work in a closed network? Read the file, as pip would.

The containers install a source directory's ``requirements.txt`` at start: the
SageMaker training toolkit (``sagemaker_training.modules.install`` runs
``python -m pip install . -r requirements.txt`` in the code directory), SDK v2's
``FrameworkProcessor`` (``runproc.sh``), SDK v3's ``install_requirements.py``
(which also honours ``CA_REPOSITORY_ARN``) and the inference toolkits
(``code/requirements.txt``). pip reads the options of pip's requirements-file
format: ``--no-index``, ``-f/--find-links``, ``-i/--index-url``,
``--extra-index-url``, ``-r``/``-c`` includes, ``-e``; relative
``--find-links`` paths are taken relative to the requirements file.

It works closed when every requirement comes from files shipped with the code
(``--no-index`` with local ``--find-links``, or local wheel paths), or, without
network isolation, from AWS hosts reachable through VPC endpoints (AWS
CodeArtifact, S3).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from ._net import is_aws_host, is_codeartifact_host, is_local_path, url_host

__all__ = ["RequirementProblem", "analyse_requirements", "read_requirements"]

PUBLIC_INDEX = "https://pypi.org/simple"
"""pip's default index (``--index-url`` default)."""

MAX_INCLUDE_DEPTH = 8

_COMMENT = re.compile(r"(^|\s+)#.*$")
_SCHEME = re.compile(r"^(git\+)?[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_PEP508_URL = re.compile(r"@\s*(\S+://\S+)")
_URL_REQ = re.compile(r"(^[a-z][a-z0-9+.-]*://)|(@\s*[a-z][a-z0-9+.-]*://)|(^git\+)", re.IGNORECASE)


@dataclass(frozen=True)
class RequirementProblem:
    """One line of a requirements file that would reach past the closed network.

    Attributes
    ----------
    file : str
        The requirements file, as named to the user (``"src/requirements.txt"``).
    line_no : int
        1-based line number (of the first physical line of a continued line).
    line : str
        The line, comments removed.
    reason : str
        What pip would try to reach, in words.
    """

    file: str
    line_no: int
    line: str
    reason: str

    def describe(self) -> str:
        """``"<file> line <n> '<line>': <reason>"``."""
        return f"{self.file} line {self.line_no} {self.line!r}: {self.reason}"


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """pip's joining of ``\\``-continued lines and comment stripping; ``(first line number, text)``."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    start = 0
    for no, raw in enumerate(text.splitlines(), start=1):
        if not buf:
            start = no
        if raw.endswith("\\") and not _COMMENT.search(raw):
            buf.append(raw[:-1])
            continue
        buf.append(raw)
        line = _COMMENT.sub("", " ".join(buf)).strip()
        buf = []
        if line:
            out.append((start, line))
    if buf:
        line = _COMMENT.sub("", " ".join(buf)).strip()
        if line:
            out.append((start, line))
    return out


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError:
        return line.split()


@dataclass
class _State:
    no_index: bool = False
    index_url: str | None = None
    find_links: list[tuple[int, str, str]] = None  # type: ignore[assignment]
    extra: list[tuple[int, str, str]] = None  # type: ignore[assignment]
    named: list[tuple[str, int, str]] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.find_links, self.extra, self.named = [], [], []


def analyse_requirements(text: str, *, file: str = "requirements.txt", isolated: bool,
                         environment: Mapping[str, str] | None = None,
                         read_include: Callable[[str], str | None] | None = None) -> list[RequirementProblem]:
    """Every line of a requirements file that pip could not satisfy in a closed network.

    Parameters
    ----------
    text : str
        The file's content.
    file : str, default "requirements.txt"
        Its name as shown in messages.
    isolated : bool
        ``EnableNetworkIsolation`` of the job: no network at all, not even AWS
        endpoints. Otherwise the job runs in the profile's VPC, where AWS hosts
        (CodeArtifact, S3) are reachable through VPC endpoints and the
        internet is not.
    environment : Mapping[str, str], optional
        The job's environment variables: ``PIP_INDEX_URL``, ``PIP_NO_INDEX``,
        ``PIP_FIND_LINKS`` (pip's own) and ``CA_REPOSITORY_ARN`` (the training
        toolkit's and SDK v3's CodeArtifact login) are taken into account.
    read_include : callable, optional
        ``read_include(name) -> text or None`` for ``-r``/``-c`` includes
        (relative to the file); ``None`` (or a ``None`` result) reports the
        include as unreadable.

    Returns
    -------
    list[RequirementProblem]
        Empty when every requirement installs from what is shipped or reachable.
    """
    env = dict(environment or {})
    st = _State()
    if env.get("PIP_NO_INDEX", "").lower() in ("1", "true", "yes", "on"):
        st.no_index = True
    if env.get("PIP_INDEX_URL"):
        st.index_url = env["PIP_INDEX_URL"]
    for link in env.get("PIP_FIND_LINKS", "").split():
        st.find_links.append((0, "PIP_FIND_LINKS", link))
    problems: list[RequirementProblem] = []
    _read(text, file, st, problems, isolated, read_include, 0)
    _decide(st, problems, isolated, bool(env.get("CA_REPOSITORY_ARN")))
    return problems


def _read(text: str, file: str, st: _State, problems: list[RequirementProblem], isolated: bool,
          read_include: Callable[[str], str | None] | None, depth: int) -> None:
    for no, line in _logical_lines(text):
        tokens = _split(line)
        if not tokens:
            continue
        if not tokens[0].startswith("-"):
            _direct_or_named(file, no, line, line, st, problems, isolated)
            continue
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            name, _, inline = tok.partition("=") if tok.startswith("--") else (tok[:2], "", tok[2:])
            value = inline or (tokens[i + 1] if i + 1 < len(tokens) else "")
            consumed = 1 if inline or name in ("--no-index",) else 2
            if name == "--no-index":
                st.no_index = True
            elif name in ("-f", "--find-links"):
                st.find_links.append((no, line, value))
            elif name in ("-i", "--index-url"):
                st.index_url = value
            elif name == "--extra-index-url":
                st.extra.append((no, line, value))
            elif name in ("-r", "--requirement", "-c", "--constraint"):
                if depth >= MAX_INCLUDE_DEPTH:
                    problems.append(RequirementProblem(file, no, line, "includes nested too deeply to check"))
                else:
                    included = read_include(value) if read_include is not None else None
                    if included is None:
                        problems.append(RequirementProblem(
                            file, no, line, f"includes {value!r}, which is not shipped with the code "
                            "(or cannot be read) and cannot be checked"))
                    else:
                        _read(included, value, st, problems, isolated, read_include, depth + 1)
            elif name in ("-e", "--editable"):
                _direct_or_named(file, no, line, value, st, problems, isolated)
            else:
                consumed = 1  # other options (--hash, --pre, --only-binary ...) do not reach anywhere
            i += consumed


def _direct_or_named(file: str, no: int, line: str, req: str, st: _State,
                     problems: list[RequirementProblem], isolated: bool) -> None:
    spec = req.split(";", 1)[0].strip()
    if _URL_REQ.search(spec):
        pep508 = _PEP508_URL.search(spec)
        url = spec if _SCHEME.match(spec) else (pep508.group(1) if pep508 else spec)
        host = url_host(url)
        if host is None:
            return  # file:// (shipped) or s3:// is not something pip can install from anyway
        if isolated:
            problems.append(RequirementProblem(file, no, line, f"downloads from {host}, and a network-isolated "
                                               "container has no network"))
        elif not is_aws_host(host):
            problems.append(RequirementProblem(file, no, line, f"downloads from {host}, on the internet"))
        return
    if is_local_path(spec) or spec.endswith((".whl", ".tar.gz", ".zip")):
        return  # a file shipped with the code
    st.named.append((file, no, line))


def _decide(st: _State, problems: list[RequirementProblem], isolated: bool, codeartifact_env: bool) -> None:
    if not st.named:
        return
    file, no, line = st.named[0]
    more = f" (and {len(st.named) - 1} more requirement line(s))" if len(st.named) > 1 else ""
    remote_links = [(n, ln, v) for n, ln, v in st.find_links if url_host(v) is not None]
    local_links = [v for _, _, v in st.find_links if url_host(v) is None]
    for n, ln, v in remote_links:
        host = url_host(v) or v
        if isolated or not is_aws_host(host):
            problems.append(RequirementProblem(file if n else "environment", n, ln,
                                               f"--find-links {v} is on {host}, which the job cannot reach"))
    if st.no_index:
        if not local_links and not remote_links:
            problems.append(RequirementProblem(file, no, line, "--no-index without --find-links: pip has "
                                               f"nowhere to find the package{more}"))
        return
    index = st.index_url or PUBLIC_INDEX
    host = url_host(index) or index
    for n, ln, v in st.extra:
        ehost = url_host(v) or v
        if isolated or not is_aws_host(ehost):
            problems.append(RequirementProblem(file, n, ln, f"--extra-index-url {v} is on {ehost}, which the "
                                               "job cannot reach"))
    if isolated:
        problems.append(RequirementProblem(file, no, line, f"installs from the package index {index} (no "
                                           f"--no-index), and a network-isolated container has no network{more}"))
        return
    if st.index_url is None and codeartifact_env:
        return  # CA_REPOSITORY_ARN: the toolkit logs pip in to CodeArtifact (a VPC endpoint)
    if is_codeartifact_host(host) or (st.index_url is not None and is_aws_host(host)):
        return
    problems.append(RequirementProblem(file, no, line, f"installs from the package index {index}, on the "
                                       f"internet{more}"))


def read_requirements(directory: str | os.PathLike[str], name: str = "requirements.txt", *,
                      shown_as: str | None = None, isolated: bool,
                      environment: Mapping[str, str] | None = None) -> list[RequirementProblem] | None:
    """Analyse ``<directory>/<name>`` (with its ``-r`` includes); ``None`` when the file does not exist.

    Parameters
    ----------
    directory : str or os.PathLike
        A local source directory.
    name : str, default "requirements.txt"
        The file, relative to ``directory``.
    shown_as : str, optional
        How to name the file in messages; default ``<directory>/<name>``.
    isolated, environment
        As in :func:`analyse_requirements`.

    Returns
    -------
    list[RequirementProblem] or None
    """
    path = Path(directory) / name
    if not path.is_file():
        return None
    base = path.parent

    def read_include(rel: str) -> str | None:
        target = (base / rel).resolve()
        try:
            target.relative_to(Path(directory).resolve())
        except ValueError:
            return None  # outside the source directory: not shipped
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [RequirementProblem(shown_as or str(path), 0, "", f"cannot be read ({exc})")]
    return analyse_requirements(text, file=shown_as or str(path), isolated=isolated, environment=environment,
                                read_include=read_include)
