#!/usr/bin/env python3
"""End-to-end smoke test of a cloud (the local one or any), Python stdlib only.

    eval "$(scripts/openstack-local.sh openrc)"; scripts/openstack/smoke.py [--keep]
        [--simulator-state DIR] [--boot-timeout 60]

As admin (OS_* env): a project, a member user in it, a flavor, a public 1 MiB raw image.
As the member: network + subnet 10.1.0.0/24, router with gateway on "public" and the subnet
attached, security group + rule, keypair, one server with JSON user data (ACTIVE with a fixed IP
within --boot-timeout), a floating IP on "public" bound to the server's port. As admin: the
server's user data reads back (microversion 2.3). Then everything is deleted and checked gone.
With --simulator-state DIR (a vm_simulator.py running with that state dir), also checks that an
agent process was started with the rewritten user data and that it stops with the server.
Prints one line per step with its duration; exits non-zero on the first failure (after cleanup).
"""
import argparse
import base64
import json
import os
import secrets
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_api import ApiError, Session, wait  # noqa: E402

NOVA_MV = {"OpenStack-API-Version": "compute 2.3", "X-OpenStack-Nova-API-Version": "2.3"}
NOVA_KP = {"OpenStack-API-Version": "compute 2.2", "X-OpenStack-Nova-API-Version": "2.2"}

T_START = time.monotonic()
Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"


def x25519_base(k):
    """X25519(k, 9) (RFC 7748): the Curve25519 public key of secret key k (32 bytes)."""
    p, a24 = 2 ** 255 - 19, 121665
    kb = bytearray(k)
    kb[0] &= 248
    kb[31] &= 127
    kb[31] |= 64
    n = int.from_bytes(kb, "little")
    x1, x2, z2, x3, z3, swap = 9, 1, 0, 9, 1, 0
    for t in reversed(range(255)):
        bit = (n >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % p, (x2 - z2) % p
        aa, bb = a * a % p, b * b % p
        e = (aa - bb) % p
        c, d = (x3 + z3) % p, (x3 - z3) % p
        da, cb = d * a % p, c * b % p
        x3, z3 = (da + cb) ** 2 % p, x1 * (da - cb) ** 2 % p
        x2, z2 = aa * bb % p, e * (aa + a24 * e) % p
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, p - 2, p) % p).to_bytes(32, "little")


def z85(raw):
    """Z85 of 32 bytes (40 characters), the agent's CURVE key format."""
    out = []
    for i in range(0, 32, 4):
        v = int.from_bytes(raw[i:i + 4], "big")
        out.extend(Z85[(v // 85 ** k) % 85] for k in range(4, -1, -1))
    return "".join(out)


def curve_keypair():
    sk = secrets.token_bytes(32)
    return {"public": z85(x25519_base(sk)), "secret": z85(sk)}


class Step:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.t = time.monotonic()
        return self

    def __exit__(self, et, ev, tb):
        d = time.monotonic() - self.t
        status = "ok" if et is None else f"FAILED: {ev}"
        print(f"smoke: [{time.monotonic() - T_START:6.1f}s] {self.name}: {status} ({d:.2f}s)",
              flush=True)
        return False


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", action="store_true", help="leave everything in place")
    ap.add_argument("--boot-timeout", type=float, default=60)
    ap.add_argument("--simulator-state", help="state dir of a running vm_simulator.py")
    ap.add_argument("--hold", type=float, default=0, help="seconds to wait before the cleanup")
    args = ap.parse_args()

    tag = "smoke-" + secrets.token_hex(3)
    admin = Session.from_env()
    cleanup = []  # (description, callable), run in reverse
    failed = False
    try:
        with Step("admin token"):
            admin.authenticate()
        with Step("project + member user"):
            proj = admin.post("identity", "/projects", {"project": {
                "name": tag, "domain_id": "default", "enabled": True}})["project"]
            cleanup.append(("project", lambda: admin.delete("identity", f"/projects/{proj['id']}")))
            password = secrets.token_hex(8)
            user = admin.post("identity", "/users", {"user": {
                "name": tag, "domain_id": "default", "password": password,
                "default_project_id": proj["id"], "enabled": True}})["user"]
            cleanup.append(("user", lambda: admin.delete("identity", f"/users/{user['id']}")))
            role = admin.get("identity", "/roles?name=member")["roles"][0]
            admin.put("identity", f"/projects/{proj['id']}/users/{user['id']}/roles/{role['id']}", None)
            for r in ("reader",):
                assert admin.get("identity", f"/roles?name={r}")["roles"], f"role {r} missing"
        with Step("flavor (admin)"):
            flavor = admin.post("compute", "/flavors", {"flavor": {
                "name": tag, "vcpus": 1, "ram": 512, "disk": 1}})["flavor"]
            cleanup.append(("flavor", lambda: admin.delete("compute", f"/flavors/{flavor['id']}")))
        with Step("image upload 1 MiB (admin, public)"):
            image = admin.post("image", "/v2/images", {
                "name": tag, "disk_format": "raw", "container_format": "bare",
                "visibility": "public"})
            cleanup.append(("image", lambda: admin.delete("image", f"/v2/images/{image['id']}")))
            admin.put("image", f"/v2/images/{image['id']}/file", b"\0" * (1 << 20))
            wait("image active", 30, lambda: admin.get("image", f"/v2/images/{image['id']}")["status"] == "active")

        member = Session(admin.auth_url, tag, password, tag, region=admin.region,
                         interface=admin.interface)
        with Step("member token"):
            member.authenticate()
        with Step("network + subnet 10.1.0.0/24"):
            net = member.post("network", "/v2.0/networks", {"network": {"name": tag}})["network"]
            cleanup.append(("network", lambda: member.delete("network", f"/v2.0/networks/{net['id']}")))
            sub = member.post("network", "/v2.0/subnets", {"subnet": {
                "name": tag, "network_id": net["id"], "ip_version": 4,
                "cidr": "10.1.0.0/24"}})["subnet"]
            cleanup.append(("subnet", lambda: member.delete("network", f"/v2.0/subnets/{sub['id']}")))
        with Step("router, gateway on public, subnet attached"):
            pub = member.get("network", "/v2.0/networks?name=public")["networks"][0]
            router = member.post("network", "/v2.0/routers", {"router": {
                "name": tag, "external_gateway_info": {"network_id": pub["id"]}}})["router"]
            cleanup.append(("router", lambda: member.delete("network", f"/v2.0/routers/{router['id']}")))
            member.put("network", f"/v2.0/routers/{router['id']}/add_router_interface",
                       {"subnet_id": sub["id"]})
            cleanup.append(("router interface", lambda: member.put(
                "network", f"/v2.0/routers/{router['id']}/remove_router_interface",
                {"subnet_id": sub["id"]}, ok=(200, 404))))
            gw = member.get("network", f"/v2.0/routers/{router['id']}")["router"]["external_gateway_info"]
            assert gw and gw["network_id"] == pub["id"], gw
        with Step("security group + rule"):
            sg = member.post("network", "/v2.0/security-groups", {"security_group": {
                "name": tag}})["security_group"]
            cleanup.append(("security group", lambda: member.delete(
                "network", f"/v2.0/security-groups/{sg['id']}")))
            member.post("network", "/v2.0/security-group-rules", {"security_group_rule": {
                "security_group_id": sg["id"], "direction": "ingress", "protocol": "tcp",
                "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0"}})
        with Step("keypair"):
            member.post("compute", "/os-keypairs", {"keypair": {"name": tag}}, headers=NOVA_KP)
            cleanup.append(("keypair", lambda: member.delete("compute", f"/os-keypairs/{tag}")))

        agent_id = f"{tag}-cli-0"
        userdata = {
            "run_id": tag, "agent_id": agent_id, "role": "http-client", "address": "10.1.0.5",
            "controller": {"pub_endpoint": "tcp://127.0.0.1:9", "router_endpoint": "tcp://127.0.0.1:9",
                           "server_public_key": curve_keypair()["public"]},
            "keys": curve_keypair(), "work_dir": "/var/lib/kb-agent"}
        ud_b64 = base64.b64encode(json.dumps(userdata).encode()).decode()
        with Step(f"boot server, ACTIVE with a fixed IP (<= {args.boot_timeout:.0f}s)"):
            server = member.post("compute", "/servers", {"server": {
                "name": tag, "flavorRef": flavor["id"], "imageRef": image["id"],
                "networks": [{"uuid": net["id"]}], "security_groups": [{"name": tag}],
                "key_name": tag, "user_data": ud_b64}}, headers=NOVA_MV)["server"]
            sid = server["id"]

            def delete_server():
                member.delete("compute", f"/servers/{sid}")
                wait("server deleted", 60, lambda: member.get(
                    "compute", f"/servers/{sid}", ok=(200, 404), raw=True)[0].status == 404)
            cleanup.append(("server", delete_server))

            def active():
                s = member.get("compute", f"/servers/{sid}")["server"]
                if s["status"] == "ERROR":
                    raise SystemExit(f"server went to ERROR: {s.get('fault')}")
                ips = [a["addr"] for addrs in s["addresses"].values() for a in addrs
                       if a.get("version") == 4]
                return s["status"] == "ACTIVE" and ips and (s, ips)
            s, ips = wait("server ACTIVE with a fixed IP", args.boot_timeout, active, interval=0.3)
            print(f"smoke:   server {sid} ACTIVE, fixed IPs {ips}")
        with Step("user data readable by admin (compute 2.3)"):
            s = admin.get("compute", f"/servers/{sid}", headers=NOVA_MV)["server"]
            got = s.get("OS-EXT-SRV-ATTR:user_data")
            assert got and json.loads(base64.b64decode(got)) == userdata, got
            s = admin.get("compute", "/servers/detail?all_tenants=1", headers=NOVA_MV)["servers"]
            assert any(x["id"] == sid for x in s), "server not in all_tenants list"
        with Step("floating IP on public bound to the server's port"):
            port = member.get("network", f"/v2.0/ports?device_id={sid}")["ports"][0]
            assert port["binding:vif_type"] not in ("binding_failed", "unbound") if "binding:vif_type" in port else True
            fip = member.post("network", "/v2.0/floatingips", {"floatingip": {
                "floating_network_id": pub["id"], "port_id": port["id"]}})["floatingip"]
            cleanup.append(("floating IP", lambda: member.delete(
                "network", f"/v2.0/floatingips/{fip['id']}")))
            fip = member.get("network", f"/v2.0/floatingips/{fip['id']}")["floatingip"]
            assert fip["port_id"] == port["id"] and fip["fixed_ip_address"] in ips, fip
            print(f"smoke:   floating IP {fip['floating_ip_address']} -> {fip['fixed_ip_address']}")
            aport = admin.get("network", f"/v2.0/ports/{port['id']}")["port"]
            print(f"smoke:   port binding: host {aport.get('binding:host_id')} vif_type {aport.get('binding:vif_type')}")
            assert aport.get("binding:vif_type") == "ovs", aport.get("binding:vif_type")

        if args.simulator_state:
            st = os.path.abspath(args.simulator_state)
            with Step("simulator started the agent with the rewritten user data"):
                jf = os.path.join(st, agent_id + ".json")
                pf = os.path.join(st, agent_id + ".pid")
                wait(f"{pf}", 15, lambda: os.path.exists(pf) and os.path.getsize(pf) > 0)
                mode = os.stat(jf).st_mode & 0o777
                assert mode == 0o600, oct(mode)
                rew = json.load(open(jf))
                a, b, c, d = ips[0].split(".")
                assert rew["address"] == f"127.{b}.{c}.{d}", rew["address"]
                assert rew["work_dir"] == os.path.join(st, agent_id), rew["work_dir"]
                assert rew["keys"] == userdata["keys"]
                agent_pid = int(open(pf).read().split()[0])
                time.sleep(1.0)
                assert pid_alive(agent_pid), f"agent pid {agent_pid} not running"
                cmdline = open(f"/proc/{agent_pid}/cmdline").read().split("\0")
                assert "--userdata" in cmdline and jf in cmdline, cmdline
                print(f"smoke:   agent pid {agent_pid}: {' '.join(cmdline).strip()}")

        if args.hold:
            print(f"smoke: holding {args.hold:.0f}s before the cleanup", flush=True)
            time.sleep(args.hold)
    except BaseException as e:  # noqa: BLE001
        failed = True
        print(f"smoke: FAILED: {type(e).__name__}: {e}", flush=True)
    finally:
        if args.keep:
            print("smoke: --keep: leaving everything in place")
        else:
            t = time.monotonic()
            errors = 0
            for what, fn in reversed(cleanup):
                try:
                    fn()
                except Exception as e:  # noqa: BLE001
                    errors += 1
                    print(f"smoke: cleanup of {what} failed: {e}")
            with Step("everything deleted and gone"):
                gone = [
                    ("server", "compute", f"/servers/{locals().get('sid', 'x')}"),
                    ("network", "network", f"/v2.0/networks/{locals()['net']['id']}" if "net" in locals() else None),
                    ("router", "network", f"/v2.0/routers/{locals()['router']['id']}" if "router" in locals() else None),
                    ("image", "image", f"/v2/images/{locals()['image']['id']}" if "image" in locals() else None),
                    ("project", "identity", f"/projects/{locals()['proj']['id']}" if "proj" in locals() else None),
                ]
                for what, st_, path in gone:
                    if path is None:
                        continue
                    resp, _ = admin.request("GET", st_, path, ok=(200, 404), raw=True)
                    if resp.status != 404:
                        errors += 1
                        print(f"smoke: {what} still there: {path}")
                if "fip" in locals():
                    resp, _ = admin.request("GET", "network", f"/v2.0/floatingips/{fip['id']}", ok=(200, 404), raw=True)
                    if resp.status != 404:
                        errors += 1
                        print("smoke: floating IP still there")
                if errors:
                    failed = True
                    raise AssertionError(f"{errors} cleanup problem(s)")
            print(f"smoke: cleanup took {time.monotonic() - t:.1f}s")
            if args.simulator_state and "agent_pid" in locals():
                with Step("simulator stopped the agent after the server's deletion"):
                    try:
                        wait(f"agent pid {agent_pid} gone", 15, lambda: not pid_alive(agent_pid))
                    except TimeoutError:
                        failed = True
                        raise
    print(f"smoke: {'FAILED' if failed else 'PASSED'} in {time.monotonic() - T_START:.1f}s")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (AssertionError, TimeoutError):
        sys.exit(1)
