"""Every problem in a file, collected and raised at once, each naming where it is."""

import difflib
from collections.abc import Callable, Iterable

# After this many problems a file is clearly not what the importer expects: say so and stop,
# rather than spend minutes (and memory) listing the rest of a 100,000-row mistake.
MAX_PROBLEMS = 100

# locate(item, field) -> where the problem is in the reader's own words (a spreadsheet's sheet,
# row and column), or None for the plain "item, field 'name'".
Locate = Callable[[str, str | None], str | None]


class ImportFileError(Exception):
    """A file (or files) that cannot be imported; `errors` lists every problem found, each naming
    the file as the user named it, the item or row, and the field."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(f"  {e}" for e in errors))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """ " (did you mean 'responsible'?)" for the nearest choice, or "" when none is near."""
    near = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


class Problems:
    """Collects the problems of one file. `noun` is what the file calls a field ("column" in a
    table); `locate` lets a reader name its own places."""

    def __init__(self, source: str, locate: Locate | None = None, noun: str = "field"):
        self.source = source
        self.locate = locate
        self.noun = noun
        self.errors: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    def where(self, item: str, field: str | None) -> str:
        where = self.locate(item, field) if self.locate else None
        if where is None:
            where = f"{item}, {self.noun} '{field}'" if field else item
        return where

    def add(self, item: str, field: str | None, message: str) -> None:
        self.add_line(f"{self.where(item, field)}: {message}")

    def add_line(self, text: str) -> None:
        """A problem already placed by the caller ("sheet 'Actions', row 4, column 'RAG': ...")."""
        self.extend([f"{self.source}: {text}"])

    def unknown(self, item: str, key: object, allowed: Iterable[str]) -> None:
        """A key the format does not have: most likely a typo, so name the nearest one."""
        self.add(item, str(key), f"unknown {self.noun}{did_you_mean(str(key), allowed)}")

    def extend(self, errors: Iterable[str]) -> None:
        """Problems already written in full (another collector's)."""
        for error in errors:
            self.errors.append(error)
            if len(self.errors) >= MAX_PROBLEMS:
                stop = f"{self.source}: stopped after the first {MAX_PROBLEMS} problems"
                raise ImportFileError(self.source, [*self.errors, stop])

    def raise_if_any(self) -> None:
        if self.errors:
            raise ImportFileError(self.source, self.errors)
