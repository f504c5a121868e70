#!/usr/bin/env python3
"""What SQLite alone costs for the rows an incident import writes.

Replays, with Python's sqlite3 module, the rows `godwit import incidents`
writes for each record of a people-smuggling sheet: the item (31 columns and
its indexes), its history entry, the incident facts, one person group, three
route legs and the outbox entry, after looking the import keys up, in chunks of
500 records inside one transaction, with the pragmas of crates/godwit-store
(WAL, synchronous=NORMAL, temp_store=memory). Statements are prepared once and
reused (executemany), so the time is SQLite's (plus a little Python): a floor
under what the Rust import can reach with this schema.

The tables and indexes mirror migrations 1, 5 and 7 of crates/godwit-store/src/schema.rs.

    python3 scripts/import_floor.py --rows 1000000 --db /tmp/floor.db
    python3 scripts/import_floor.py --rows 300000 --cache-mib 1024
    python3 scripts/import_floor.py --rows 100000 --skip legs   # what one table costs

Prints wall and CPU seconds; docs/benchmarks.md, *Incident import*, has the figures.
"""

import argparse
import json
import os
import random
import sqlite3
import time

SCHEMA = """
CREATE TABLE items (id text NOT NULL PRIMARY KEY, kind text NOT NULL, category text NOT NULL,
  originator_member text NOT NULL, originator_org text NOT NULL, author text NOT NULL, state text NOT NULL,
  classification bigint NOT NULL, tlp text NOT NULL, caveat_no_third_party bool NOT NULL,
  caveat_not_for_judicial_use bool NOT NULL, caveat_personal_data bool NOT NULL, valid_from bigint,
  valid_until bigint, title text NOT NULL, summary text NOT NULL, body text NOT NULL, details text NOT NULL,
  grading text, tags text NOT NULL, countries text NOT NULL, environment text, version bigint NOT NULL,
  supersedes text, superseded_by text, created_at bigint NOT NULL, updated_at bigint NOT NULL,
  published_at bigint, approved_by text, return_comment text, withdrawn_reason text);
CREATE INDEX items_by_update ON items (updated_at, id);
CREATE INDEX items_by_originator ON items (originator_member, updated_at);
CREATE INDEX items_by_state ON items (state, updated_at);
CREATE TABLE item_history (id text NOT NULL PRIMARY KEY, item_id text NOT NULL, at bigint NOT NULL,
  actor text NOT NULL, action text NOT NULL, comment text, snapshot text NOT NULL);
CREATE INDEX item_history_by_item ON item_history (item_id, at);
CREATE TABLE incident_facts (item_id text NOT NULL PRIMARY KEY, originator_member text NOT NULL,
  category text NOT NULL, environment text, occurred_on text NOT NULL, occurred_month text NOT NULL,
  persons bigint NOT NULL, origin text, destination text, transport text, method_type text, outcome_type text,
  fee_amount bigint, fee_currency text, facilitators bigint NOT NULL, import_key text);
CREATE INDEX incident_facts_by_month ON incident_facts (occurred_month, category);
CREATE INDEX incident_facts_by_import_key ON incident_facts (originator_member, import_key);
CREATE INDEX incident_facts_by_day ON incident_facts (occurred_on);
CREATE TABLE incident_persons (item_id text NOT NULL, nationality text NOT NULL, sex text NOT NULL,
  age_band text NOT NULL, count bigint NOT NULL);
CREATE INDEX incident_persons_by_item ON incident_persons (item_id);
CREATE INDEX incident_persons_by_nationality ON incident_persons (nationality, item_id);
CREATE TABLE incident_legs (item_id text NOT NULL, seq bigint NOT NULL, role text NOT NULL,
  country text NOT NULL, PRIMARY KEY (item_id, seq));
CREATE INDEX incident_legs_by_country ON incident_legs (country, item_id);
CREATE TABLE outbox (id bigint NOT NULL PRIMARY KEY, item_id text NOT NULL, op text NOT NULL, at bigint NOT NULL);
"""

TABLES = ["lookup", "items", "history", "facts", "persons", "legs", "outbox"]
COUNTRIES = ["AFG", "LKA", "BGD", "IRN", "IRQ", "CHN", "VNM", "MMR", "PAK", "IND", "SGP", "IDN", "MYS", "AUS"]
CHUNK = 500


def uuid7(rng, counter):
    """A time-ordered id as UUID v7 text: rising like the store's."""
    return "%08x-%04x-7%03x-8%03x-%012x" % (
        counter >> 16, counter & 0xFFFF, rng.getrandbits(12), rng.getrandbits(12), rng.getrandbits(48))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="/tmp/import-floor.db")
    parser.add_argument("--cache-mib", type=int, default=64, help="page cache (the store uses 64 MiB)")
    parser.add_argument("--skip", action="append", default=[], choices=TABLES, help="leave a table out")
    args = parser.parse_args()
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(args.db + suffix):
            os.remove(args.db + suffix)
    db = sqlite3.connect(args.db, isolation_level=None)
    for pragma in ["journal_mode=wal", "synchronous=normal", "temp_store=memory", f"cache_size={-1024 * args.cache_mib}"]:
        db.execute(f"PRAGMA {pragma}")
    db.executescript(SCHEMA)
    rng = random.Random(1)
    org, author, now = "0" * 8 + "-0000-4000-8000-" + "0" * 12, "1" * 8 + "-1111-4111-8111-" + "1" * 12, 1_764_000_000_000
    started, cpu = time.time(), time.process_time()
    db.execute("BEGIN IMMEDIATE")
    counter = 0
    for start in range(0, args.rows, CHUNK):
        n = min(CHUNK, args.rows - start)
        ids = [uuid7(rng, (counter := counter + 2)) for _ in range(n)]
        keys = ["%032x" % rng.getrandbits(128) for _ in range(n)]
        days = ["20%02d-%02d-%02d" % (rng.randint(24, 25), rng.randint(1, 12), rng.randint(1, 28)) for _ in range(n)]
        legs = [(rng.choice(COUNTRIES), rng.choice(COUNTRIES), rng.choice(COUNTRIES)) for _ in range(n)]
        if "lookup" not in args.skip:
            marks = ",".join("?" * n)
            db.execute(f"SELECT import_key FROM incident_facts WHERE originator_member = ? AND import_key IN ({marks})",
                       ["FJI", *keys]).fetchall()
        if "items" not in args.skip:
            details = [json.dumps({"kind": "incident_record", "occurred_on": d, "place": f"Sector {start + i}",
                                   "border_post": "Nadi International Airport", "persons": 12,
                                   "profile": [{"nationality": leg[0], "sex": "unknown", "age_band": "unknown", "count": 12}],
                                   "route": {"origin": leg[0], "transit": [leg[1]], "destination": leg[2]},
                                   "transport": "commercial_flight", "method_type": None, "method": "",
                                   "fee": {"amount": 4500, "currency": "USD"},
                                   "facilitators": {"count": 0, "nationalities": []}, "documents": [],
                                   "outcome_type": None, "outcome": "", "import_key": k})
                       for i, (d, leg, k) in enumerate(zip(days, legs, keys))]
            db.executemany("INSERT INTO items VALUES (%s)" % ",".join("?" * 31), [
                (i, "incident_record", "people_smuggling", "FJI", org, author, "draft", 1, "amber", 0, 0, 0, None, None,
                 f"People smuggling: 12 person(s) {leg[0]} at Nadi International Airport, {d}", "", "", det, None,
                 "[]", "[]", "air", 1, None, None, now, now, None, None, None, None)
                for i, d, leg, det in zip(ids, days, legs, details)])
        if "history" not in args.skip:
            db.executemany("INSERT INTO item_history VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [(uuid7(rng, (counter := counter + 1)), i, now, author, "import", None, "") for i in ids])
        if "facts" not in args.skip:
            db.executemany("INSERT INTO incident_facts VALUES (%s)" % ",".join("?" * 16), [
                (i, "FJI", "people_smuggling", "air", d, d[:7], 12, leg[0], leg[2], "commercial_flight", None, None,
                 4500, "USD", 0, k) for i, d, leg, k in zip(ids, days, legs, keys)])
        if "persons" not in args.skip:
            db.executemany("INSERT INTO incident_persons VALUES (?, ?, ?, ?, ?)",
                           [(i, leg[0], "unknown", "unknown", 12) for i, leg in zip(ids, legs)])
        if "legs" not in args.skip:
            db.executemany("INSERT INTO incident_legs VALUES (?, ?, ?, ?)", [
                row for i, leg in zip(ids, legs)
                for row in [(i, 0, "origin", leg[0]), (i, 1, "transit", leg[1]), (i, 2, "destination", leg[2])]])
        if "outbox" not in args.skip:
            db.executemany("INSERT INTO outbox VALUES (?, ?, ?, ?)",
                           [(start + k + 1, i, "upsert", now) for k, i in enumerate(ids)])
    written = time.time()
    db.execute("COMMIT")
    done = time.time()
    seconds, cpu = done - started, time.process_time() - cpu
    size = os.path.getsize(args.db) / 1e6
    print(f"{args.rows} records, cache {args.cache_mib} MiB, skipped {args.skip or 'nothing'}: "
          f"inserts {written - started:.1f} s, commit {done - written:.1f} s, total {seconds:.1f} s "
          f"({args.rows / seconds:,.0f} records/s), CPU {cpu:.1f} s ({1e6 * cpu / args.rows:.0f} µs per record), "
          f"database {size:.0f} MB")


if __name__ == "__main__":
    main()
