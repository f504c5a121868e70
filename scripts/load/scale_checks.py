"""Checks of several `godwit serve` processes on one database (scripts/load/scale-out),
made directly against each process's own address:

- a session started on one process works on every other one (bearer token for
  the API, cookie for a portal page, cookie and CSRF token for a write), and
  signing out on one ends it on all;
- an item published through one process is found by every process's search,
  each from its own index following the outbox; prints how long each took.

  python scale_checks.py CREDENTIALS.json http://127.0.0.1:P1 http://127.0.0.1:P2 ...
Exits non-zero at the first check that fails.
"""

import json
import sys
import time
import uuid

from godwit_load import alert, call, login

CATCH_UP_SECONDS = 60


def check(condition, message):
    if not condition:
        sys.exit(f"FAILED: {message}")
    print(f"ok: {message}")


def sign_in(base, credentials, username):
    status, answer = login(base, credentials, username)
    check(status == 200, f"{username} signs in on {base} ({status})")
    return answer["token"], answer["csrf_token"]


def sessions_cross_processes(credentials, backends):
    for first in backends:
        token, csrf = sign_in(first, credentials, "ana.fji")
        for other in backends:
            status, me = call(other, "GET", "/api/v1/auth/me", token=token)
            check(status == 200 and me["user"]["username"] == "ana.fji",
                  f"the session from {first} is ana.fji's on {other} (bearer)")
            status, _ = call(other, "GET", "/items", cookie=token)
            check(status == 200, f"the session from {first} opens the portal's item list on {other} (cookie)")
        last = backends[-1] if backends[-1] != first else backends[0]
        status, _ = call(last, "POST", "/api/v1/auth/logout", cookie=token, csrf=csrf)
        check(status == 204, f"the session from {first} signs out on {last} (cookie and CSRF token)")
        for other in backends:
            status, _ = call(other, "GET", "/api/v1/auth/me", token=token)
            check(status == 401, f"the session signed out on {last} is refused on {other} ({status})")


def search_catches_up(credentials, backends):
    reader, _ = sign_in(backends[0], credentials, "ana.nzl")
    for publisher in backends:
        author, _ = sign_in(publisher, credentials, "ana.fji")
        officer, _ = sign_in(publisher, credentials, "auth.fji")
        word = "scaleout" + uuid.uuid4().hex[:10]
        status, item = call(publisher, "POST", "/api/v1/items", token=author,
                            body=alert("FJI", ["NZL"], word, f"Scale-out check {word}"))
        check(status == 201, f"a draft is written on {publisher} ({status})")
        status, _ = call(publisher, "POST", f"/api/v1/items/{item['id']}/submit", token=author)
        check(status == 200, f"it is submitted on {publisher}")
        status, _ = call(publisher, "POST", f"/api/v1/items/{item['id']}/approve", token=officer)
        check(status == 200, f"auth.fji publishes it on {publisher}")
        published = time.monotonic()
        for searcher in backends:
            while True:
                status, found = call(searcher, "GET", f"/api/v1/search?q={word}", token=reader)
                if status != 200:
                    check(False, f"search answers on {searcher} ({status}: {found})")
                if any(hit["item"]["id"] == item["id"] for hit in found["hits"]):
                    break
                if time.monotonic() - published > CATCH_UP_SECONDS:
                    check(False, f"{searcher} finds the item published on {publisher} within {CATCH_UP_SECONDS} s")
                time.sleep(0.1)
            check(True, f"{searcher} finds the item published on {publisher} after "
                        f"{time.monotonic() - published:.1f} s")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        credentials = {c["username"]: c for c in json.load(f)}
    backends = sys.argv[2:]
    sessions_cross_processes(credentials, backends)
    search_catches_up(credentials, backends)


if __name__ == "__main__":
    main()
