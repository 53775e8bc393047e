#!/usr/bin/env python3
"""Check duplicate-type's "identical" Python findings against CPython's own parser.

usage: check-identical.py REPORT.json TREE [--sample N] [--seed S]

For a random sample of the Python findings graded identical in a `comply scan --json` report, parse both classes
(the finding's and the reference one its message names) with `ast` and compare them: bases, keywords, decorators
and body statements (as a multiset: the grade ignores member order), with docstrings dropped everywhere and a
lone `pass` body taken as empty. A pair that differs only in how annotations are spelled (`Dict` and `dict`,
`Optional[X]` and `X | None`, `dt.datetime` and `datetime`) is counted apart. Prints one line per pair and a
summary; exits 1 when a pair differs otherwise.
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


ALIASES = {"List", "Dict", "Set", "FrozenSet", "Tuple", "Type"}


def canon(n):
    """A type annotation as the rule compares it: typing's aliases as builtins, Optional/Union as unions in any
    order, a dotted name by its last part (the same class through another import), forward references parsed."""
    if isinstance(n, ast.Constant) and isinstance(n.value, str):
        try:
            return canon(ast.parse(n.value, mode="eval").body)
        except SyntaxError:
            return n.value
    if isinstance(n, ast.Constant) and n.value is None:
        return "None"
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.BitOr):
        return union([canon(n.left), canon(n.right)])
    if isinstance(n, ast.Attribute):
        return canon(ast.Name(id=n.attr))
    if isinstance(n, ast.Name):
        return n.id.lower() if n.id in ALIASES else n.id
    if isinstance(n, ast.Subscript):
        base = canon(n.value)
        args = n.slice.elts if isinstance(n.slice, ast.Tuple) else [n.slice]
        if base == "Optional":
            return union([canon(args[0]), "None"])
        if base == "Union":
            return union([canon(a) for a in args])
        return f"{base}[{','.join(canon(a) for a in args)}]"
    if isinstance(n, (ast.List, ast.Tuple)):
        return "[" + ",".join(canon(e) for e in n.elts) + "]"
    return ast.unparse(n)


def union(parts):
    flat = sorted({q for p in parts for q in p.split("|")})
    return "|".join(flat)


def canon_types(node):
    """Replace every annotation by its canonical spelling."""
    for n in ast.walk(node):
        if isinstance(n, ast.AnnAssign):
            n.annotation = ast.Name(id=canon(n.annotation))
        elif isinstance(n, ast.arg) and n.annotation is not None:
            n.annotation = ast.Name(id=canon(n.annotation))
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.returns is not None:
            n.returns = ast.Name(id=canon(n.returns))
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
    bad = spelled = 0
    for f in sample:
        ref = re.search(r"the one at (\S+):(\d+)\.$", f["message"])
        name = f["subject"]
        strict, typed = [], []
        for path, line in ((f["path"], f["line"]), (ref.group(1), int(ref.group(2)))):
            tree = ast.parse(Path(a.tree, path).read_text(encoding="utf-8"))
            cls = find_class(tree, line, name)
            strict.append(key(strip(cls)) if cls else None)
            typed.append(key(canon_types(cls)) if cls else None)
        if strict[0] is not None and strict[0] == strict[1]:
            what = "same"
        elif typed[0] is not None and typed[0] == typed[1]:
            what = "same types"  # the annotations differ only in spelling: Dict/dict, Optional[X]/X | None, dt.datetime/datetime
            spelled += 1
        else:
            what = "DIFFERENT: " + ", ".join(k for k in ("bases", "keywords", "decorators", "body") if typed[0] and typed[1] and typed[0][k] != typed[1][k])
            bad += 1
        members = len(strict[0]["body"]) if strict[0] else 0
        print(f"{what:12} {f['path']}:{f['line']} = {ref.group(1)}:{ref.group(2)} ({name}, {members} statements)")
    print(
        f"{len(sample) - bad - spelled} of {len(sample)} sampled pairs are identical to CPython's ast, {spelled} more once "
        f"annotations are spelled alike, {bad} differ ({len(found)} identical Python findings)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
