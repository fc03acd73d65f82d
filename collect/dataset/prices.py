"""Prices: what a device costs to buy, or a machine to rent by the hour, so boards can show samples per dollar.

`prices/prices.csv`, one line per price, extended by contributors like results files are:

    device,env,price_usd,per,source,date,note
    NVIDIA GeForce RTX 3090,,1499,unit,"NVIDIA launch price, announced 2020-09-01",2020-09-01,the card alone
    ,apple-m1-mba13-2020,999,unit,"Apple Newsroom, MacBook Air M1 launch, 2020-11-10",2020-11-10,the whole laptop

- `device`: a device as results files spell it (collect.contract.devices makes spellings one key), for a part
  bought on its own (a GPU); or
- `env`: one environment, for a whole machine (a laptop's price is the laptop's) or a rented one (`per` hour);
- `price_usd` > 0, `per` one of PER (unit: to buy once; hour: to rent), `source` (where the price was read: a
  page or a shop, never a guess) and `date` (YYYY-MM-DD, the day the price held: a launch price its announcement;
  prices move) are required; `note` is free text.

A line with a problem is named `FILE:LINE: column: reason`, as results files are, and left out; the others load.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from collect.contract.devices import device_key
from collect.dataset.validate import Problem

COLUMNS = ("device", "env", "price_usd", "per", "source", "date", "note")
PER = ("unit", "hour")
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Price:
    device: str  # the device key ("" for an env's price)
    env: str
    usd: float
    per: str
    source: str
    date: str
    note: str = ""


def _line_problems(path: str, line: int, row: dict[str, str]) -> list[Problem]:
    def problem(column: str, reason: str) -> Problem:
        return Problem(path, line, column, reason)
    out = []
    device, env = row.get("device", "").strip(), row.get("env", "").strip()
    if bool(device) == bool(env):
        out.append(problem("device", "give a device (a part bought alone) or an env (a whole or rented machine), one of the two"))
    try:
        usd = float(row.get("price_usd", "").replace(",", ""))
        if not (usd > 0 and usd < 1e9):
            out.append(problem("price_usd", f"must be a number of US dollars above 0, but {row.get('price_usd')!r} was given"))
    except ValueError:
        out.append(problem("price_usd", f"must be a number of US dollars above 0, but {row.get('price_usd')!r} was given"))
    if row.get("per", "").strip() not in PER:
        out.append(problem("per", f"must be one of {PER} (unit: to buy; hour: to rent), but {row.get('per', '')!r} was given"))
    elif row.get("per", "").strip() == "hour" and not env:
        out.append(problem("per", "a price per hour is a rented machine's: give its env, not a device"))
    if not row.get("source", "").strip():
        out.append(problem("source", "say where the price was read (a page, a shop, a quote): it shows beside every figure it divides"))
    if not _DATE.match(row.get("date", "").strip()):
        out.append(problem("date", f"must be the day the price was read, YYYY-MM-DD, but {row.get('date', '')!r} was given"))
    return out


def load_prices(path: str | Path) -> tuple[list[Price], list[Problem]]:
    """The valid prices of a prices file and the problems of the rest; ([], []) where there is no such file."""
    path = Path(path)
    if not path.is_file():
        return [], []
    name = str(path)
    if path.stat().st_size > MAX_BYTES:
        return [], [Problem(name, 0, "file", f"is {path.stat().st_size:,} bytes; a prices file holds at most {MAX_BYTES:,}")]
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [Problem(name, 0, "file", "is not UTF-8: save it as CSV UTF-8")]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [Problem(name, 1, missing[0], f"the header must hold {', '.join(COLUMNS)}; {', '.join(missing)} missing")]
    prices, problems = [], []
    for row in reader:
        line = reader.line_num
        row = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
        found = _line_problems(name, line, row)
        if found:
            problems += found
            continue
        device = device_key(row["device"]) if row["device"] else ""
        prices.append(Price(device, row["env"], float(row["price_usd"].replace(",", "")), row["per"], row["source"], row["date"],
                            row.get("note", "")))
    return prices, problems
