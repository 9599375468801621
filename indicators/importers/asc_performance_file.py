"""ASC performance files: a self-assessment's ASCOF summary (measures in domains, England and two
years of the council's figures) and its headline tiles, with data-quality notes. See
docs/indicator-file-format.md.

Figures are kept as given; changes are never read from the file but computed by the models, except
a tile's printed change, which is kept so that a disagreement with its own figures can be shown.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from config.importing import (
    ImportReport,
    Problems,
    Writer,
    by_key,
    check_unique,
    read_choice,
    read_decimal,
    read_list,
    read_mapping,
    read_text,
    read_whole_number,
)
from indicators.importers.base import Periods, read_file_head, read_period, read_polarity
from indicators.models import AscofDomain, AscofMeasure, DataQualityNote, HeadlineTile, Indicator

KIND = "asc-performance"
# What the source writes where a figure is not there: kept as missing, never as zero.
_MISSING = re.compile(r"^(not yet available|not available|n/?a|-|–)$", re.IGNORECASE)
_PRINTED_CHANGE = re.compile(r"^\s*(?P<number>[-+−]?\d+(?:\.\d+)?)\s*%\s*(?P<arrow>[↑↓])?\s*$")
_COMPARE_AS = {"difference": AscofMeasure.CompareAs.DIFFERENCE, "percent": AscofMeasure.CompareAs.PERCENT}


@dataclass
class CleanAscPerformance:
    source: str
    title: str
    periods: dict  # england/previous/current -> PeriodSpec
    domains: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    tiles: list[dict[str, Any]]
    notes: list[tuple[int, dict[str, Any], str]]  # (tile position, fields, indicator code)


def validate_asc_performance(data: Any, source: str) -> CleanAscPerformance:
    problems = read_file_head(data, source, KIND, ["title", "source", "ascof", "headline_tiles"])
    title = read_text(data.get("title"), problems, "file", "title", required=True)
    ascof = read_mapping(data.get("ascof") or {}, problems, "ascof", {"periods", "domains"})
    raw_periods = read_mapping(
        ascof.get("periods") or {}, problems, "ascof periods", {"england", "previous", "current"}
    )
    periods = {}
    for key in ("england", "previous", "current"):
        spec = read_period(raw_periods.get(key), problems, "ascof periods", key)
        if spec:
            periods[key] = spec

    domains: list[dict[str, Any]] = []
    measures: list[dict[str, Any]] = []
    numbers: set[int] = set()
    codes: set[str] = set()
    for d_index, raw in enumerate(read_list(ascof.get("domains"), problems, "ascof", "domains")):
        item = f"ascof domains[{d_index}]"
        raw = read_mapping(raw, problems, item, {"number", "name", "measures"})
        number = read_whole_number(raw.get("number"), problems, item, "number")
        if number is None:
            continue
        item = f"ascof domain {number}"
        check_unique(number, numbers, problems, item, "number", what="domain")
        domains.append({"number": number, "name": read_text(raw.get("name"), problems, item, "name", required=True)})
        for position, raw_measure in enumerate(read_list(raw.get("measures"), problems, item, "measures")):
            measure = _validate_measure(raw_measure, problems, f"{item} measures[{position}]", codes)
            if measure:
                measures.append({**measure, "domain": number, "position": position, "source": title})

    tiles: list[dict[str, Any]] = []
    notes: list[tuple[int, dict[str, Any], str]] = []
    for index, raw in enumerate(read_list(data.get("headline_tiles"), problems, "file", "headline_tiles")):
        item = f"headline tile {index + 1}"
        tile, tile_notes = _validate_tile(raw, problems, item)
        tile.update(position=index + 1, source=title)
        tiles.append(tile)
        notes.extend((index + 1, note, code) for note, code in tile_notes)
    problems.raise_if_any()
    return CleanAscPerformance(source, title, periods, domains, measures, tiles, notes)


def _read_figure(value: Any, problems: Problems, item: str, name: str) -> tuple[Decimal | None, str]:
    """(value, as written): a number, or None with the words for "not yet available"."""
    if isinstance(value, str) and _MISSING.match(value.strip()):
        return None, value.strip()
    return read_decimal(value, problems, item, name, required=True), ""


def _validate_measure(raw: Any, problems: Problems, item: str, codes: set[str]) -> dict[str, Any] | None:
    raw = read_mapping(
        raw,
        problems,
        item,
        {"code", "as_written", "text", "unit", "polarity", "compare_as", "england", "previous", "current"},
    )
    code = read_text(raw.get("code"), problems, item, "code", required=True)
    if not code:
        return None
    item = f"ascof measure {code}"
    check_unique(code, codes, problems, item, "code")
    polarity = read_polarity(raw.get("polarity"), problems, item, "polarity")
    if not polarity and "polarity" not in raw:
        problems.add(item, "polarity", "is missing: say whether higher or lower is better")
    compare_as = read_choice(
        raw.get("compare_as") or "difference",
        _COMPARE_AS,
        problems,
        item,
        "compare_as",
        "comparison",
        "difference or percent",
    )
    england, _ = _read_figure(raw.get("england"), problems, item, "england")
    previous, _ = _read_figure(raw.get("previous"), problems, item, "previous")
    current, current_text = _read_figure(raw.get("current"), problems, item, "current")
    return {
        "code": code,
        "code_as_written": read_text(raw.get("as_written"), problems, item, "as_written") or code,
        "text": read_text(raw.get("text"), problems, item, "text", required=True),
        "unit": read_text(raw.get("unit"), problems, item, "unit"),
        "polarity": polarity,
        "compare_as": compare_as or AscofMeasure.CompareAs.DIFFERENCE,
        "england_value": england,
        "previous_value": previous,
        "current_value": current,
        "current_text": current_text,
    }


def _validate_tile(raw: Any, problems: Problems, item: str) -> tuple[dict[str, Any], list[tuple[dict[str, Any], str]]]:
    raw = read_mapping(
        raw,
        problems,
        item,
        {
            "title",
            "unit",
            "current",
            "current_period",
            "comparator",
            "comparator_period",
            "printed_change",
            "data_quality",
        },
    )
    printed_text = read_text(raw.get("printed_change"), problems, item, "printed_change")
    printed, direction = None, ""
    if printed_text:
        match = _PRINTED_CHANGE.match(printed_text)
        if match is None:
            problems.add(item, "printed_change", f"{printed_text!r} is not a change such as '2.1% ↑' or '-59.1% ↓'")
        else:
            printed = read_decimal(match["number"].replace("−", "-"), problems, item, "printed_change")
            direction = {"↑": HeadlineTile.Direction.UP, "↓": HeadlineTile.Direction.DOWN}.get(match["arrow"], "")
    comparator = read_decimal(raw.get("comparator"), problems, item, "comparator", required=True)
    if comparator == 0:
        problems.add(item, "comparator", "a comparator of 0 gives no percentage change")
    tile = {
        "title": read_text(raw.get("title"), problems, item, "title", required=True),
        "unit": read_text(raw.get("unit"), problems, item, "unit"),
        "current_value": read_decimal(raw.get("current"), problems, item, "current", required=True),
        "current_period": read_text(raw.get("current_period"), problems, item, "current_period", required=True),
        "comparator_value": comparator,
        "comparator_period": read_text(
            raw.get("comparator_period"), problems, item, "comparator_period", required=True
        ),
        "printed_change": printed,
        "printed_direction": direction,
        "printed_change_text": printed_text,
    }
    notes = []
    for n_index, raw_note in enumerate(read_list(raw.get("data_quality"), problems, item, "data_quality")):
        where = f"{item} data_quality[{n_index}]"
        raw_note = read_mapping(raw_note, problems, where, {"period", "figures", "note", "indicator"})
        figures = [
            read_text(f, problems, where, "figures")
            for f in read_list(raw_note.get("figures"), problems, where, "figures")
        ]
        if len(figures) < 2:
            problems.add(where, "figures", "give each of the figures that disagree, with where it is given")
        notes.append(
            (
                {
                    "period": read_text(raw_note.get("period"), problems, where, "period", required=True),
                    "figures": figures,
                    "note": read_text(raw_note.get("note"), problems, where, "note", required=True),
                    "position": n_index,
                },
                read_text(raw_note.get("indicator"), problems, where, "indicator"),
            )
        )
    return tile, notes


@transaction.atomic
def save_asc_performance(clean: CleanAscPerformance, user: Any = None) -> ImportReport:
    """Write validated figures: only what changed, in bulk, all or nothing. Data-quality notes
    belong to the file: a tile's notes are replaced by the file's."""
    wanted_codes = {code for _, _, code in clean.notes if code}
    indicators = Indicator.objects.in_bulk(wanted_codes, field_name="code") if wanted_codes else {}
    problems = Problems(clean.source)
    for position, _, code in clean.notes:
        if code and code not in indicators:
            problems.add(
                f"headline tile {position} data_quality",
                "indicator",
                f"unknown indicator {code!r}: import the key statistics first",
            )
    problems.raise_if_any()

    report = ImportReport(title=clean.title)
    writer = Writer(user=user)
    periods = Periods(clean.periods.values())
    period_ids = {f"{key}_period_id": periods.get(spec).pk for key, spec in clean.periods.items()}

    wanted = {d["number"]: {"number": d["number"], "name": d["name"]} for d in clean.domains}
    domains = writer.sync(AscofDomain, wanted, by_key(AscofDomain.objects.filter(number__in=list(wanted)), "number"))
    report.add(domains)
    wanted = {
        m["code"]: {
            **{name: value for name, value in m.items() if name != "domain"},
            "domain_id": domains.rows[m["domain"]].pk,
            **period_ids,
        }
        for m in clean.measures
    }
    report.add(writer.sync(AscofMeasure, wanted, by_key(AscofMeasure.objects.filter(code__in=list(wanted)), "code")))

    wanted = {tile["position"]: dict(tile) for tile in clean.tiles}
    tiles = writer.sync(
        HeadlineTile, wanted, by_key(HeadlineTile.objects.filter(position__in=list(wanted)), "position")
    )
    report.add(tiles)
    tile_ids = [tile.pk for tile in tiles.rows.values()]
    wanted = {
        (tiles.rows[position].pk, fields["position"]): {
            **fields,
            "tile_id": tiles.rows[position].pk,
            "indicator_id": indicators[code].pk if code else None,
        }
        for position, fields, code in clean.notes
    }
    held = by_key(DataQualityNote.objects.filter(tile_id__in=tile_ids), "tile_id", "position")
    report.add(writer.sync(DataQualityNote, wanted, held, remove=True))
    return report
