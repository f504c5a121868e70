#!/usr/bin/env python3
"""Splink on the data of `godwit bench screening --export DIR` (issue 6).

Links the manifest's travellers to the persons watchlist with Splink (DuckDB
backend), set up as a user would: names transliterated to ASCII with
Unidecode, lower-cased and their words sorted (so that order does not
matter), Jaro-Winkler on the full name and on the surname, Levenshtein on the
date of birth, exact nationality and sex; blocking on the date of birth, on
the surname with the year of birth, and on the first two letters of the
sorted name with the year of birth; u by random sampling, m by
expectation maximisation. Then reports recall and precision against the
planted person hits (planted.csv; document hits are left out: Splink links
records of persons), with the same definitions as `godwit bench screening`:

- recall: planted travellers whose listed person is among the predicted pairs;
- precision: travellers with any predicted pair whose planted person is among them.

Usage:
    target/venv/bin/python scripts/splink_compare.py DIR [--threshold 0.9] [--json]

Install: target/venv/bin/pip install -r scripts/bench-requirements.txt
"""

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from unidecode import unidecode


def normalise(text):
    """ASCII, lower case, letters and spaces only."""
    ascii_text = unidecode(text or "").lower()
    return "".join(c if c.isalpha() else " " for c in ascii_text).split()


FIELDS = ["unique_id", "full_name", "surname", "dob", "dob_year", "nationality", "sex"]


def record(uid, words, surname, dob, nationality, sex):
    return {
        "unique_id": uid,
        "full_name": " ".join(sorted(words)) or None,
        "surname": surname or None,
        "dob": dob or None,
        "dob_year": (dob or "")[:4] or None,
        "nationality": nationality or None,
        "sex": sex or None,
    }


def columns(records):
    return pa.table({f: [r[f] for r in records] for f in FIELDS})


def load(dir_path):
    persons = []
    with open(dir_path / "persons.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            words = normalise(row["name"])
            # The list writes given names first; the last word stands for the surname.
            surname = words[-1] if words else None
            persons.append(record(row["id"], words, surname, row["date_of_birth"], row["nationality"], row["sex"]))
    travellers = []
    with open(dir_path / "manifest.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            surname = normalise(row["surname"])
            words = normalise(row["given_names"]) + surname
            travellers.append(
                record(row["traveller_id"], words, surname[-1] if surname else None, row["date_of_birth"],
                       row["nationality"], row["sex"])
            )
    planted = {}
    with open(dir_path / "planted.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["watchlist_id"].startswith("P"):
                planted[row["traveller_id"]] = row["watchlist_id"]
    return columns(persons), columns(travellers), planted


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path, help="directory written by godwit bench screening --export")
    parser.add_argument("--threshold", type=float, default=0.9, help="match probability for a predicted pair")
    parser.add_argument("--json", action="store_true", help="print one JSON line (for godwit bench screening --splink)")
    args = parser.parse_args()

    started = time.perf_counter()
    persons, travellers, planted = load(args.dir)
    con = duckdb.connect()
    for name, table in (("watchlist", persons), ("manifest", travellers)):
        con.register(f"{name}_arrow", table)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    loaded = time.perf_counter()
    print(
        f"loaded {persons.num_rows} persons, {travellers.num_rows} travellers in {loaded - started:.1f} s",
        file=sys.stderr,
    )

    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("full_name", [0.95, 0.88, 0.8]),
            cl.JaroWinklerAtThresholds("surname", [0.95, 0.88]),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("surname", "dob_year"),
            block_on("substr(full_name, 1, 2)", "dob_year"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(
        [db_api.register("watchlist", table_name="wl"), db_api.register("manifest", table_name="mf")],
        settings,
        log_level="WARNING",
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("full_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "dob_year"))
    trained = time.perf_counter()

    lowest = min(0.5, args.threshold)
    predictions = linker.inference.predict(threshold_match_probability=lowest)
    relation = predictions.as_duckdbpyrelation()
    pairs = relation.fetchall()
    columns = [c.lower() for c in relation.columns]
    predicted = time.perf_counter()

    left = columns.index("unique_id_l")
    right = columns.index("unique_id_r")
    probability = columns.index("match_probability")
    source_l = columns.index("source_dataset_l") if "source_dataset_l" in columns else None

    def measure(threshold):
        found = {}
        for row in pairs:
            if row[probability] < threshold:
                continue
            a, b = row[left], row[right]
            # Which side is the traveller: by source dataset when given, else by id shape.
            if source_l is not None and row[source_l] in ("mf", "manifest"):
                traveller, person = a, b
            elif source_l is not None:
                traveller, person = b, a
            else:
                traveller, person = (a, b) if a.startswith("T") else (b, a)
            found.setdefault(traveller, set()).add(person)
        recalled = sum(1 for t, p in planted.items() if p in found.get(t, ()))
        correct = sum(1 for t, ps in found.items() if planted.get(t) in ps)
        return {
            "threshold": threshold,
            "flagged_travellers": len(found),
            "recall": recalled / len(planted) if planted else 0.0,
            "precision": correct / len(found) if found else 0.0,
        }

    main_result = measure(args.threshold)
    report = {
        "splink_version": splink.__version__,
        "duckdb_version": duckdb.__version__,
        "persons": persons.num_rows,
        "travellers": travellers.num_rows,
        "planted_persons": len(planted),
        "threshold": args.threshold,
        "pairs_scored": None,
        "pairs_predicted": len(pairs),
        "flagged_travellers": main_result["flagged_travellers"],
        "recall": main_result["recall"],
        "precision": main_result["precision"],
        "by_threshold": [measure(t) for t in sorted({lowest, args.threshold, 0.99})],
        "seconds_loading": loaded - started,
        "seconds_training": trained - loaded,
        "seconds_predict": predicted - trained,
        "seconds_total": predicted - loaded,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
