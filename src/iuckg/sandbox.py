"""Take the network away from a process: a new network namespace holds no interface but a loopback
that is down, so every `connect()` fails (ENETUNREACH) whatever it is asked to reach.

Root may create one directly; anyone else inside a new user namespace, where the kernel allows
unprivileged user namespaces (Debian does). Python 3.11 has no `os.unshare`: libc's is called.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import socket
import subprocess
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


class IsolationError(OSError):
    """The process could not be cut off from the network."""


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def cut_off_network() -> str:
    """Move this process (before it starts threads) into a network namespace of its own; say how."""
    if not hasattr(os, "sched_getaffinity"):  # not Linux
        raise IsolationError("network namespaces need Linux")
    errors = []
    for flags, how in (
        (CLONE_NEWNET, "network namespace"),
        (CLONE_NEWUSER | CLONE_NEWNET, "user and network namespace"),
    ):
        try:
            _unshare(flags)
            return how
        except OSError as exc:
            errors.append(f"{how}: {exc.strerror}")
    raise IsolationError("cannot cut query workers off the network (" + "; ".join(errors) + ")")


def has_network() -> bool:
    """Whether this process can open a TCP connection to a port on loopback that listens."""
    with socket.socket() as server:
        try:
            server.bind(("127.0.0.1", 0))
        except OSError:  # no usable loopback: no network at all
            return False
        server.listen(1)
        with socket.socket() as client:
            client.settimeout(1)
            try:
                client.connect(server.getsockname())
            except OSError:
                return False
            return True


PROBE = """
import sys
from iuckg.sandbox import IsolationError, cut_off_network, has_network
try:
    how = cut_off_network()
except IsolationError as exc:
    sys.exit(str(exc))
sys.exit("a process cut off the network can still connect" if has_network() else 0)
"""


def isolation_problem() -> str | None:
    """Why query workers could not be cut off the network here (tried in a fresh process), or None."""
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    if probe.returncode == 0:
        return None
    return probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else f"the probe exited {probe.returncode}"
