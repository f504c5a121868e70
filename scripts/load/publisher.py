"""Publishes alerts in a loop (ana.fji writes and submits, auth.fji approves)
until killed, signing in again whenever the server went away; prints the id of
every item it saw published, one a line. For scripts/load/faults.

  python publisher.py CREDENTIALS.json http://127.0.0.1:PORT
"""

import json
import sys
import time
import uuid

from godwit_load import alert, call, login


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        credentials = {c["username"]: c for c in json.load(f)}
    base = sys.argv[2]
    tokens = {}
    while True:
        try:
            if not tokens:
                tokens = {name: login(base, credentials, name)[1]["token"] for name in ("ana.fji", "auth.fji")}
            series = "KILL" + uuid.uuid4().hex[:8]
            status, item = call(base, "POST", "/api/v1/items", token=tokens["ana.fji"],
                                body=alert("FJI", ["NZL"], series, f"Fault test {series}"))
            if status == 401:
                tokens = {}
                continue
            call(base, "POST", f"/api/v1/items/{item['id']}/submit", token=tokens["ana.fji"])
            status, _ = call(base, "POST", f"/api/v1/items/{item['id']}/approve", token=tokens["auth.fji"])
            if status == 200:
                print(item["id"], series, flush=True)
        except (OSError, KeyError, TypeError):
            # The server is down (killed) or answered something else: try again.
            tokens = {}
            time.sleep(0.2)


if __name__ == "__main__":
    main()
