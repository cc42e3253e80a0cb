"""Loaded by every Python process of a safemaker rehearsal (its directory leads PYTHONPATH).

Records each attempt to reach a host other than this one (name lookup or
connect) as a JSON line in ``$SAFEMAKER_REHEARSAL_NETLOG`` before the call
goes to the kernel, which refuses it: the rehearsal's network namespace has
no interface but loopback. Standard library only. Then runs the
environment's own ``sitecustomize``, if there is one.
"""

import ipaddress
import json
import os
import socket
import sys
import traceback

_LOG = os.environ.get("SAFEMAKER_REHEARSAL_NETLOG")
_CODE = os.path.realpath(os.environ.get("SAFEMAKER_REHEARSAL_CODE_DIR") or "/nonexistent") + os.sep
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "::1", "0.0.0.0", "::",
                socket.gethostname()}


def _is_local(host):
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host is None:
        return True
    host = str(host).strip("[]").lower()
    return host in _LOCAL_NAMES or host.startswith("127.") or host.startswith("::ffff:127.")


def _where():
    """``file:line`` of the innermost frame in the job's own code, or "" (the attempt came from elsewhere)."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        if not frame.filename.startswith("<") and os.path.realpath(frame.filename).startswith(_CODE):
            return "%s:%d" % (os.path.relpath(os.path.realpath(frame.filename), _CODE[:-1]), frame.lineno)
    return ""


def _program():
    """``train.py --epochs 3`` or ``pip install xgboost`` (``python -m pip`` runs ``pip/__main__.py``)."""
    argv = list(getattr(sys, "argv", None) or ["python"])
    name = os.path.basename(argv[0]) or "python"
    if name == "__main__.py":
        name = os.path.basename(os.path.dirname(argv[0]))
    return " ".join([name] + argv[1:5])[:200]


def _record(call, host, port):
    if not _LOG or _is_local(host):
        return
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    entry = {"call": call, "host": str(host), "port": port if isinstance(port, int) else None,
             "program": _program(), "where": _where(), "pid": os.getpid()}
    try:
        with open(_LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")
    except OSError:
        pass


_getaddrinfo = socket.getaddrinfo
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _is_address(host):
    try:
        ipaddress.ip_address(host.decode("ascii") if isinstance(host, bytes) else str(host).split("%", 1)[0])
        return True
    except ValueError:
        return False


def getaddrinfo(host, port, *args, **kwargs):
    if not _is_address(host):  # an address is no lookup; its connect is recorded
        _record("getaddrinfo", host, port)
    return _getaddrinfo(host, port, *args, **kwargs)


def _address(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        return address[0], address[1] if len(address) > 1 else None
    return None, None


def connect(self, address):
    host, port = _address(self, address)
    if host is not None:
        _record("connect", host, port)
    return _connect(self, address)


def connect_ex(self, address):
    host, port = _address(self, address)
    if host is not None:
        _record("connect", host, port)
    return _connect_ex(self, address)


_sendto = socket.socket.sendto


def sendto(self, data, *args):
    host, port = _address(self, args[-1]) if args else (None, None)
    if host is not None:
        _record("connect", host, port)
    return _sendto(self, data, *args)


socket.getaddrinfo = getaddrinfo
socket.socket.sendto = sendto
socket.socket.connect = connect
socket.socket.connect_ex = connect_ex


def _chain():
    """Run the environment's own sitecustomize (the first one after this directory on sys.path)."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["_sitecustomize_chained"] = module
    spec.loader.exec_module(module)


_chain()
