#!/usr/bin/env python3
"""Start a daemon detached from the caller; print its PID.

    spawn.py --log FILE [--pidfile FILE] [--cwd DIR] [--env K=V]... -- CMD [ARG...]

The daemon gets its own session and process group (so a stop can signal the whole group:
uWSGI workers, Erlang's helpers), stdin from /dev/null, stdout and stderr appended to FILE, no
other inherited descriptor (a caller's `$(...)` pipe or a test runner's socket would otherwise
stay open), an empty signal mask and default dispositions (a caller started by `swift test` may
have SIGTERM blocked or ignored, and exec keeps both). The pidfile gets "PID STARTTIME", the
start time (field 22 of /proc/PID/stat) guarding a stop against a recycled PID. Exits non-zero,
with the reason, when CMD cannot be executed.
"""
import argparse
import os
import signal
import sys


def starttime(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--cwd")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("no command")
    env = dict(os.environ)
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    r, w = os.pipe()  # CLOEXEC: closes silently when exec succeeds
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setsid()
            if a.cwd:
                os.chdir(a.cwd)
            fd = os.open(a.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            nul = os.open("/dev/null", os.O_RDONLY)
            os.dup2(nul, 0)
            os.closerange(3, w)
            os.closerange(w + 1, 65536)
            for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
                      signal.SIGPIPE, signal.SIGCHLD, signal.SIGUSR1, signal.SIGUSR2,
                      signal.SIGXFSZ):
                signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            os.execvpe(cmd[0], cmd, env)
        except BaseException as e:  # noqa: BLE001 - report anything to the parent
            try:
                os.write(w, f"{type(e).__name__}: {e}".encode())
            finally:
                os._exit(127)
    os.close(w)
    err = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        err += chunk
    if err:
        os.waitpid(pid, 0)
        sys.exit(f"spawn.py: cannot start {cmd[0]}: {err.decode(errors='replace')}")
    if a.pidfile:
        tmp = a.pidfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{pid} {starttime(pid)}\n")
        os.replace(tmp, a.pidfile)
    print(pid)


if __name__ == "__main__":
    main()
