#!/usr/bin/env python3
"""Keeps each Korean page in step with its English original (ctest docs/translations),
and with --links checks that every relative link in the docs, the README and
the examples' READMEs points at a file that exists (ctest docs/links).

The pairs are docs/NAME.ko.md next to docs/NAME.md, and README.ko.md next to
README.md in examples/ and in each examples/*/ folder; every example README
must have its Korean version. The two pages of a pair must link to each
other, have the same code blocks (code is not translated; only comments may
be: a comment at the end of a line after two or more spaces, a line that is
only a `//` or `# ` comment, and a `/* ... */` within a line), the same number
of table rows, and link to the same targets (a link to X.md in English may be
X.ko.md in Korean, and DIR/, DIR/README.md and DIR/README.ko.md are the same
target). When this fails, the English page changed without the Korean one (or
the other way round): update both in the same commit.
"""
import glob
import os
import re
import sys

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"\]\(([^)#\s]+)(#[^)\s]*)?\)")

TRAILING_COMMENT = re.compile(r"(?<=\S)[ \t]{2,}(#|//).*$", re.M)

# `#include` and `#!` are code; `# text` and a lone `#` are comments.
LINE_COMMENT = re.compile(r"^(\s*)(//|#(?=\s|$)).*$", re.M)
INLINE_COMMENT = re.compile(r"/\*.*?\*/")


def strip_comments(code):
    code = TRAILING_COMMENT.sub("", code)
    code = LINE_COMMENT.sub(r"\1\2", code)
    return INLINE_COMMENT.sub("/**/", code)


def same_target(link):
    """X.ko.md and X.md are one target, and so are DIR/, DIR/README.md and DIR/README.ko.md."""
    link = re.sub(r"\.ko\.md$", ".md", link)
    return re.sub(r"(^|/)README\.md$", r"\1", link) or "./"


def facts(text):
    code = [strip_comments(c) for c in FENCE.findall(text)]
    rest = FENCE.sub("", text)
    rows = [l for l in rest.splitlines() if l.startswith("|")]
    raw = [m.group(1) for m in LINK.finditer(rest)]
    return code, len(rows), raw


def pairs(docs):
    """(English, Korean) paths of every page that must have a Korean version, and stray Korean pages."""
    root = os.path.dirname(os.path.abspath(docs))
    found, stray = [], []
    for name in sorted(os.listdir(docs)):
        if name.endswith(".ko.md"):
            en = os.path.join(docs, name[:-len(".ko.md")] + ".md")
            (found if os.path.exists(en) else stray).append((en, os.path.join(docs, name)))
    examples = os.path.join(root, "examples")
    for en in [os.path.join(examples, "README.md")] + sorted(glob.glob(os.path.join(examples, "*", "README.md"))):
        if os.path.exists(en):
            found.append((en, en[:-len(".md")] + ".ko.md"))
    return root, found, stray


def main(docs):
    root, found, stray = pairs(docs)
    failures = [f"{os.path.relpath(ko, root)}: no English original" for _, ko in stray]
    for en, ko in found:
        en_name, ko_name = os.path.relpath(en, root), os.path.relpath(ko, root)
        if not os.path.exists(ko):
            failures.append(f"{ko_name}: missing (the Korean version of {en_name})")
            continue
        (ec, er, el), (kc, kr, kl) = (facts(open(p, encoding="utf-8").read()) for p in (en, ko))
        if os.path.basename(ko) not in el:
            failures.append(f"{en_name}: does not link to its Korean version {os.path.basename(ko)}")
        if os.path.basename(en) not in kl:
            failures.append(f"{ko_name}: does not link to its English original {os.path.basename(en)}")
        if ec != kc:
            for i, (e, k) in enumerate(zip(ec, kc)):
                if e != k:
                    failures.append(f"{ko_name}: code block {i + 1} differs from {en_name}:\n  en {e!r}\n  ko {k!r}")
                    break
            else:
                failures.append(f"{ko_name}: {len(kc)} code blocks, {en_name} has {len(ec)}")
        if er != kr:
            failures.append(f"{ko_name}: {kr} table rows, {en_name} has {er}")
        # The two pages link to each other: drop those links, then compare.
        self_target = same_target(os.path.basename(en))
        el = sorted(t for t in map(same_target, el) if t != self_target)
        kl = sorted(t for t in map(same_target, kl) if t != self_target)
        if el != kl:
            failures.append(f"{ko_name}: links differ from {en_name}:\n  en {el}\n  ko {kl}")
    for f in failures:
        print(f, file=sys.stderr)
    if not found:
        print("no translated pages found", file=sys.stderr)
        return 1
    print(f"{len(found)} translated pages in step" if not failures else "")
    return 1 if failures else 0


def links(docs):
    root = os.path.dirname(os.path.abspath(docs))
    files = [os.path.join(docs, n) for n in sorted(os.listdir(docs)) if n.endswith(".md")]
    files += [os.path.join(root, "README.md"), os.path.join(root, "ports", "README.md")]
    files += sorted(glob.glob(os.path.join(root, "examples", "README*.md")))
    files += sorted(glob.glob(os.path.join(root, "examples", "*", "README*.md")))
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
