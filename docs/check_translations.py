#!/usr/bin/env python3
"""Keeps each Korean page in step with its English original (ctest docs/translations),
and with --links checks that every relative link in docs/*.md and the README
points at a file that exists (ctest docs/links).

For every docs/NAME.ko.md next to docs/NAME.md, the two must have the same
code blocks (code is not translated; only a comment at the end of a
line, after two or more spaces, may be), the same number of table
rows, and link to the same targets (a link to X.md in English may be X.ko.md
in Korean). When this fails, the English page changed without the Korean one
(or the other way round): update both in the same commit.
"""
import os
import re
import sys

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")


TRAILING_COMMENT = re.compile(r"\s{2,}(#|//).*$", re.M)


def facts(text):
    code = [TRAILING_COMMENT.sub("", c) for c in FENCE.findall(text)]
    rest = FENCE.sub("", text)
    rows = [l for l in rest.splitlines() if l.startswith("|")]
    links = sorted(re.sub(r"\.ko\.md$", ".md", m.group(1)) for m in LINK.finditer(rest))
    return code, len(rows), links


def main(docs):
    failures = []
    pairs = 0
    for name in sorted(os.listdir(docs)):
        if not name.endswith(".ko.md"):
            continue
        en = os.path.join(docs, name[:-len(".ko.md")] + ".md")
        ko = os.path.join(docs, name)
        if not os.path.exists(en):
            failures.append(f"{name}: no English original")
            continue
        pairs += 1
        (ec, er, el), (kc, kr, kl) = (facts(open(p, encoding="utf-8").read()) for p in (en, ko))
        if ec != kc:
            failures.append(f"{name}: code blocks differ from {os.path.basename(en)}")
        if er != kr:
            failures.append(f"{name}: {kr} table rows, {os.path.basename(en)} has {er}")
        # The Korean page links to itself-in-English and the English to the Korean: drop those.
        el = [l for l in el if l != name[:-len('.ko.md')] + ".md"]
        kl = [l for l in kl if l != name[:-len('.ko.md')] + ".md"]
        if el != kl:
            failures.append(f"{name}: links differ from {os.path.basename(en)}:\n  en {el}\n  ko {kl}")
    for f in failures:
        print(f, file=sys.stderr)
    if not pairs:
        print("no translated pages found", file=sys.stderr)
        return 1
    print(f"{pairs} translated pages in step" if not failures else "")
    return 1 if failures else 0


def links(docs):
    root = os.path.dirname(os.path.abspath(docs))
    files = [os.path.join(docs, n) for n in sorted(os.listdir(docs)) if n.endswith(".md")]
    files += [os.path.join(root, "README.md"), os.path.join(root, "ports", "README.md")]
    broken = []
    for f in files:
        if not os.path.exists(f):
            continue
        text = FENCE.sub("", open(f, encoding="utf-8").read())
        for m in LINK.finditer(text):
            target = m.group(1)
            if re.match(r"^[a-z]+:", target):
                continue
            if not os.path.exists(os.path.normpath(os.path.join(os.path.dirname(f), target))):
                broken.append(f"{os.path.relpath(f, root)}: broken link {target}")
    for b in broken:
        print(b, file=sys.stderr)
    print(f"{len(files)} pages, links resolve" if not broken else "")
    return 1 if broken else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--links"]
    docs = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    sys.exit(links(docs) if "--links" in sys.argv else main(docs))
