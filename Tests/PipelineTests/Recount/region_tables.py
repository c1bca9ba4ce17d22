#!/usr/bin/env python3
"""An independent recount of a region's claims tables (Tabel 19, 23 and 26),
for RegionTests: plain per-line arithmetic over the claims extracts, nothing
of LunaPipe's engine. Lines the run rejected (its rejects.csv, by file and
line) are left out; everything else is counted.

usage: region_tables.py [--speciale=N] [--holdtraening=J|N] [--alder=LO-HI] REJECTS.CSV KOMMUNER(code,code,...) FILE...
(speciale 51 and every line unless told)
prints JSON: {"19": {kommune: {year: kroner}}, "23": ..., "26": ...} with
"total" for the region (patients distinct over the region).
"""
import csv, io, json, sys
from collections import defaultdict

def norm(name):
    n = name.strip().lower()
    for a, b in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        n = n.replace(a, b)
    return n

def text_of(path):
    raw = open(path, "rb").read()
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")

def cents(s):
    s = s.strip().replace(".", "")
    neg = s.startswith("-")
    s = s.lstrip("-+")
    whole, _, frac = s.partition(",")
    v = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -v if neg else v

def main():
    args = sys.argv[1:]
    options = {}
    while args and args[0].startswith("--"):
        k, _, v = args.pop(0)[2:].partition("=")
        options[k] = v
    only_speciale = int(options.get("speciale", "51"))
    hold = options.get("holdtraening")
    ages = None
    if "alder" in options:
        lo, _, hi = options["alder"].partition("-")
        ages = (int(lo), int(hi) if hi else 125)
    rejects_path, kommuner, files = args[0], args[1], args[2:]
    region = {int(k) for k in kommuner.split(",")}
    rejected = set()
    with open(rejects_path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rejected.add((r["file"], int(r["line"])))
    udgift = defaultdict(int)     # (kommune or "total", year) -> øre, by clinic kommune
    ydelser = defaultdict(int)
    patients = defaultdict(set)   # by patient kommune
    for path in files:
        text = text_of(path)
        header_line = text.split("\n", 1)[0]
        delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = [norm(h) for h in next(reader)]
        col = {h: i for i, h in reversed(list(enumerate(header)))}
        line = reader.line_num
        for fields in reader:
            start = line + 1
            line = reader.line_num
            if not fields or (path, start) in rejected:
                continue
            year = int(fields[col["aar"]])
            speciale = int(fields[col["speciale"]])
            if speciale != only_speciale:
                continue
            if hold is not None and fields[col["holdtraening"]].strip().upper() != hold:
                continue
            if ages is not None and not (ages[0] <= int(fields[col["patientalder"]]) <= ages[1]):
                continue
            antal = int(fields[col["antal"]].replace(".", ""))
            yk = int(fields[col["yderkommune"]])
            pk = int(fields[col["patientkommune"]])
            if yk in region:
                for k in (yk, "total"):
                    udgift[(k, year)] += cents(fields[col["bruttohonorar"]])
                    ydelser[(k, year)] += antal
            if pk in region and antal > 0:
                for k in (pk, "total"):
                    patients[(k, year)].add(fields[col["patientid"]])
    def table(values):
        out = defaultdict(dict)
        for (k, y), v in values.items():
            out[str(k)][str(y)] = v
        return out
    json.dump({
        "19": table(udgift), "23": table(ydelser),
        "26": table({k: len(v) for k, v in patients.items()}),
    }, sys.stdout)

main()
