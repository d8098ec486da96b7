"""Reading and writing tables: a folder of CSV files or one XLSX workbook, a sheet per table.

Used by the researchers' sheet format and by the Security Force Monitor importer. Headers are
folded (case, accents, spaces → `_`), so `Start`, `start ` and `Inicio`-free variants match;
row numbers are those a spreadsheet shows (the header is row 1).
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadena.errors import CadenaError
from cadena.facts.names import fold


@dataclass
class Table:
    """One sheet as read: where it came from, its folded headers, and its rows by number."""

    name: str  # folded sheet name (`units`)
    file: str  # the file name as given (`units.csv` or `force.xlsx`)
    path: Path
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@functools.lru_cache(maxsize=4096)
def _header_key(text: str) -> str:
    return fold(text).replace(" ", "_").replace("-", "_")


def header_key(text: object) -> str:
    """A column name folded (`Unit:Name ` → `unit_name`); cached, as importers ask per cell."""
    return _header_key(str(text or ""))


def read_tables(path: Path) -> list[Table]:
    """Every sheet in a folder of CSV files or an XLSX workbook (or one CSV file)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
        if not files:
            raise CadenaError(f"{path} holds no .csv or .xlsx file.")
        tables: list[Table] = []
        for f in files:
            tables.extend(read_tables(f))
        return tables
    if not path.exists():
        raise CadenaError(f"{path} does not exist.")
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path)
    if path.suffix.lower() == ".csv":
        return [_read_csv(path)]
    raise CadenaError(f"{path} is neither a folder, a .csv nor an .xlsx file.")


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # what spreadsheet programs write on many Windows machines
    first = text.split("\n", 1)[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    del text  # the rows, not the text and a list of every row besides: large files are large
    header = next(reader, [])
    table = Table(header_key(path.stem), path.name, path, [header_key(h) for h in header])
    for n, values in enumerate(reader, start=2):
        _add_row(table, n, values)
    return table


def _read_xlsx(path: Path) -> list[Table]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise CadenaError(f"{path.name} could not be opened as an XLSX workbook ({exc}).") from None
    tables = []
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        table = Table(header_key(sheet.title), path.name, path, [header_key(h) for h in header])
        for n, values in enumerate(rows, start=2):
            _add_row(table, n, list(values))
        tables.append(table)
    book.close()
    return tables


def _add_row(table: Table, n: int, values: Sequence[Any]) -> None:
    cells = {}
    for h, v in zip(table.headers, values, strict=False):
        if isinstance(v, str):
            v = v.strip()
        if h and v not in (None, ""):
            cells[h] = v
    if cells:
        table.rows.append((n, cells))


def write_tables(
    out: Path, tables: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]
) -> list[Path]:
    """Write (name, headers, rows) as `out/<name>.csv` files, or as sheets of `out` if it ends in
    `.xlsx`. Returns the files written."""
    if out.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, headers, rows in tables:
            sheet = book.create_sheet(name[:31])
            sheet.append(list(headers))
            for row in rows:
                sheet.append([_cell(v) for v in row])
        out.parent.mkdir(parents=True, exist_ok=True)
        book.save(out)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, headers, rows in tables:
        p = out / f"{name}.csv"
        with p.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(headers)
            w.writerows([_cell(v) for v in row] for row in rows)
        written.append(p)
    return written


def _cell(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)  # 150, not 150.0, in CSV and XLSX alike
    return "" if v is None else v
