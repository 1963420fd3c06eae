"""A minimal OpenStack API client, Python stdlib only (used by bootstrap.py and smoke.py).

Keystone v3 password auth, service catalog lookup, JSON requests over HTTP/1.1 keep-alive
(one http.client connection per endpoint), re-auth once on 401.
"""
import http.client
import json
import os
import time
import urllib.parse


class ApiError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__(f"{method} {url} -> {status}: {body[:500]!r}")
        self.status = status
        self.body = body


class Session:
    def __init__(self, auth_url, username, password, project_name, user_domain="Default",
                 project_domain="Default", region="RegionOne", interface="public",
                 timeout=60.0):
        self.auth_url = auth_url.rstrip("/")
        if not self.auth_url.endswith("/v3"):
            self.auth_url += "/v3"
        self.username, self.password, self.project_name = username, password, project_name
        self.user_domain, self.project_domain = user_domain, project_domain
        self.region, self.interface, self.timeout = region, interface, timeout
        self.token = None
        self.catalog = []
        self.project_id = None
        self.user_id = None
        self._conns = {}

    @classmethod
    def from_env(cls, env=None, **overrides):
        env = env if env is not None else os.environ
        kw = dict(auth_url=env["OS_AUTH_URL"], username=env["OS_USERNAME"],
                  password=env["OS_PASSWORD"], project_name=env["OS_PROJECT_NAME"],
                  user_domain=env.get("OS_USER_DOMAIN_NAME", "Default"),
                  project_domain=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
                  region=env.get("OS_REGION_NAME") or None,
                  # python-openstackclient also takes publicURL-style names
                  interface=env.get("OS_INTERFACE", "public").removesuffix("URL"))
        kw.update(overrides)
        return cls(**kw)

    # -- transport ------------------------------------------------------------------------
    def _raw(self, method, url, body=None, headers=None):
        u = urllib.parse.urlsplit(url)
        key = (u.scheme, u.netloc)
        path = u.path + ("?" + u.query if u.query else "")
        for attempt in (0, 1):
            conn = self._conns.get(key)
            if conn is None:
                cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
                conn = cls(u.netloc, timeout=self.timeout)
                self._conns[key] = conn
            try:
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self._conns.pop(key, None)
                return resp, data
            except (http.client.HTTPException, ConnectionError, OSError):
                conn.close()
                self._conns.pop(key, None)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def authenticate(self):
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.username, "password": self.password,
                "domain": {"name": self.user_domain}}}},
            "scope": {"project": {"name": self.project_name,
                                  "domain": {"name": self.project_domain}}}}}
        url = self.auth_url + "/auth/tokens"
        resp, data = self._raw("POST", url, json.dumps(body).encode(),
                               {"Content-Type": "application/json"})
        if resp.status != 201:
            raise ApiError("POST", url, resp.status, data.decode(errors="replace"))
        self.token = resp.getheader("X-Subject-Token")
        tok = json.loads(data)["token"]
        self.catalog = tok.get("catalog", [])
        self.project_id = tok["project"]["id"]
        self.user_id = tok["user"]["id"]
        return self

    def endpoint(self, service_type):
        for svc in self.catalog:
            if svc["type"] == service_type:
                for ep in svc["endpoints"]:
                    if ep["interface"] == self.interface and (
                            self.region is None or ep.get("region_id", ep.get("region")) == self.region):
                        return ep["url"].rstrip("/")
        raise KeyError(f"no {self.interface} endpoint of type {service_type} in {self.region or 'any region'}")

    def request(self, method, service_type, path, body=None, headers=None, ok=(200, 201, 202, 204),
                raw=False):
        """JSON in, JSON (or None) out. service_type None: path is a full URL."""
        if self.token is None:
            self.authenticate()
        for attempt in (0, 1):
            url = path if service_type is None else self.endpoint(service_type) + path
            h = {"X-Auth-Token": self.token, "Accept": "application/json"}
            data = None
            if body is not None:
                if isinstance(body, (bytes, bytearray)):
                    data = bytes(body)
                    h["Content-Type"] = "application/octet-stream"
                else:
                    data = json.dumps(body).encode()
                    h["Content-Type"] = "application/json"
            h.update(headers or {})
            resp, out = self._raw(method, url, data, h)
            if resp.status == 401 and attempt == 0:
                self.authenticate()
                continue
            if resp.status not in ok:
                raise ApiError(method, url, resp.status, out.decode(errors="replace"))
            if raw:
                return resp, out
            return json.loads(out) if out.strip() else None
        raise AssertionError("unreachable")

    def get(self, st, path, **kw):
        return self.request("GET", st, path, **kw)

    def post(self, st, path, body, **kw):
        return self.request("POST", st, path, body=body, **kw)

    def put(self, st, path, body, **kw):
        return self.request("PUT", st, path, body=body, **kw)

    def patch(self, st, path, body, **kw):
        return self.request("PATCH", st, path, body=body, **kw)

    def delete(self, st, path, ok=(202, 204, 404), **kw):
        return self.request("DELETE", st, path, ok=ok, **kw)

    def close(self):
        for c in self._conns.values():
            c.close()
        self._conns.clear()


def wait(desc, timeout, fn, interval=0.5):
    """Call fn until it returns a truthy value; TimeoutError naming desc after timeout s."""
    end = time.monotonic() + timeout
    last = None
    while True:
        try:
            v = fn()
            if v:
                return v
        except (ApiError, OSError, KeyError) as e:
            last = e
        if time.monotonic() >= end:
            raise TimeoutError(f"timed out after {timeout}s waiting for {desc}"
                               + (f" (last error: {last})" if last else ""))
        time.sleep(interval)
