#!/usr/bin/env python3
"""Check duplicate-type's "identical" Python findings against CPython's own parser.

usage: check-identical.py REPORT.json TREE [--sample N] [--seed S]

For a random sample of the Python findings graded identical in a `comply scan --json` report, parse both classes
(the finding's and the reference one its message names) with `ast` and compare them: bases, keywords, decorators
and body statements (as a multiset: the grade ignores member order), with docstrings dropped everywhere and a
lone `pass` body taken as empty. Prints one line per pair and a summary; exits 1 when a pair differs.
"""
import argparse
import ast
import collections
import json
import random
import re
import sys
from pathlib import Path


def strip(node):
    """Drop docstrings (recursively) and a body that is only `pass`."""
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if not isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) or not isinstance(body, list):
            continue
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body = body[1:]
        if len(body) == 1 and isinstance(body[0], ast.Pass):
            body = []
        n.body = body
    return node


def find_class(tree, line, name):
    for n in ast.walk(tree):
        if isinstance(n, ast.ClassDef) and n.name == name and n.lineno == line:
            return n
    return None


def key(cls):
    d = lambda x: ast.dump(x, annotate_fields=False)
    return {
        "bases": [d(b) for b in cls.bases],
        "keywords": [d(k) for k in cls.keywords],
        "decorators": sorted(d(x) for x in cls.decorator_list),
        "body": collections.Counter(d(s) for s in cls.body),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("tree")
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=19)
    a = ap.parse_args()
    report = json.loads(Path(a.report).read_text())
    found = [
        f
        for f in report["findings"]
        if f["rule"] == "duplicate-type" and f["path"].endswith(".py") and " is an identical copy of " in f["message"]
    ]
    random.Random(a.seed).shuffle(found)
    sample = found[: a.sample]
    bad = 0
    for f in sample:
        ref = re.search(r"the one at (\S+):(\d+)\.$", f["message"])
        name = f["subject"]
        sides = []
        for path, line in ((f["path"], f["line"]), (ref.group(1), int(ref.group(2)))):
            tree = ast.parse(Path(a.tree, path).read_text(encoding="utf-8"))
            cls = find_class(tree, line, name)
            sides.append(key(strip(cls)) if cls else None)
        same = sides[0] is not None and sides[0] == sides[1]
        bad += not same
        what = "same" if same else "DIFFERENT: " + ", ".join(k for k in ("bases", "keywords", "decorators", "body") if sides[0] and sides[1] and sides[0][k] != sides[1][k])
        members = len(sides[0]["body"]) if sides[0] else 0
        print(f"{what:12} {f['path']}:{f['line']} = {ref.group(1)}:{ref.group(2)} ({name}, {members} statements)")
    print(f"{len(sample) - bad} of {len(sample)} sampled pairs are identical to CPython's ast ({len(found)} identical Python findings)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
