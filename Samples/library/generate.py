#!/usr/bin/env python3
"""Writes the library examples' small data files (seeded: the same files every
time): strikes.csv (bird strikes: date, airport, species, damage, cost),
airports.csv (the airport table they look up, `;`-separated) and sales.csv
(state, date, amount, customer), beside this script. The files are kept in
git; this script says how they were made."""
import os
import random

os.chdir(os.path.dirname(os.path.abspath(__file__)))

r = random.Random(22)
airports = [("LAX", "CA", "Los Angeles"), ("SFO", "CA", "San Francisco"), ("SAN", "CA", "San Diego"),
            ("JFK", "NY", "New York JFK"), ("LGA", "NY", "LaGuardia"), ("AUS", "TX", "Austin"),
            ("DFW", "TX", "Dallas/Fort Worth"), ("ORD", "IL", "Chicago O'Hare"), ("MSP", "MN", "Minneapolis"),
            ("SEA", "WA", "Seattle")]
with open("airports.csv", "w") as f:
    f.write("iata;state;name\n")
    for a in airports:
        f.write(";".join(a) + "\n")
species = ["Gull", "Canada goose", "Mourning dove", "Red-tailed hawk", "\"Sparrow, house\"", "Barn swallow"]
with open("strikes.csv", "w") as f:
    f.write("date,airport,species,damage,cost\n")
    for _ in range(400):
        y = r.randint(1978, 2024)
        code = "XXX" if r.random() < 0.02 else r.choice([a[0] for a in airports])
        damage = r.choice(["", "none", "none", "minor", "substantial"])
        cost = r.randint(0, 900000) if damage not in ("", "none") else 0
        f.write(f"{y:04d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d},{code},{r.choice(species)},{damage},"
                f"{cost // 100}.{cost % 100:02d}\n")
states = ["Maine", "Vermont", "Ohio", "Iowa", "Texas", "Georgia", "Oregon", "Nevada"]
with open("sales.csv", "w") as f:
    f.write("state,date,amount,customer\n")
    for _ in range(300):
        cents = r.randint(1, 250000)
        customer = f"c{r.randint(1, 60):03d}" if r.random() < 0.9 else ""
        f.write(f"{r.choice(states)},2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d},{cents // 100}.{cents % 100:02d},"
                f"{customer}\n")
