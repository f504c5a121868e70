"""Prints locust's --csv statistics as the Markdown table docs/benchmarks.md uses."""

import csv
import sys

with open(sys.argv[1], encoding="utf-8", newline="") as f:
    rows = list(csv.DictReader(f))
print("| kind | requests | failures | p50 ms | p95 ms | p99 ms | max ms | requests/s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for row in rows:
    name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
    print(f"| {name} | {int(row['Request Count']):,} | {int(row['Failure Count']):,} | {row['50%']} | {row['95%']} "
          f"| {row['99%']} | {float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |")
