"""Runs first inside the network namespace; standard library only, started with ``python -I -S``.

``python launcher.py MARKER -- COMMAND...``: brings the loopback interface up,
checks that the namespace has no interface but ``lo``, writes MARKER (JSON:
``ok``, ``interfaces``, ``uid``) and only then replaces itself with COMMAND.
When another interface is present, nothing runs: MARKER says which, exit 125.
"""

import fcntl
import json
import os
import socket
import struct
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
NOT_ISOLATED = 125


def loopback_up():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        request = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))
    finally:
        s.close()


def main(argv):
    marker, sep, command = argv[1], argv[2], argv[3:]
    if sep != "--" or not command:
        sys.stderr.write("usage: launcher.py MARKER -- COMMAND...\n")
        return 2
    interfaces = sorted(name for _, name in socket.if_nameindex())
    state = {"ok": interfaces == ["lo"], "interfaces": interfaces, "uid": os.getuid()}
    if state["ok"]:
        try:
            loopback_up()
        except OSError as exc:
            state["loopback_error"] = str(exc)
    with open(marker, "w") as f:
        json.dump(state, f)
    if not state["ok"]:
        sys.stderr.write("safemaker rehearse: not isolated: the namespace has interfaces %s; nothing was run\n"
                         % ", ".join(interfaces))
        return NOT_ISOLATED
    sys.stdout.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
