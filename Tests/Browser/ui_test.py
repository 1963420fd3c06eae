"""The web UI in headless chromium against a real `kloudbuster serve`.

Started by Tests/ControllerTests/Server/BrowserUITests.swift, which starts the server and
passes KB_UI_URL, KB_UI_OPERATOR_TOKEN, KB_UI_VIEWER_TOKEN and KB_UI_OUT (a folder for the
screenshots and chromedriver's log). Logs in (a wrong token and a viewer's refused start
first), validates as one types, starts a local run and watches its live charts gain points,
reads the verdict and the result, starts a second run, compares the two, and checks from
the browser's own network log that no request left the server. Prints one line
`RESULT {json}` with what it measured; any failed check raises.
"""

import json
import os
import sys
import time
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["KB_UI_URL"].rstrip("/")
OPERATOR = os.environ["KB_UI_OPERATOR_TOKEN"]
VIEWER = os.environ["KB_UI_VIEWER_TOKEN"]
OUT = os.environ["KB_UI_OUT"]

# 2 server and 2 client agents in 2 tenants (so 2 server groups), 400 req/s per client for
# 6 s, one interval a second.
CONFIG = """server:
  number_tenants: 2
  routers_per_tenant: 1
  networks_per_router: 1
  vms_per_network: 1
client:
  http_tool_configs:
    connections: 5
    rate_limit: 400
    duration: 6
    report_interval: 1
"""
# A label that would be markup if the UI used innerHTML.
SECOND_LABEL = "second <i>run</i> & co"


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1100",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-default-apps"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = Service(os.environ.get("KB_CHROMEDRIVER", "/usr/bin/chromedriver"), service_args=["--log-level=WARNING"],
                      log_output=os.path.join(OUT, "chromedriver.log"))
    return webdriver.Chrome(options=options, service=service)


class UI:
    def __init__(self, driver):
        self.driver = driver
        self.requests = []

    def wait(self, condition, what, timeout=30):
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda d: condition())
        except Exception as error:
            self.driver.save_screenshot(os.path.join(OUT, "failure.png"))
            raise AssertionError(f"timed out after {timeout} s waiting for {what}") from error

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def text(self, selector):
        return self.find(selector).text

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def collect_network_log(self):
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
            elif message["method"] == "Network.webSocketCreated":
                self.requests.append(message["params"]["url"])

    def login(self, token):
        field = self.find("#token")
        field.clear()
        field.send_keys(token)
        self.find("#login-form button[type=submit]").click()

    def set_config(self, text):
        self.js("const a = document.querySelector('#config'); a.value = arguments[0];"
                "a.dispatchEvent(new Event('input'));", text)

    def points(self):
        """The points of the live req/s chart's line."""
        return self.js("const p = document.querySelector('#live-charts polyline'); return p ? p.points.numberOfItems : -1")

    def start(self, label):
        field = self.find("#label")
        field.clear()
        field.send_keys(label)
        before = self.text("#run-message")
        self.find("#start").click()
        self.wait(lambda: self.text("#run-message").startswith("started kb-") and self.text("#run-message") != before,
                  "the run to start")
        return self.text("#run-message").split()[-1]


def main():
    began = time.monotonic()
    figures = {}
    driver = browser()
    ui = UI(driver)
    try:
        driver.get(URL + "/ui/")
        ui.wait(lambda: ui.find("#view-login").is_displayed(), "the login form")

        # A wrong token shows the server's 401 message; a viewer sees the 403 of Start.
        ui.login("kb_wrong")
        ui.wait(lambda: "unknown or revoked token" in ui.text("#login-error"), "the 401 message")
        ui.login(VIEWER)
        ui.wait(lambda: ui.find("#view-run").is_displayed(), "the run view")
        ui.wait(lambda: "✓ valid" in ui.text("#validation"), "the default configuration validated")
        ui.find("#start").click()
        ui.wait(lambda: "needs an operator token" in ui.text("#run-message"), "the 403 message")
        ui.find("#logout").click()
        ui.wait(lambda: ui.find("#view-login").is_displayed(), "the login form after logging out")
        assert ui.js("return sessionStorage.getItem('kb-token')") is None, "the token outlived the log-out"
        ui.login(OPERATOR)
        ui.wait(lambda: ui.find("#view-run").is_displayed(), "the run view")

        # Validation as one types: an error by line, then the test's configuration is valid.
        ui.set_config("client:\n  http_tool_configs:\n    duration: abc\n")
        ui.wait(lambda: "line 3" in ui.text("#validation"), "the error on line 3")
        figures["validation_error"] = ui.text("#validation .errors li")
        ui.set_config(CONFIG)
        ui.wait(lambda: "✓ valid" in ui.text("#validation"), "the configuration validated")

        # The first run: the live chart gains points, then the verdict.
        first = ui.start("baseline")
        ui.wait(lambda: ui.points() >= 1, "the first interval on the live chart")
        early = ui.points()
        ui.wait(lambda: ui.points() > early + 1, "more intervals on the live chart")
        later = ui.points()
        driver.save_screenshot(os.path.join(OUT, "live-running.png"))
        figures["live_points"] = [early, later]
        # Per server group: the selector offers both tenants, the table shows the last interval
        # of each, and one group's charts are drawn from its own share of the intervals.
        ui.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#live-group option")) == 3, "both groups in the selector")
        ui.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#live-groups tbody tr")) == 2, "the per-group table")
        figures["live_groups"] = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#live-groups tbody tr")]
        ui.js("const s = document.querySelector('#live-group'); s.value = 'tenant-1'; s.dispatchEvent(new Event('change'))")
        ui.wait(lambda: "tenant-1" in ui.text("#live-charts figcaption") and ui.points() >= 1, "tenant-1's charts")
        group_series = ui.js("return document.querySelectorAll('#live-charts figure:nth-child(2) polyline').length")
        assert group_series == 4, f"{group_series} percentile lines for one group"
        driver.save_screenshot(os.path.join(OUT, "live-group.png"))
        ui.js("const s = document.querySelector('#live-group'); s.value = ''; s.dispatchEvent(new Event('change'))")
        ui.wait(lambda: "Verdict: ok" in ui.text("#verdict"), "the first run's verdict", timeout=60)
        figures["final_points"] = ui.points()
        assert figures["final_points"] >= 5, f"{figures['final_points']} points for a 6 s run"
        figures["joined"] = f"{ui.text('#joined')}/{ui.text('#total')}"
        assert figures["joined"] == "4/4", figures["joined"]
        driver.save_screenshot(os.path.join(OUT, "live.png"))

        # Its result: the stage table and the charts from its intervals.
        ui.find("#verdict a").click()
        ui.wait(lambda: ui.find("#view-detail").is_displayed() and first in ui.text("#detail h2"), "the result")
        ui.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#detail tbody tr")) == 1, "the stage table")
        stage = ui.text("#detail tbody tr")
        assert "2 client VM(s)" in stage, stage
        assert ui.js("return document.querySelector('#detail polyline').points.numberOfItems") == figures["final_points"]
        driver.save_screenshot(os.path.join(OUT, "result.png"))

        # The second run, with a label that would be markup.
        ui.find("#nav a[data-view=run]").click()
        ui.wait(lambda: ui.find("#view-run").is_displayed(), "the run view")
        second = ui.start(SECOND_LABEL)
        ui.wait(lambda: second in ui.text("#live-run") and "Verdict: ok" in ui.text("#verdict"), "the second run's verdict", timeout=60)

        # Compare them: the first ticked is the baseline.
        ui.find("#nav a[data-view=history]").click()
        ui.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#runs tbody input")) == 2, "both runs in the history")
        ui.find(f"#runs input[data-run='{first}']").click()
        ui.find(f"#runs input[data-run='{second}']").click()
        ui.find("#compare-selected").click()
        ui.wait(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#differences tbody tr")) == 2, "the comparison table")
        rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "#differences tbody tr")]
        assert first in rows[0] and "baseline" in rows[0], rows
        assert second in rows[1] and SECOND_LABEL in rows[1], rows
        assert not driver.find_elements(By.CSS_SELECTOR, "#differences i"), "a label became markup"
        figures["compare_rows"] = rows
        figures["compare_lines"] = ui.js("return document.querySelectorAll('#compare polyline').length")
        assert figures["compare_lines"] == 4, figures["compare_lines"]
        driver.save_screenshot(os.path.join(OUT, "compare.png"))

        # Nothing but the server: the browser's own record of every request.
        ui.collect_network_log()
        server = urlsplit(URL).netloc
        def host(url):
            parts = urlsplit(url)
            if parts.scheme in ("data", "about"):
                return server
            return urlsplit(parts.path).netloc if parts.scheme == "blob" else parts.netloc
        foreign = [url for url in ui.requests if host(url) != server]
        figures["requests"] = len(ui.requests)
        figures["foreign_requests"] = foreign
        assert ui.requests, "the performance log recorded no request"
        assert not foreign, f"requests to other hosts: {foreign}"
    finally:
        driver.quit()
    figures["seconds"] = round(time.monotonic() - began, 1)
    print("RESULT " + json.dumps(figures))


if __name__ == "__main__":
    sys.exit(main())
