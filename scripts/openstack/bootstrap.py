#!/usr/bin/env python3
"""Idempotent post-start setup of the local cloud, through the APIs as admin (OS_* env).

    bootstrap.py identity --service-password P --endpoint NAME:TYPE=URL ...
        roles admin/member/reader/service/manager, project "service", one user per service
        NAME (roles admin + service in "service"), and the catalog entry of every service with
        public/internal/admin endpoints in OS_REGION_NAME (created, or their URL updated).
    bootstrap.py network --physnet public --cidr 172.24.4.0/24
        the external flat provider network "public" and its subnet "public-subnet".
    bootstrap.py wait-compute --host HOST --timeout S
        until nova lists hypervisor HOST "up" and placement has its resource provider
        with inventory.
"""
import argparse
import ipaddress
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from os_api import Session, wait  # noqa: E402

ROLES = ["admin", "member", "reader", "service", "manager"]


def one(items, what):
    if len(items) > 1:
        raise SystemExit(f"more than one {what}")
    return items[0] if items else None


def identity(s, args):
    roles = {r["name"]: r["id"] for r in s.get("identity", "/roles")["roles"]}
    for r in ROLES:
        if r not in roles:
            roles[r] = s.post("identity", "/roles", {"role": {"name": r}})["role"]["id"]
    dom = "default"
    proj = one(s.get("identity", f"/projects?name=service&domain_id={dom}")["projects"], "service project")
    if proj is None:
        proj = s.post("identity", "/projects", {"project": {
            "name": "service", "domain_id": dom, "description": "OpenStack services"}})["project"]
    services = s.get("identity", "/services")["services"]
    endpoints = s.get("identity", "/endpoints")["endpoints"]
    for spec in args.endpoint:
        nt, url = spec.split("=", 1)
        name, stype = nt.split(":", 1)
        user = one(s.get("identity", f"/users?name={name}&domain_id={dom}")["users"], f"user {name}")
        if user is None:
            user = s.post("identity", "/users", {"user": {
                "name": name, "domain_id": dom, "password": args.service_password,
                "enabled": True}})["user"]
        else:
            s.patch("identity", f"/users/{user['id']}", {"user": {
                "password": args.service_password, "enabled": True}})
        for r in ("admin", "service"):
            s.put("identity", f"/projects/{proj['id']}/users/{user['id']}/roles/{roles[r]}", None)
        svc = next((x for x in services if x["type"] == stype), None)
        if svc is None:
            svc = s.post("identity", "/services", {"service": {
                "name": name, "type": stype, "enabled": True}})["service"]
        for iface in ("public", "internal", "admin"):
            ep = next((e for e in endpoints if e["service_id"] == svc["id"]
                       and e["interface"] == iface and e.get("region_id") == s.region), None)
            if ep is None:
                s.post("identity", "/endpoints", {"endpoint": {
                    "service_id": svc["id"], "interface": iface, "url": url,
                    "region_id": s.region, "enabled": True}})
            elif ep["url"] != url:
                s.patch("identity", f"/endpoints/{ep['id']}", {"endpoint": {"url": url}})
        print(f"bootstrap: {name} ({stype}) at {url}", file=sys.stderr)


def network(s, args):
    nets = s.get("network", "/v2.0/networks?name=public")["networks"]
    net = one(nets, "public network")
    if net is None:
        net = s.post("network", "/v2.0/networks", {"network": {
            "name": "public", "router:external": True, "shared": False,
            "provider:network_type": "flat", "provider:physical_network": args.physnet,
            "admin_state_up": True}})["network"]
        print(f"bootstrap: created network public {net['id']}", file=sys.stderr)
    subs = s.get("network", f"/v2.0/subnets?network_id={net['id']}")["subnets"]
    if not subs:
        cidr = ipaddress.ip_network(args.cidr)
        hosts = list(cidr.hosts())
        s.post("network", "/v2.0/subnets", {"subnet": {
            "name": "public-subnet", "network_id": net["id"], "ip_version": 4,
            "cidr": str(cidr), "gateway_ip": str(hosts[0]), "enable_dhcp": False,
            "allocation_pools": [{"start": str(hosts[9]), "end": str(hosts[-5])}]}})
        print(f"bootstrap: created subnet public-subnet {cidr}", file=sys.stderr)


def wait_compute(s, args):
    hdr = {"OpenStack-API-Version": "compute 2.53"}

    def hypervisor_up():
        hs = s.get("compute", "/os-hypervisors/detail", headers=hdr)["hypervisors"]
        return any(h["hypervisor_hostname"] == args.host and h["state"] == "up"
                   and h["status"] == "enabled" for h in hs)

    def provider_ready():
        rps = s.get("placement", f"/resource_providers?name={args.host}",
                    headers={"OpenStack-API-Version": "placement 1.14"})["resource_providers"]
        if not rps:
            return False
        inv = s.get("placement", f"/resource_providers/{rps[0]['uuid']}/inventories")["inventories"]
        return "VCPU" in inv and "MEMORY_MB" in inv

    t = time.monotonic()
    wait(f"hypervisor {args.host} up in nova", args.timeout, hypervisor_up)
    wait(f"placement resource provider {args.host} with inventory",
         max(5, args.timeout - (time.monotonic() - t)), provider_ready)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("identity")
    p.add_argument("--service-password", required=True)
    p.add_argument("--endpoint", action="append", default=[])
    p = sub.add_parser("network")
    p.add_argument("--physnet", default="public")
    p.add_argument("--cidr", default="172.24.4.0/24")
    p = sub.add_parser("wait-compute")
    p.add_argument("--host", required=True)
    p.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    s = Session.from_env()
    wait("keystone token for admin", 30, lambda: s.authenticate())
    {"identity": identity, "network": network, "wait-compute": wait_compute}[args.cmd](s, args)


if __name__ == "__main__":
    main()
