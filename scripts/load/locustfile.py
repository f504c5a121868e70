"""Mixed workload against a Godwit demo region: search, read, publish, screen.

Every simulated session is a real sign-in of a demo user (password, and a TOTP
code for the roles that need one), then works as that person would:

- readers (analysts, national focal points, secretariat staff) search, list
  items, open an item's page in the portal (session cookie) and read it over
  the API (bearer token);
- authors (analysts of the fully staffed members) write an alert as a draft and
  submit it, and read;
- approvers (authorising officers of the same members) publish the submitted
  drafts of their member (four eyes: never their own), and read;
- front-line officers screen single travellers, taken from the demo's flight
  manifest (some of them planted watchlist hits), and read.

Sessions per kind are fixed (their sum is the user count, 200 by default), so
that two runs do the same work. Settings come from the environment, set by
scripts/load/run:

  GODWIT_CREDENTIALS  the demo's --credentials-file (required)
  GODWIT_MANIFEST     the demo's screening/manifest-FJ391.csv (required)
  GODWIT_LOAD_WAIT    think time between two tasks of a session, "MIN,MAX"
                      seconds (default "1,2"; "0,0" saturates the server)

Request names are the kinds reported: "sign-in", "search", "read: list",
"read: item page", "read: API item", "publish: create draft",
"publish: submit", "publish: approve", "screen: traveller".
"""

import collections
import csv
import itertools
import json
import os
import random

from locust import FastHttpUser, between, task

from godwit_load import alert, login_body

# Members whose analysts, authorising officers and front-line officers all exist
# (FULL_STAFF in crates/godwit-cli/src/demo/people.rs).
FULL_STAFF = ["fji", "aus", "png", "idn", "nzl", "tha"]
SEARCH_TERMS = [
    "passport", "fraud", "smuggling", "visa", "boat", "counterfeit", "trafficking",
    "overstay", "airport", "document", "network", "facilitator", "asylum", "route",
]

with open(os.environ["GODWIT_CREDENTIALS"], encoding="utf-8") as f:
    CREDENTIALS = {c["username"]: c for c in json.load(f)}
with open(os.environ["GODWIT_MANIFEST"], encoding="utf-8", newline="") as f:
    TRAVELLERS = list(csv.DictReader(f))
WAIT_MIN, WAIT_MAX = (float(s) for s in os.environ.get("GODWIT_LOAD_WAIT", "1,2").split(","))

# Drafts submitted and not yet published, per member; sessions run as greenlets
# of one process, so a popleft hands each draft to exactly one approver.
SUBMITTED = collections.defaultdict(collections.deque)
DRAFT_NUMBER = itertools.count(1)


def usernames(predicate):
    return sorted(name for name, c in CREDENTIALS.items() if predicate(name, c))


def expect(response, status):
    """Marks the request failed unless it answered `status`."""
    if response.status_code != status:
        response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
        return False
    return True


class Session(FastHttpUser):
    """A signed-in person; subclasses say who and add their own work."""

    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)
    pool = []
    counter = None

    def on_start(self):
        # Sessions of one kind take its users in turn, several sessions per user.
        self.username = self.pool[next(type(self).counter) % len(self.pool)]
        body = login_body(CREDENTIALS, self.username)
        with self.client.post("/api/v1/auth/login", json=body, name="sign-in", catch_response=True) as response:
            if not expect(response, 200):
                raise RuntimeError(f"{self.username} could not sign in: {response.text[:200]}")
            self.token = response.json()["token"]
        # Bearer for the API, as a script sends it; the portal page goes with the
        # session cookie the sign-in set, as a browser's would.
        self.api = {"Authorization": f"Bearer {self.token}"}
        self.seen = []

    @task(3)
    def search(self):
        params = {"q": random.choice(SEARCH_TERMS)}
        if random.random() < 0.3:
            params["kind"] = random.choice(["alert", "intelligence_report", "incident_record"])
        with self.client.get("/api/v1/search", params=params, headers=self.api, name="search",
                             catch_response=True) as response:
            expect(response, 200)

    @task(3)
    def read(self):
        params = {"limit": 50}
        if random.random() < 0.3:
            params["kind"] = random.choice(["alert", "intelligence_report", "incident_record"])
        with self.client.get("/api/v1/items", params=params, headers=self.api, name="read: list",
                             catch_response=True) as response:
            if not expect(response, 200):
                return
            items = response.json()["items"]
        if not items:
            return
        item = random.choice(items)["id"]
        with self.client.get(f"/items/{item}", name="read: item page", catch_response=True) as response:
            expect(response, 200)
        with self.client.get(f"/api/v1/items/{item}", headers=self.api, name="read: API item",
                             catch_response=True) as response:
            expect(response, 200)


class Reader(Session):
    fixed_count = 110
    pool = usernames(lambda name, c: set(c["roles"]) & {"analyst", "national_focal_point", "secretariat"}
                     and "authorising_officer" not in c["roles"])
    counter = itertools.count()


class Author(Session):
    fixed_count = 40
    pool = [f"ana.{m}" for m in FULL_STAFF]
    counter = itertools.count()

    @task(2)
    def publish(self):
        member = self.username.split(".")[1].upper()
        others = [m.upper() for m in FULL_STAFF if m.upper() != member]
        n = next(DRAFT_NUMBER)
        draft = alert(member, random.sample(others, 2), f"LT{n}", f"Load test draft {n}")
        with self.client.post("/api/v1/items", json=draft, headers=self.api, name="publish: create draft",
                              catch_response=True) as response:
            if not expect(response, 201):
                return
            item = response.json()["id"]
        with self.client.post(f"/api/v1/items/{item}/submit", headers=self.api, name="publish: submit",
                              catch_response=True) as response:
            if expect(response, 200):
                SUBMITTED[member].append(item)


class Approver(Session):
    fixed_count = 20
    pool = [f"auth.{m}" for m in FULL_STAFF]
    counter = itertools.count()

    @task(10)
    def approve(self):
        queue = SUBMITTED[self.username.split(".")[1].upper()]
        if not queue:
            return
        item = queue.popleft()
        with self.client.post(f"/api/v1/items/{item}/approve", headers=self.api, name="publish: approve",
                              catch_response=True) as response:
            expect(response, 200)


class Screener(Session):
    fixed_count = 30
    pool = [f"officer.{m}" for m in FULL_STAFF]
    counter = itertools.count()

    @task(6)
    def screen(self):
        row = random.choice(TRAVELLERS)
        fields = ("traveller_id", "surname", "given_names", "date_of_birth", "sex", "nationality", "origin",
                  "destination")
        traveller = {key: row[key] for key in fields if row[key]}
        if row["document_number"]:
            traveller["documents"] = [{"document_type": row["document_type"], "number": row["document_number"],
                                       "issuing_state": row["issuing_state"] or None,
                                       "expiry_date": row["expiry_date"] or None}]
        with self.client.post("/api/v1/screening/travellers", json=traveller, headers=self.api,
                              name="screen: traveller", catch_response=True) as response:
            expect(response, 200)
