#!/usr/bin/env python3
"""Fails when a public item of the library crates has no example in its doc comment.

Public items: top-level `pub` structs, enums, traits, functions, type aliases, constants and
statics, and `pub fn` methods of inherent impls (trait methods are documented once, on the
trait). `pub(crate)` items, test modules and private helpers are not public. An example is a
fenced code block (```) in the item's own doc comment; `cargo test --workspace` runs them as
doc tests, so this check and the tests together say that every public item has a runnable,
asserting example (the guide's rule, book/src/contributing.md).

A `pub` item inside a private module that is not re-exported would be listed too: make it
`pub(crate)`, since no user can reach it.

Usage: python3 .ci/doc_examples.py [PATH ...]   (default: src models/src)
"""
import os
import re
import sys

ITEM = re.compile(
    r"^(\s*)pub (?:async )?(?:unsafe )?(?:const )?(fn|struct|enum|trait|type|const|static) *"
    r"([A-Za-z_0-9]+)?"
)
TEST_ATTRIBUTE = re.compile(r"^\s*#\[cfg\(test\)\]")


def rust_files(paths):
    for root in paths:
        if os.path.isfile(root):
            yield root
            continue
        for directory, _, names in os.walk(root):
            for name in sorted(names):
                if name.endswith(".rs"):
                    yield os.path.join(directory, name)


def end_of_item(lines, start):
    """The last line of the item starting after line `start` (a block or a `;` item)."""
    depth, opened = 0, False
    for k in range(start + 1, len(lines)):
        depth += lines[k].count("{") - lines[k].count("}")
        opened = opened or "{" in lines[k]
        if opened and depth <= 0:
            return k
        if not opened and lines[k].rstrip().endswith(";"):
            return k
    return len(lines) - 1


def doc_block_above(lines, index):
    """Doc comments, attributes and comments directly above line `index`."""
    block = []
    k = index - 1
    while k >= 0 and lines[k].strip().startswith(("///", "#[", "//")):
        block.append(lines[k])
        k -= 1
    return block


def scan(path):
    """`(public items, items without an example)` of one file, test modules left out."""
    lines = open(path, encoding="utf-8").read().split("\n")
    skip_until, items, missing = -1, 0, []
    for index, line in enumerate(lines):
        if index <= skip_until:
            continue
        if TEST_ATTRIBUTE.match(line):
            skip_until = end_of_item(lines, index)
            continue
        match = ITEM.match(line)
        if not match:
            continue
        items += 1
        if not any("```" in doc for doc in doc_block_above(lines, index)):
            missing.append(f"{path}:{index + 1}: {match.group(2)} {match.group(3)}")
    return items, missing


def main():
    paths = sys.argv[1:] or ["src", "models/src"]
    total, missing = 0, []
    for path in rust_files(paths):
        items, without = scan(path)
        total += items
        missing.extend(without)
    for item in missing:
        print(f"no example: {item}")
    print(f"{total} public items scanned, {len(missing)} without an example")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
