"""`ackd report` on a store the real daemon filled: what was replied, suppressed, claimed,
resolved, escalated and breached, by team and by rule, as JSON, CSV and a table; the HTML
page in a real browser (Debian's headless Chromium).
(The exact business-time arithmetic is checked on a known week in tests/unit/report_test.cpp.)
The real daemon and a real receiver on 127.0.0.1.

usage: report_test.py ACKD_BINARY [unittest arguments]
"""
import csv
import io
import json
import os
import subprocess
import sys
import time
import unittest
import urllib.parse

import browser
import harness
from harness import Daemon, Receiver, case_reference as reference, complaint, wait_for

ACKD = None


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.daemon = Daemon(ACKD, cls.receiver).start()
        cls.config = os.path.join(cls.daemon.dir, "ackd.yaml")
        post = lambda c: cls.daemon.post_complaint(c)[1]
        # support: answered, claimed and resolved; the same author again (reply limit).
        cls.first = post(complaint(1, author="a1"))
        post(complaint(2, author="a1"))
        # fast: 2s to claim, escalated after 1s; nobody claims it: a breach.
        cls.urgent = post(complaint(3, text="至急お願いします", author="a2"))
        d = cls.daemon
        wait_for(lambda: len(cls.receiver.messages("/x/reply")) == 2, "both replies")
        assert d.request("POST", f"/v1/complaints/{cls.first['id']}/claim", {"agent": "sato"})[0] == 200
        assert d.request("POST", f"/v1/complaints/{cls.first['id']}/resolve", {"agent": "sato"})[0] == 200
        wait_for(lambda: cls.receiver.messages("/lead"), "the escalation of the urgent case")
        time.sleep(2.5)  # past the urgent case's deadline
        d.stop()

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()
        cls.receiver.close()

    def report(self, *args):
        run = subprocess.run([ACKD, "report", "--config", self.config, "--since", "1h", *args],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout

    def test_by_team_as_json(self):
        r = json.loads(self.report("--format", "json"))
        self.assertEqual(r["by"], "team")
        total = r["total"]
        self.assertEqual(total["complaints"], 3)
        self.assertEqual(total["replies"]["sent"], 2)  # the first, and the urgent one's DM
        self.assertEqual(total["replies"]["suppressed"], {"limit": 1})
        self.assertEqual(total["first_response"]["count"], 2)
        self.assertEqual((total["handoffs"], total["claimed"], total["resolved"]), (3, 1, 1))
        self.assertEqual((total["deadline_met"], total["breaches"]), (1, 1))
        self.assertEqual(total["escalations"], {"1": 1})
        groups = {g["key"]: g for g in r["groups"]}
        self.assertEqual(set(groups), {"fast", "support"})
        self.assertEqual(groups["fast"]["breaches"], 1)
        self.assertEqual(groups["fast"]["deadline_met_pct"], 0.0)
        self.assertEqual(groups["support"]["deadline_met_pct"], 100.0)
        # The teams have no calendar of their own: business time is wall time.
        self.assertEqual(groups["support"]["to_claim"]["business"],
                         groups["support"]["to_claim"]["wall"])
        # The recurring topics: the rules, and the policy's list and keyword the texts held.
        self.assertEqual(r["topics"], [{"rule": "default", "complaints": 2, "previous": 0},
                                       {"rule": "urgent", "complaints": 1, "previous": 0}])
        self.assertEqual(r["lists"], [{"list": "hurry", "complaints": 1, "previous": 0}])
        self.assertEqual(r["keywords"], [{"keyword": "至急", "complaints": 1, "previous": 0}])
        self.assertEqual(r["repeat_complainants"][0]["author_id"], "a1")
        self.assertEqual(r["repeat_complainants"][0]["name"], "山田太郎")
        self.assertEqual(r["repeat_complainants"][0]["complaints"], 2)
        self.assertEqual(r["repeat_complainants"][0]["open"], 1)

    def test_by_rule_as_csv_and_as_a_table(self):
        rows = list(csv.DictReader(io.StringIO(self.report("--by", "rule", "--format", "csv"))))
        self.assertEqual([r["rule"] for r in rows], ["default", "urgent", "(total)"])
        self.assertEqual(rows[0]["complaints"], "2")
        self.assertEqual(rows[1]["escalations"], "1")
        self.assertEqual(rows[2]["replies_sent"], "2")
        table = self.report("--by", "rule")
        self.assertIn("rules that fired", table)
        self.assertRegex(table, r"\n  default  2  0\n")

    def test_the_api_answers_the_same_figures_while_the_daemon_runs(self):
        cli = json.loads(self.report("--format", "json", "--by", "rule"))
        self.daemon.start()
        try:
            status, api, _ = self.daemon.request("GET", "/v1/reports?since=1h&by=rule")
            self.assertEqual(status, 200, api)
            # What a delivery made since (a follow-up) cannot change.
            settled = ("complaints", "replies", "handoffs", "claimed", "resolved",
                       "deadline_met", "breaches", "to_claim", "to_resolve")
            for mine, theirs in zip([api["total"]] + api["groups"], [cli["total"]] + cli["groups"]):
                self.assertEqual({k: mine[k] for k in settled}, {k: theirs[k] for k in settled})
            status, text, headers = self.daemon.request("GET", "/v1/reports?since=1h&format=csv")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/csv"), headers)
            self.assertTrue(text.startswith("team,complaints,"), text)
            status, by_agent, _ = self.daemon.request("GET", "/v1/reports?since=1h&by=agent")
            self.assertEqual(status, 200, by_agent)
            agents = {g["key"]: g["complaints"] for g in by_agent["groups"]}
            self.assertEqual(agents, {"sato": 1, "(nobody yet)": 2})
            status, page, headers = self.daemon.request("GET", "/v1/reports?since=1h&format=html")
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith("text/html"), headers)
            self.assertIn("default-src 'none'", headers["Content-Security-Policy"])
            self.assertIn('<html lang="ja">', page)  # the policy's language
            status, page, _ = self.daemon.request("GET", "/v1/reports?since=1h&format=html&lang=en")
            self.assertIn('<html lang="en">', page)
            for query in ("by=someone", "since=soon", "format=pdf", "from=2026-13-01", "lang=fr"):
                status, body, _ = self.daemon.request("GET", "/v1/reports?" + query)
                self.assertEqual((status, body["error"]["code"]), (400, "invalid_query"), query)
            self.assertEqual(self.daemon.request("GET", "/v1/reports", token=None)[0], 401)
        finally:
            self.daemon.stop()

    def test_the_cases_behind_a_figure(self):
        breached = json.loads(self.report("--cases", "breaches", "--format", "json"))
        self.assertEqual((breached["figure"], breached["count"]), ("breaches", 1))
        case = breached["cases"][0]
        self.assertEqual(case["id"], self.urgent["id"])
        self.assertEqual((case["group"], case["rule"], case["team"]), ("fast", "urgent", "fast"))
        self.assertEqual(case["reference"], reference("x", "3"))
        table = self.report("--cases", "resolved", "--group", "support")
        self.assertIn("1 case counted in resolved of support\n", table)
        self.assertIn(self.first["id"], table)
        self.assertIn("  sato\n", table)
        rows = list(csv.DictReader(io.StringIO(self.report("--cases", "complaints", "--format", "csv"))))
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[0]["id"], self.first["id"])  # oldest first
        # The cases on a topic: the list's and the keyword's figures drill down too.
        hurried = json.loads(self.report("--cases", "complaints", "--list", "hurry", "--format", "json"))
        self.assertEqual((hurried["list"], hurried["count"]), ("hurry", 1))
        self.assertEqual(hurried["cases"][0]["id"], self.urgent["id"])
        self.assertIn("0 cases counted in complaints that mention 大至急\n",
                      self.report("--cases", "complaints", "--keyword", "大至急"))
        self.daemon.start()
        try:
            status, api, _ = self.daemon.request("GET", "/v1/reports?since=1h&cases=breaches&group=fast")
            self.assertEqual(status, 200, api)
            self.assertEqual(api["cases"], breached["cases"])
            status, none, _ = self.daemon.request("GET", "/v1/reports?since=1h&cases=breaches&group=support")
            self.assertEqual((none["count"], none["cases"]), (0, []))
            status, on_list, _ = self.daemon.request(
                "GET", "/v1/reports?since=1h&cases=complaints&keyword=" + urllib.parse.quote("至急"))
            self.assertEqual((status, on_list["keyword"], on_list["count"]), (200, "至急", 1))
            status, body, _ = self.daemon.request("GET", "/v1/reports?since=1h&cases=breach")
            self.assertEqual(status, 400)
            self.assertIn("breaches", body["error"]["message"])
        finally:
            self.daemon.stop()

    def test_bad_arguments_are_usage_errors(self):
        for args in (["--by", "someone"], ["--format", "pdf"], ["--lang", "fr"], ["--cases", "breach"],
                     ["--group", "fast"], ["--list", "hurry"], ["--cases", "breaches", "--format", "html"]):
            run = subprocess.run([ACKD, "report", "--config", self.config, "--since", "1h", *args],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 2, args)


class ReportInABrowserTest(unittest.TestCase):
    """The HTML report as people see it, in Debian's Chromium: the charts drawn, a hostile
    customer name shown as text, readable at a phone's width, in English and Japanese.
    ACKD_SCREENSHOTS=DIR keeps the screenshots."""
    HOSTILE = '<img src=x onerror="document.title=\'pwned\'"><b>Eve</b>'

    @classmethod
    def setUpClass(cls):
        why = browser.missing()
        if why:
            raise unittest.SkipTest(why)
        cls.receiver = Receiver()
        cls.daemon = Daemon(ACKD, cls.receiver).start()
        post = lambda c: cls.daemon.post_complaint(c)[1]
        first = post(complaint(1, author="eve", name=cls.HOSTILE))
        post(complaint(2, author="eve", name=cls.HOSTILE, text="まだ返事がありません"))
        post(complaint(3, text="至急お願いします", author="a2"))
        wait_for(lambda: len(cls.receiver.messages("/x/reply")) == 2, "the replies")
        # Resolved in time: a resolution time and a team's deadline to draw.
        assert cls.daemon.request("POST", f"/v1/complaints/{first['id']}/resolve",
                                  {"agent": "sato"})[0] == 200
        cls.daemon.stop()
        cls.pages = {}
        for lang in ("en", "ja"):
            run = subprocess.run([ACKD, "report", "--config", os.path.join(cls.daemon.dir, "ackd.yaml"),
                                  "--since", "1h", "--format", "html", "--lang", lang],
                                 capture_output=True, text=True, timeout=30)
            assert run.returncode == 0, run.stderr
            cls.pages[lang] = os.path.join(cls.daemon.dir, f"report.{lang}.html")
            with open(cls.pages[lang], "w", encoding="utf-8") as f:
                f.write(run.stdout)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()
        cls.receiver.close()

    def screenshot(self, driver, name, width):
        keep = os.environ.get("ACKD_SCREENSHOTS")
        path = os.path.join(keep or self.daemon.dir, name)
        browser.Browser.full_page_screenshot(driver, path, width)
        self.assertGreater(os.path.getsize(path), 10_000)  # a blank page is a few hundred bytes

    def test_the_charts_are_drawn_and_the_names_are_text(self):
        By = browser.By
        with browser.Browser(1280, 900, "en") as d:
            d.get("file://" + self.pages["en"])
            self.assertTrue(d.title.startswith("ackd report"), d.title)
            charts = d.find_elements(By.CSS_SELECTOR, "svg.chart")
            self.assertGreaterEqual(len(charts), 5)
            for chart in charts:
                self.assertGreater(chart.size["width"], 200)
                self.assertGreater(chart.size["height"], 20)
            self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "svg.heatmap rect")), 7 * 24)
            # Today's bar: one segment a rule (default, urgent), 3 complaints in all.
            bars = d.find_elements(By.CSS_SELECTOR, "svg.daily rect")
            self.assertEqual(len(bars), 2)
            self.assertEqual(d.find_element(By.CSS_SELECTOR, ".tile .value").text, "3")
            # The name is on the page as the customer wrote it, and nothing of it is markup.
            cells = [td.text for td in d.find_elements(By.CSS_SELECTOR, "td")]
            self.assertIn(self.HOSTILE, cells)
            self.assertEqual(d.find_elements(By.CSS_SELECTOR, "img, b, script"), [])
            self.assertNotEqual(d.title, "pwned")
            self.screenshot(d, "report-en.png", 1000)

    def test_readable_at_a_phones_width_and_in_japanese(self):
        By = browser.By
        with browser.Browser(390, 844, "ja") as d:
            d.get("file://" + self.pages["ja"])
            self.assertEqual(d.find_element(By.TAG_NAME, "html").get_attribute("lang"), "ja")
            headings = [h.text for h in d.find_elements(By.TAG_NAME, "h2")]
            self.assertIn("チーム別の期限内対応", headings)
            # The wide tables and charts scroll inside their own box; the page does not.
            page_width = d.execute_script("return document.documentElement.scrollWidth")
            window_width = d.execute_script("return window.innerWidth")
            self.assertLessEqual(page_width, window_width)
            for box in d.find_elements(By.CSS_SELECTOR, "section"):
                self.assertLessEqual(box.size["width"], window_width)
            self.screenshot(d, "report-ja-phone.png", 390)


if __name__ == "__main__":
    ACKD = os.path.abspath(sys.argv.pop(1))
    harness.main()
