#!/usr/bin/env python3
"""Keeps the programs printed in the guides the same as the examples that are
built and smoke-tested (ctest docs/examples).

A code block in docs/*.md preceded by the line
    <!-- example: examples/NAME/main.cpp -->
must be that file, byte for byte in English. In a translated page (NAME.ko.md)
the comments may be translated, so there the two are compared without their
`//` comments. Every example named in the English page must be named in its
translation too. On a difference the check prints a diff: change the example
and the pages together.
"""
import difflib
import os
import re
import sys

MARKED = re.compile(r"^<!-- example: (\S+) -->\n```[^\n]*\n(.*?)^```", re.S | re.M)
# A whole-line comment, or one at the end of a line after two or more spaces
# (so that "ws://" inside a string is not taken for one).
LINE_COMMENT = re.compile(r"^\s*//.*\n", re.M)
TRAILING_COMMENT = re.compile(r"\s{2,}//.*$", re.M)


def without_comments(code):
    return TRAILING_COMMENT.sub("", LINE_COMMENT.sub("", code))


def diff(expected, got, a, b):
    return "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), a, b))


def main(docs):
    root = os.path.dirname(os.path.abspath(docs))
    failures = []
    checked = 0
    names_by_page = {}
    for name in sorted(os.listdir(docs)):
        if not name.endswith(".md"):
            continue
        page = os.path.join(docs, name)
        translated = name.endswith(".ko.md")
        names = []
        for m in MARKED.finditer(open(page, encoding="utf-8").read()):
            rel, code = m.group(1), m.group(2)
            names.append(rel)
            source = os.path.join(root, rel)
            if not os.path.isfile(source):
                failures.append(f"docs/{name}: names {rel}, which does not exist")
                continue
            want = open(source, encoding="utf-8").read()
            if translated:
                want, code = without_comments(want), without_comments(code)
            if code != want:
                how = " (comments left out)" if translated else ""
                failures.append(f"docs/{name}: the block marked {rel} differs from the file{how}:\n"
                                + diff(want, code, rel, f"docs/{name}"))
            checked += 1
        names_by_page[name] = names
    for name, names in names_by_page.items():
        if name.endswith(".ko.md"):
            continue
        ko = name[:-len(".md")] + ".ko.md"
        if ko in names_by_page and names_by_page[ko] != names:
            failures.append(f"docs/{ko} shows examples {names_by_page[ko]}, docs/{name} shows {names}")
    for f in failures:
        print(f, file=sys.stderr)
    if not checked:
        print("no marked example blocks found", file=sys.stderr)
        return 1
    if not failures:
        print(f"{checked} example blocks match their files")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__))))
