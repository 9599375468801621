"""Reading a whole file safely: YAML or JSON into plain data, CSV or XLSX into sheets of rows.

Every file is named as the user named it (`source`), never by where the server keeps it. Files
that would exhaust the server are refused before they are unpacked or expanded: a YAML file of
aliases that repeat each other (1.5 KB becoming gigabytes), deep nesting, a zip bomb posing as a
workbook, a sheet of a million rows.
"""

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import yaml

from config.importing.problems import ImportFileError

try:  # libyaml's parser is about ten times faster than the pure-Python one
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
TABLE_SUFFIXES = frozenset({".csv", ".xlsx"})

MAX_FILE_BYTES = 20 * 1024 * 1024
# Values in a YAML or JSON file, counting an alias as everything it repeats.
MAX_VALUES = 1_000_000
MAX_DEPTH = 50
# A workbook is a zip of XML: what it unpacks to is checked before anything opens it.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 100
MAX_CELLS = 500_000
# Longer than any description in the papers, far shorter than Excel's own 32,767.
MAX_CELL_CHARS = 10_000


def refuse(source: str, message: str) -> ImportFileError:
    return ImportFileError(source, [f"{source}: {message}"])


def suffix_of(source: str, allowed: Iterable[str], what: str) -> str:
    """The file's kind from the name the user gave it, or a clear error."""
    allowed = sorted(allowed)
    name = PurePath(source).name
    suffix = PurePath(name).suffix.lower()
    if not suffix and name.lower() in allowed:
        raise refuse(source, f"the file has no name before {name!r}: rename it, e.g. to 'plan{name.lower()}'")
    if suffix not in allowed:
        raise refuse(source, f"not {what} (expected {', '.join(allowed[:-1])} or {allowed[-1]})")
    return suffix


def _cannot_read(source: str, error: OSError) -> ImportFileError:
    # strerror only: the error itself names the server's path
    return refuse(source, f"cannot be read: {error.strerror or 'not a file'}")


def _check_size(path: Path, source: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise _cannot_read(source, error) from None
    if size > MAX_FILE_BYTES:
        raise refuse(source, f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")


def _read_bytes(path: Path, source: str) -> bytes:
    _check_size(path, source)
    try:
        return path.read_bytes()
    except OSError as error:
        raise _cannot_read(source, error) from None


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise refuse(source, f"is not UTF-8 text (byte {error.start + 1})") from None


# -- YAML and JSON ----------------------------------------------------------------------------------


class _Loader(_SafeLoader):
    """Safe YAML without implicit dates: a date stays text until the field that wants one reads
    (and checks) it, so "2018-02-30" is that field's error, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
# Tags this reader builds itself; a file with any other (!!set, !!binary ...) is read by PyYAML's
# own safe loader once its shape has been checked.
_OWN_TAGS = {None, "!", _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool"}
_OWN_TAGS |= {"tag:yaml.org,2002:null", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


class _Merge:
    """The key `<<`: the mapping (or list of mappings) it names is merged into this one."""


class _Frame:
    """A mapping or sequence being read: its values so far and how many values it stands for."""

    __slots__ = ("anchor", "items", "key", "line", "merges", "size")

    def __init__(self, items: Any, anchor: str | None, line: int):
        self.items = items
        self.anchor = anchor
        self.line = line
        self.size = 1
        self.key: Any = _Frame  # no key read yet (mappings alternate key, value)
        self.merges: list[dict] = []


class _YamlReader:
    """One pass over libyaml's events (nothing recurses, so no nesting can overflow the stack)
    that refuses a document nested too deeply, one whose aliases expand to too many values, or
    an alias inside what it repeats, and builds the data as PyYAML's safe loader would, several
    times faster than composing a node tree and constructing from it."""

    def __init__(self, source: str):
        self.source = source
        self.resolvers = _Loader.yaml_implicit_resolvers
        self.constructor = yaml.constructor.SafeConstructor()
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open: list[_Frame] = []
        self.total = 0
        self.needs_pyyaml = False
        self.document: Any = None

    def refuse(self, line: int, message: str) -> ImportFileError:
        return refuse(self.source, f"line {line}: {message}")

    def read(self, text: str) -> Any:
        documents, result = 0, None
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.ScalarEvent):
                self.add(self.scalar(event), 1, event.anchor, line)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in self.anchors:
                    if any(frame.anchor == event.anchor for frame in self.open):
                        raise self.refuse(line, f"the alias *{event.anchor} is inside what it repeats")
                    raise self.refuse(line, f"the alias *{event.anchor} names no anchor above it")
                value, size = self.anchors[event.anchor]
                self.add(value, size, None, line)
            elif isinstance(event, yaml.CollectionStartEvent):
                if len(self.open) >= MAX_DEPTH:
                    raise self.refuse(line, f"nested more than {MAX_DEPTH} levels deep")
                if event.tag not in _OWN_TAGS:
                    self.needs_pyyaml = True
                self.total += 1
                items: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                self.open.append(_Frame(items, event.anchor, line))
            elif isinstance(event, yaml.CollectionEndEvent):
                frame = self.open.pop()
                value = frame.items
                if frame.merges:
                    value = {}
                    for merged in frame.merges:
                        value.update(merged)
                    value.update(frame.items)
                self.add(value, frame.size, frame.anchor, frame.line, counted=True)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self.refuse(line, "holds more than one YAML document")
            elif isinstance(event, yaml.DocumentEndEvent):
                result = self.document
        return result

    def scalar(self, event: Any) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolve(event.value) if event.implicit[0] else _STR
        if tag == _STR:
            return event.value
        if tag == _MERGE:
            return _Merge
        if tag not in _OWN_TAGS:
            self.needs_pyyaml = True
            return event.value
        construct = self.constructor.yaml_constructors[tag]
        return construct(self.constructor, yaml.ScalarNode(tag, event.value, style=event.style))

    def resolve(self, value: str) -> str:
        for tag, regexp in self.resolvers.get(value[0] if value else "", ()):
            if regexp.match(value):
                return str(tag)
        return _STR

    def add(self, value: Any, size: int, anchor: str | None, line: int, counted: bool = False) -> None:
        if anchor is not None:
            if anchor in self.anchors:
                raise self.refuse(line, f"the anchor &{anchor} is defined twice")
            self.anchors[anchor] = (value, size)
        if not counted:
            self.total += size
            if self.total > MAX_VALUES:
                raise self.refuse(line, f"holds more than {MAX_VALUES:,} values (counting what aliases repeat)")
        if not self.open:
            self.document = value
            return
        frame = self.open[-1]
        frame.size += size
        if isinstance(frame.items, list):
            frame.items.append(value)
        elif frame.key is _Frame:
            if isinstance(value, (dict, list)):
                raise self.refuse(line, "a key must be text or a number, not a list or mapping")
            frame.key = value
        else:
            if frame.key is _Merge:
                merges = value if isinstance(value, list) else [value]
                if not all(isinstance(m, dict) for m in merges):
                    raise self.refuse(line, "<< merges a mapping or a list of mappings")
                frame.merges.extend(reversed(merges))
            else:
                frame.items[frame.key] = value
            frame.key = _Frame


def _check_json_shape(data: Any, source: str) -> None:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise refuse(source, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def read_data_file(path: Path | str, source: str, what: str) -> Any:
    """A YAML (.yaml, .yml) or JSON (.json) file as plain data; a syntax error names the line.
    `what` names the kind of file for a wrong ending: "a plan file"."""
    suffix = suffix_of(source, DATA_SUFFIXES, what)
    text = _decode(_read_bytes(Path(path), source), source)
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise refuse(source, f"line {error.lineno}: {error.msg}") from None
        except RecursionError:
            raise refuse(source, f"nested more than {MAX_DEPTH} levels deep") from None
        _check_json_shape(data, source)
        return data
    try:
        reader = _YamlReader(source)
        data = reader.read(text)
        if reader.needs_pyyaml:  # a tag this reader does not build; the shape is checked
            data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader)
        return data
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        # libyaml's scanner has a nesting limit of its own (far above ours) and may meet it before
        # the events reach MAX_DEPTH: the same refusal, in our words.
        if "maximum nesting depth" in problem:
            problem = f"nested more than {MAX_DEPTH} levels deep"
        raise refuse(source, f"{line}{problem}") from None


# -- CSV and XLSX -----------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet of a workbook (a CSV file is one sheet with no name): its rows that are not
    blank, each with its row number as the spreadsheet shows it."""

    name: str | None
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)

    def place(self, number: int, column: str | None = None) -> str:
        place = f"sheet '{self.name}', row {number}" if self.name is not None else f"row {number}"
        return f"{place}, column '{column}'" if column else place


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class _Limits:
    """Counts what a table holds as it is read, and stops at the first limit passed."""

    def __init__(self, source: str):
        self.source = source
        self.rows = 0
        self.cells = 0

    def take(self, sheet: Sheet, number: int, cells: list[Any]) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise refuse(self.source, f"has more than {MAX_ROWS:,} rows")
        while cells and _blank(cells[-1]):
            cells.pop()
        if not cells:
            return
        if len(cells) > MAX_COLUMNS:
            raise refuse(self.source, f"{sheet.place(number)}: has more than {MAX_COLUMNS} columns")
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
                raise refuse(
                    self.source,
                    f"{sheet.place(number)}, cell {index + 1}: is {len(cell):,} characters long; "
                    f"at most {MAX_CELL_CHARS:,} fit",
                )
        self.cells += len(cells)
        if self.cells > MAX_CELLS:
            raise refuse(self.source, f"has more than {MAX_CELLS:,} cells")
        if not all(_blank(cell) for cell in cells):
            sheet.rows.append((number, cells))


def read_table(path: Path | str, source: str, what: str) -> list[Sheet]:
    """A CSV or XLSX file as its sheets (every sheet of a workbook, in order)."""
    suffix = suffix_of(source, TABLE_SUFFIXES, what)
    path = Path(path)
    limits = _Limits(source)
    if suffix == ".csv":
        text = _decode(_read_bytes(path, source), source)
        sheet = Sheet(None)
        try:
            for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
                limits.take(sheet, number, cells)
        except csv.Error as error:
            raise refuse(source, f"cannot be read as CSV: {error}") from None
        return [sheet]
    return _read_workbook(path, source, limits)


def _read_workbook(path: Path, source: str, limits: _Limits) -> list[Sheet]:
    _check_size(path, source)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise refuse(source, "cannot be read as an Excel workbook (.xlsx)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse(
            source,
            f"unpacks to {unpacked // (1024 * 1024):,} MB; a workbook may unpack to at most "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB",
        )
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise refuse(source, "cannot be read as an Excel workbook (.xlsx)") from None
    try:
        sheets = []
        for worksheet in workbook.worksheets:
            sheet = Sheet(worksheet.title)
            # One column more than allowed, so that a cell beyond the limit is seen, not cut off.
            rows = worksheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
            for number, cells in enumerate(rows, start=1):
                limits.take(sheet, number, list(cells))
            sheets.append(sheet)
        return sheets
    except ImportFileError:
        raise
    except Exception:
        raise refuse(source, "cannot be read as an Excel workbook (.xlsx)") from None
    finally:
        workbook.close()
