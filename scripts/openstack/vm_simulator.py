#!/usr/bin/env python3
"""VM simulator: runs the agent of every ACTIVE server of a cloud whose VMs run no software
(nova's fake virt driver), as a local process on a loopback address. Python stdlib only.

    vm_simulator.py --agent-binary PATH --state-dir DIR [--interval 0.5] [--log FILE]

Authenticates as admin from the OS_* environment (Keystone v3 password; the compute endpoint
from the catalog; re-authenticates on 401) and every --interval seconds lists
GET /servers/detail?all_tenants=1 (compute microversion 2.3, which shows
OS-EXT-SRV-ATTR:user_data): all servers every --full-every seconds (10), in between only those
changed since the previous listing (&changes-since=..., which also returns deleted servers; an
unchanged cloud then costs nova no neutron calls). For each ACTIVE server not yet simulated whose user data is a JSON
object with "agent_id":
  - its first fixed IPv4 address a.b.c.d becomes the loopback address 127.b.c.d;
  - the JSON gets "address" = that loopback address and "work_dir" = DIR/<agent_id>, and is
    written to DIR/<agent_id>.json (created with mode 0600: it holds the agent's secret key);
  - `PATH run --userdata DIR/<agent_id>.json` starts in its own session, stdout and stderr to
    DIR/<agent_id>.out, its PID in DIR/<agent_id>.pid.
A server that is gone from the list (deleted) or DELETED/ERROR/SOFT_DELETED gets its agent
stopped (SIGTERM to its process group, SIGKILL after 3 s). SIGTERM/SIGINT stop all agents, then
the simulator exits. User data that is not such JSON is logged once and skipped (a real cloud
would boot the VM anyway). An agent that exits by itself is logged and not restarted (a crashed
agent in a real VM stays dead too). Caveat: servers of different projects with the same fixed
IP (overlapping tenant subnets) map to the same loopback address.
"""
import argparse
import base64
import binascii
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_api import ApiError, Session  # noqa: E402

STOP_STATUSES = {"DELETED", "ERROR", "SOFT_DELETED", "SHELVED_OFFLOADED"}
NOVA_HEADERS = {"OpenStack-API-Version": "compute 2.3", "X-OpenStack-Nova-API-Version": "2.3",
                "Accept": "application/json"}
LOG_FILE = None


def log(msg):
    line = time.strftime("%Y-%m-%d %H:%M:%S ") + "vm_simulator: " + msg
    print(line, flush=True)
    if LOG_FILE:
        with open(LOG_FILE, "a") as f:
            f.write(line + "\n")


class Client:
    """The compute listings the simulator needs, over an os_api.Session (Keystone password auth,
    the catalog's compute endpoint, one keep-alive connection per host, re-auth once on 401)."""

    def __init__(self, env):
        self.session = Session.from_env(env, timeout=30)

    def compute_url(self, path):
        if self.session.token is None:
            self.session.authenticate()
        return self.session.endpoint("compute") + path

    def get(self, url):
        return self.session.get(None, url, headers=NOVA_HEADERS, ok=(200,))

    def servers(self, changes_since=None):
        """All servers of all projects (following pagination), or those changed since a time
        (deleted ones included, status DELETED)."""
        query = "/servers/detail?all_tenants=1"
        if changes_since:
            query += "&changes-since=" + urllib.parse.quote(changes_since)
        out = []
        url = self.compute_url(query)
        while url:
            page = self.get(url)
            out.extend(page.get("servers", []))
            nxt = [link["href"] for link in page.get("servers_links", []) if link.get("rel") == "next"]
            url = self.rebase(nxt[0]) if nxt else None
        return out

    def rebase(self, href):
        # a "next" link may name another host (a proxy's); keep our endpoint's, take its path+query
        h = urllib.parse.urlsplit(href)
        c = urllib.parse.urlsplit(self.compute_url(""))
        return urllib.parse.urlunsplit((c.scheme, c.netloc, h.path, h.query, ""))


def first_fixed_ipv4(server):
    fallback = None
    for addrs in (server.get("addresses") or {}).values():
        for a in addrs:
            if a.get("version") != 4:
                continue
            if a.get("OS-EXT-IPS:type", "fixed") == "fixed":
                return a["addr"]
            fallback = fallback or a["addr"]
    return fallback


def to_loopback(ip):
    parts = ip.split(".")
    return "127." + ".".join(parts[1:])


def _clean_signals():
    """In the agent's child before exec: default dispositions, nothing blocked."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Simulator:
    def __init__(self, binary, state_dir):
        self.binary = binary
        self.state = state_dir
        self.agents = {}   # server id -> dict(agent_id, proc, name, ip, lo)
        self.skipped = set()
        self.finished = set()  # server ids whose agent exited by itself
        self.pending = set()  # ACTIVE servers whose fixed IP did not show yet

    def kill_stale(self):
        """Agents left by a simulator that died without cleaning up."""
        for fn in os.listdir(self.state):
            if not fn.endswith(".pid"):
                continue
            path = os.path.join(self.state, fn)
            try:
                pid = int(open(path).read().split()[0])
                cmd = open(f"/proc/{pid}/cmdline").read()
            except (OSError, ValueError, IndexError):
                os.unlink(path)
                continue
            if os.path.join(self.state, fn[:-4] + ".json") in cmd:
                log(f"stopping stale agent {fn[:-4]} pid {pid} from a previous run")
                self.terminate([(pid, None)])
            os.unlink(path)

    def start(self, server):
        sid, name = server["id"], server.get("name", "")
        raw = server.get("OS-EXT-SRV-ATTR:user_data")
        try:
            if not raw:
                raise ValueError("no user data")
            ud = json.loads(base64.b64decode(raw))
            if not isinstance(ud, dict) or not ud.get("agent_id"):
                raise ValueError("user data JSON has no agent_id")
        except (ValueError, binascii.Error, UnicodeDecodeError) as e:
            log(f"server {sid} ({name}): skipped, user data is not agent JSON: {e}")
            self.skipped.add(sid)
            return
        ip = first_fixed_ipv4(server)
        if not ip:
            return  # ACTIVE before its addresses show: next round
        agent_id = str(ud["agent_id"])
        if "/" in agent_id or agent_id.startswith("."):
            log(f"server {sid} ({name}): skipped, unsafe agent_id {agent_id!r}")
            self.skipped.add(sid)
            return
        lo = to_loopback(ip)
        work = os.path.join(self.state, agent_id)
        os.makedirs(work, mode=0o700, exist_ok=True)
        ud["address"] = lo
        ud["work_dir"] = work
        path = os.path.join(self.state, agent_id + ".json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            json.dump(ud, f, indent=1)
        out = open(os.path.join(self.state, agent_id + ".out"), "ab")
        try:
            proc = subprocess.Popen([self.binary, "run", "--userdata", path], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                    close_fds=True, cwd=work, preexec_fn=_clean_signals)
        except OSError as e:
            log(f"server {sid} ({name}): cannot start {self.binary}: {e}")
            self.skipped.add(sid)
            return
        finally:
            out.close()
        with open(os.path.join(self.state, agent_id + ".pid"), "w") as f:
            f.write(f"{proc.pid}\n")
        self.agents[sid] = dict(agent_id=agent_id, proc=proc, name=name, ip=ip, lo=lo)
        # Nova's config_drive is "True" when the boot asked for one (the image reads it first).
        log(f"started agent {agent_id} for server {sid} ({name}) {ip} -> {lo} pid {proc.pid}"
            f" config_drive={server.get('config_drive') or 'none'}")

    @staticmethod
    def terminate(items, bound=3.0):
        """items: (pid, Popen or None). SIGTERM to each process group, SIGKILL after bound."""
        for pid, _ in items:
            for target in (lambda: os.killpg(pid, signal.SIGTERM), lambda: os.kill(pid, signal.SIGTERM)):
                try:
                    target()
                    break
                except OSError:
                    pass
        end = time.monotonic() + bound
        left = list(items)
        while left and time.monotonic() < end:
            left = [(pid, p) for pid, p in left if (p.poll() is None if p else pid_alive(pid))]
            if left:
                time.sleep(0.05)
        for pid, p in left:
            for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    target()
                except OSError:
                    pass
            if p:
                try:
                    p.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
        return [pid for pid, _ in left]

    def stop(self, sids, why):
        items = [(self.agents[s]["proc"].pid, self.agents[s]["proc"]) for s in sids]
        killed = set(self.terminate(items))
        for s in sids:
            a = self.agents.pop(s)
            pid = a["proc"].pid
            try:
                os.unlink(os.path.join(self.state, a["agent_id"] + ".pid"))
            except OSError:
                pass
            log(f"stopped agent {a['agent_id']} for server {s} ({a['name']}) {a['ip']} -> {a['lo']} "
                f"pid {pid} ({why}{', SIGKILL' if pid in killed else ''}; exit {a['proc'].returncode})")

    def reconcile(self, servers, full=True):
        """full: servers is every server (a simulated one missing from it is gone); otherwise
        it holds only the servers changed lately (deleted ones with status DELETED)."""
        by_id = {s["id"]: s for s in servers}
        gone = [sid for sid in self.agents
                if (full and sid not in by_id) or (sid in by_id and by_id[sid].get("status") in STOP_STATUSES)]
        if gone:
            self.stop(gone, "server deleted")
        for sid, a in list(self.agents.items()):
            rc = a["proc"].poll()
            if rc is not None:
                log(f"agent {a['agent_id']} of server {sid} ({a['name']}) exited by itself with {rc}"
                    f" (see {os.path.join(self.state, a['agent_id'] + '.out')})")
                self.agents.pop(sid)
                self.finished.add(sid)
        for sid, s in by_id.items():
            if (s.get("status") == "ACTIVE" and sid not in self.agents and sid not in self.skipped
                    and sid not in self.finished):
                self.start(s)
                if sid not in self.agents and sid not in self.skipped:
                    self.pending.add(sid)  # ACTIVE, no fixed IP shown yet
            elif sid in self.pending and s.get("status") != "ACTIVE":
                self.pending.discard(sid)
        if full:
            # forget servers once they are gone
            self.skipped &= set(by_id)
            self.finished &= set(by_id)
            self.pending &= set(by_id)
        else:
            for sid, s in by_id.items():
                if s.get("status") in STOP_STATUSES:
                    self.skipped.discard(sid)
                    self.finished.discard(sid)
                    self.pending.discard(sid)
        self.pending -= set(self.agents)


def main():
    global LOG_FILE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agent-binary", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--log")
    ap.add_argument("--full-every", type=float, default=10.0,
                    help="seconds between full listings (changes-since listings in between)")
    args = ap.parse_args()
    LOG_FILE = args.log
    binary = os.path.abspath(args.agent_binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"vm_simulator: {binary} is not executable")
    state = os.path.abspath(args.state_dir)
    os.makedirs(state, mode=0o700, exist_ok=True)
    missing = [v for v in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME") if not os.environ.get(v)]
    if missing:
        sys.exit(f"vm_simulator: missing environment: {' '.join(missing)} (eval the admin openrc)")

    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # A parent such as `swift test` may have signals blocked; the mask is inherited across exec.
    signal.pthread_sigmask(signal.SIG_SETMASK, set())

    sim = Simulator(binary, state)
    sim.kill_stale()
    client = Client(os.environ)
    log(f"watching {os.environ['OS_AUTH_URL']} every {args.interval}s; agent {binary}; state {state}")
    failures = 0
    since = None  # UTC time of the last successful listing, minus a margin
    last_full = 0.0
    while not stopping:
        t = time.monotonic()
        try:
            # A full listing every --full-every s; in between only the servers changed since the
            # last listing (changes-since: cheap when nothing changes, which matters because
            # nova asks neutron for the ports and security groups of every server it lists).
            full = since is None or t - last_full >= args.full_every
            started_at = time.time()
            if full:
                servers = client.servers()
            else:
                servers = client.servers(changes_since=since)
                for sid in sim.pending - {x["id"] for x in servers}:
                    try:
                        servers.append(client.get(client.compute_url(f"/servers/{sid}"))["server"])
                    except ApiError:
                        pass  # gone: the next full listing notices
            if failures:
                log(f"listing servers works again after {failures} failure(s)")
            failures = 0
            sim.reconcile(servers, full=full)
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at - 2))
            if full:
                last_full = t
        except Exception as e:  # noqa: BLE001 - a cloud hiccup must not end the simulation
            failures += 1
            if failures in (1, 10) or failures % 100 == 0:
                log(f"listing servers failed ({failures}x): {type(e).__name__}: {e}")
            if isinstance(e, ApiError) and e.status == 401:
                client.session.token = None
        delay = args.interval - (time.monotonic() - t)
        end = time.monotonic() + max(delay, 0.05)
        while not stopping and time.monotonic() < end:
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
    log(f"signal {stopping[0]}: stopping {len(sim.agents)} agent(s)")
    if sim.agents:
        sim.stop(list(sim.agents), "simulator stopping")
    log("exit")


if __name__ == "__main__":
    main()
