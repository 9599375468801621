"""Profile sections: a board's governance, focus, achievements, aims, challenges and membership.

The papers write these as a mix of paragraphs, sub-headings and (nested) lists. A section is kept
as data, so that lists stay lists: a JSON list of blocks, exactly as the partnerships file writes
it (see docs/partnerships-file-format.md):

- "a string"                       a paragraph
- {"heading": "Training"}          a sub-heading
- {"list": [item, ...]}            a bulleted list
- {"numbered": [item, ...]}        a numbered list

An item is a string, or {"text": "...", "list" or "numbered": [item, ...]} for an item with a
list under it. The admin edits a section as plain text (`to_text` / `from_text`).
"""

import re
from dataclasses import dataclass, field

LIST_KINDS = ("list", "numbered")


class SectionError(ValueError):
    pass


# -- checking what a file or the admin gives ----------------------------------------------------


def clean(value):
    """Check a section; returns (cleaned value, [(path, message)]). Strings are trimmed and their
    runs of white space (line breaks from the PDF) made single spaces."""
    problems = []
    if value is None:
        return [], problems
    if not isinstance(value, list):
        return [], [("", "must be a list of paragraphs, headings and lists")]
    blocks = []
    for index, block in enumerate(value):
        path = f"[{index}]"
        if isinstance(block, str):
            blocks.append(_text(block, path, problems))
        elif isinstance(block, dict) and set(block) == {"heading"}:
            blocks.append({"heading": _text(block["heading"], f"{path}.heading", problems)})
        elif isinstance(block, dict) and len(block) == 1 and next(iter(block)) in LIST_KINDS:
            kind = next(iter(block))
            blocks.append({kind: _items(block[kind], f"{path}.{kind}", problems)})
        else:
            problems.append((path, "must be a paragraph (text), {heading: ...}, {list: [...]} or {numbered: [...]}"))
    return blocks, problems


def _text(value, path, problems):
    if not isinstance(value, str) or isinstance(value, bool):
        problems.append((path, f"must be text, not {type(value).__name__}"))
        return ""
    text = " ".join(value.split())
    if not text:
        problems.append((path, "is empty"))
    return text


def _items(value, path, problems):
    if not isinstance(value, list) or not value:
        problems.append((path, "must be a list with at least one item"))
        return []
    items = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        if isinstance(item, dict):
            kinds = [k for k in item if k in LIST_KINDS]
            if "text" not in item or len(kinds) != 1 or len(item) != 2:
                problems.append(
                    (where, "an item with a list under it is {text: ..., list: [...]} or {text: ..., numbered: [...]}")
                )
                continue
            kind = kinds[0]
            text = _text(item["text"], f"{where}.text", problems)
            items.append({"text": text, kind: _items(item[kind], f"{where}.{kind}", problems)})
        else:
            items.append(_text(item, where, problems))
    return items


# -- display ---------------------------------------------------------------------------------------


@dataclass
class Block:
    kind: str  # "paragraph", "heading" or "list"
    text: str = ""
    ordered: bool = False
    items: list = field(default_factory=list)


@dataclass
class Item:
    text: str
    sublist: Block | None = None


def for_display(value):
    """Blocks a template can walk without knowing the JSON shapes."""
    blocks = []
    for block in value or []:
        if isinstance(block, str):
            blocks.append(Block("paragraph", text=block))
        elif "heading" in block:
            blocks.append(Block("heading", text=block["heading"]))
        else:
            blocks.append(_list_block(block))
    return blocks


def _list_block(block):
    kind = "numbered" if "numbered" in block else "list"
    items = []
    for item in block[kind]:
        if isinstance(item, str):
            items.append(Item(item))
        else:
            items.append(Item(item["text"], _list_block({k: v for k, v in item.items() if k != "text"})))
    return Block("list", ordered=kind == "numbered", items=items)


def plain_items(value):
    """Every list item's text in order, nested ones included: the section read as a flat list."""
    out = []

    def walk(items):
        for item in items:
            if isinstance(item, str):
                out.append(item)
            else:
                out.append(item["text"])
                walk(item.get("list") or item.get("numbered") or [])

    for block in value or []:
        if isinstance(block, dict):
            walk(block.get("list") or block.get("numbered") or [])
    return out


# -- the admin's plain-text form -------------------------------------------------------------------
#
#   ## A sub-heading
#   A paragraph, on one line or several.
#   - a bulleted item
#     - an item under it (two more spaces per level)
#   1. a numbered item
#
# Blocks are separated by blank lines.

_ITEM = re.compile(r"^(?P<indent> *)(?:(?P<bullet>-)|(?P<number>\d+)\.)\s+(?P<text>\S.*)$")


def to_text(value):
    parts = []
    for block in value or []:
        if isinstance(block, str):
            parts.append(block)
        elif "heading" in block:
            parts.append(f"## {block['heading']}")
        else:
            parts.append("\n".join(_item_lines(block, 0)))
    return "\n\n".join(parts)


def _item_lines(block, depth):
    kind = "numbered" if "numbered" in block else "list"
    for number, item in enumerate(block[kind], start=1):
        marker = f"{number}." if kind == "numbered" else "-"
        text = item if isinstance(item, str) else item["text"]
        yield f"{'  ' * depth}{marker} {text}"
        if isinstance(item, dict):
            yield from _item_lines({k: v for k, v in item.items() if k != "text"}, depth + 1)


def from_text(text):
    """Parse the plain-text form; raises SectionError naming the line."""
    blocks, paragraph = [], []
    stack = []  # [(depth, kind, items)] for the list being read, outermost first

    def end_paragraph():
        if paragraph:
            blocks.append(" ".join(paragraph))
            paragraph.clear()

    for number, line in enumerate((text or "").replace("\r\n", "\n").split("\n"), start=1):
        if not line.strip():
            end_paragraph()
            stack.clear()
            continue
        match = _ITEM.match(line)
        if match:
            end_paragraph()
            indent = len(match["indent"])
            if indent % 2:
                raise SectionError(f"line {number}: indent list items by two spaces per level")
            depth, kind = indent // 2, "list" if match["bullet"] else "numbered"
            if depth > len(stack):
                raise SectionError(f"line {number}: this item is indented deeper than the item above it")
            if depth == 0 and stack and stack[0][1] != kind:
                stack.clear()  # a numbered list straight after a bulleted one (or the reverse)
            if depth == len(stack):
                if depth == 0:
                    block = {kind: []}
                    blocks.append(block)
                else:
                    parent_items = stack[-1][2]
                    last = parent_items[-1]
                    if isinstance(last, str):
                        last = parent_items[-1] = {"text": last}
                    last[kind] = []
                    block = last
                stack.append((depth, kind, block[kind]))
            else:
                del stack[depth + 1 :]
                if stack[depth][1] != kind:
                    raise SectionError(f"line {number}: a list cannot mix '-' items and numbered items")
            stack[depth][2].append(" ".join(match["text"].split()))
            continue
        if line.startswith("## "):
            end_paragraph()
            stack.clear()
            blocks.append({"heading": " ".join(line[3:].split())})
            continue
        if stack:
            # A wrapped line continues the item above it.
            items = stack[-1][2]
            if isinstance(items[-1], str):
                items[-1] = f"{items[-1]} {line.strip()}"
            else:
                items[-1]["text"] = f"{items[-1]['text']} {line.strip()}"
            continue
        paragraph.append(line.strip())
    end_paragraph()
    return blocks
