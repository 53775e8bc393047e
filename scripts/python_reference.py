#!/usr/bin/env python3
"""Reference import facts from CPython's own parser, for scripts/python-differential.mjs.

stdin: one file per line, "path<TAB>moduleName<TAB>isInit(0/1)".
stdout: one JSON object per file, in input order:
  {"path", "error": null | {"line", "message"}, "imports": [{"module", "names", "line", "forms"}]}

It only ever calls ast.parse on the files: the scanned code is never compiled to bytecode, imported or run.
The facts have the semantics of comply's Python facts (src/facts/facts.ts), worked out from the AST here:
  forms: top-level | function | type-checking | try-import | dynamic | mock-target
Choices that follow comply: a lambda is not a function; `x.patch("a.b")` is a mock target for x = mock or mocker only;
`elif TYPE_CHECKING:` is type-checking like `if`; decorators, defaults and annotations of a def run outside it.
"""
import ast
import io
import json
import re
import sys
import tokenize
import warnings

IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
DYNAMIC_FUNCS = {"import_module", "__import__"}
# what comply accepts as a module-ish literal (JS \w is ASCII only)
VALUE_RE = re.compile(r"^\.*[A-Za-z_][A-Za-z0-9_.]*$")
PLAIN_PREFIXES = ("", "r", "R", "u", "U")
QUOTES = ('"""', "'''", '"', "'")
# between `f` and its first argument only `(` and layout may appear (a parenthesized argument is not "plain")
OPEN_ONLY_RE = re.compile(r"^(?:\s|\\\r?\n|#[^\n]*\n)*\((?:\s|\\\r?\n|#[^\n]*\n)*$")


class Ctx:
    __slots__ = ("fn", "tc", "handler", "tries")

    def __init__(self, fn=False, tc=False, handler=False, tries=()):
        self.fn = fn
        self.tc = tc
        self.handler = handler
        # guard flags of the enclosing `try:` bodies (a body is guarded when one of its handlers catches ImportError)
        self.tries = tries

    def replace(self, **kw):
        c = Ctx(self.fn, self.tc, self.handler, self.tries)
        for k, v in kw.items():
            setattr(c, k, v)
        return c

    def forms(self):
        out = []
        if not self.fn and not self.tc:
            out.append("top-level")
        if self.fn:
            out.append("function")
        if self.tc:
            out.append("type-checking")
        if self.handler or any(self.tries):
            out.append("try-import")
        return out


def is_type_checking(test):
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING" and isinstance(test.value, ast.Name)


def catches_import_error(handler):
    if handler.type is None:
        return True
    for n in ast.walk(handler.type):
        if isinstance(n, ast.Name) and n.id in IMPORT_ERRORS:
            return True
        if isinstance(n, ast.Attribute) and n.attr in IMPORT_ERRORS:
            return True
    return False


class SourceLines:
    """The source as UTF-8 lines, made on first use: ast's columns are UTF-8 byte offsets into the decoded text
    (whatever the file's encoding, and not counting a BOM)."""

    def __init__(self, data):
        self.data = data
        self.lines = None

    def __getitem__(self, i):
        if self.lines is None:
            enc, _ = tokenize.detect_encoding(io.BytesIO(self.data).readline)
            text = self.data.decode(enc)
            # bytes.splitlines splits only at \n, \r\n and \r, like CPython's tokenizer
            self.lines = text.encode("utf-8").splitlines(keepends=True) or [b""]
        return self.lines[i]


class Extractor:
    def __init__(self, source_lines, pkg_parts):
        self.lines = source_lines
        self.pkg = pkg_parts
        self.imports = []

    # --- source access (ast offsets are UTF-8 byte offsets) ---
    def segment(self, l1, c1, l2, c2):
        if l1 == l2:
            return self.lines[l1 - 1][c1:c2].decode("utf-8", "replace")
        parts = [self.lines[l1 - 1][c1:]]
        parts.extend(self.lines[i] for i in range(l1, l2 - 1))
        parts.append(self.lines[l2 - 1][:c2])
        return b"".join(parts).decode("utf-8", "replace")

    def resolve(self, level, name):
        if level == 0:
            return name
        if self.pkg is not None and level <= len(self.pkg):
            base = self.pkg[: len(self.pkg) - (level - 1)]
            return ".".join(base + ([name] if name else []))
        return "." * level + name

    def add(self, module, names, line, ctx, extra=None):
        forms = ctx.forms()
        if extra:
            forms.append(extra)
        self.imports.append({"module": module, "names": names, "line": line, "forms": forms})

    # --- statements ---
    def body(self, stmts, ctx):
        for s in stmts:
            self.stmt(s, ctx)

    def stmt(self, s, ctx):
        if isinstance(s, ast.Import):
            for a in s.names:
                self.add(a.name, [], a.lineno, ctx)
        elif isinstance(s, ast.ImportFrom):
            self.add(self.resolve(s.level or 0, s.module or ""), [a.name for a in s.names], s.lineno, ctx)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # decorators, defaults and annotations run where the def is
            for d in s.decorator_list:
                self.expr(d, ctx)
            self.arguments(s.args, ctx)
            if s.returns is not None:
                self.expr(s.returns, ctx)
            self.body(s.body, ctx.replace(fn=True))
        elif isinstance(s, ast.ClassDef):
            for d in s.decorator_list:
                self.expr(d, ctx)
            for b in s.bases:
                self.expr(b, ctx)
            for k in s.keywords:
                self.expr(k.value, ctx)
            self.body(s.body, ctx)
        elif isinstance(s, ast.If):
            self.expr(s.test, ctx)
            if is_type_checking(s.test):
                self.body(s.body, ctx.replace(tc=True))
            else:
                self.body(s.body, ctx)
            self.body(s.orelse, ctx)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            guarded = any(catches_import_error(h) for h in s.handlers)
            self.body(s.body, ctx.replace(tries=ctx.tries + (guarded,)))
            for h in s.handlers:
                if h.type is not None:
                    self.expr(h.type, ctx)
                self.body(h.body, ctx.replace(handler=True) if catches_import_error(h) else ctx)
            self.body(s.orelse, ctx)
            self.body(s.finalbody, ctx)
        else:
            # other compound statements (for/while/with/match) and simple statements
            for field, value in ast.iter_fields(s):
                if isinstance(value, list):
                    if value and isinstance(value[0], ast.stmt):
                        self.body(value, ctx)
                    else:
                        for v in value:
                            self.node(v, ctx)
                else:
                    self.node(value, ctx)

    def node(self, v, ctx):
        if isinstance(v, ast.stmt):
            self.stmt(v, ctx)
        elif isinstance(v, ast.expr):
            self.expr(v, ctx)
        elif isinstance(v, ast.AST):
            # withitem, match_case, comprehension, keyword, arguments, ...
            for field, value in ast.iter_fields(v):
                if isinstance(value, list):
                    if value and isinstance(value[0], ast.stmt):
                        self.body(value, ctx)
                    else:
                        for x in value:
                            self.node(x, ctx)
                else:
                    self.node(value, ctx)

    def arguments(self, args, ctx):
        for d in args.defaults:
            self.expr(d, ctx)
        for d in args.kw_defaults:
            if d is not None:
                self.expr(d, ctx)
        for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
            if a is not None and a.annotation is not None:
                self.expr(a.annotation, ctx)

    # --- expressions: dynamic imports and mock targets ---
    def expr(self, e, ctx):
        # iterative walk; lambdas are not functions for the forms (comply does not track them)
        stack = [e]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Call):
                self.call(n, ctx)
            stack.extend(ast.iter_child_nodes(n))

    def call(self, n, ctx):
        f = n.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name not in DYNAMIC_FUNCS and name != "patch":
            return
        # `x.patch("a")` is a mock target only for x = mock / mocker (an HTTP client's patch is not)
        if name == "patch" and isinstance(f, ast.Attribute):
            owner = f.value.id if isinstance(f.value, ast.Name) else f.value.attr if isinstance(f.value, ast.Attribute) else None
            if owner not in ("mock", "mocker"):
                return
        if not n.args:
            return
        arg = n.args[0]
        if not isinstance(arg, ast.Constant) or not isinstance(arg.value, str):
            return
        value = arg.value
        if not VALUE_RE.match(value):
            return
        # a plain literal: one string, no f/b prefix, no escapes, not parenthesized
        seg = self.segment(arg.lineno, arg.col_offset, arg.end_lineno, arg.end_col_offset)
        if not any(seg == p + q + value + q for p in PLAIN_PREFIXES for q in QUOTES):
            return
        between = self.segment(f.end_lineno, f.end_col_offset, arg.lineno, arg.col_offset)
        if not OPEN_ONLY_RE.match(between):
            return
        module = value
        if value.startswith("."):
            if name != "import_module":
                return
            level = len(value) - len(value.lstrip("."))
            if self.pkg is None or level > len(self.pkg):
                return
            rest = value[level:]
            module = ".".join(self.pkg[: len(self.pkg) - (level - 1)] + ([rest] if rest else []))
        self.add(module, [], arg.lineno, ctx, "mock-target" if name == "patch" else "dynamic")


def package_parts(module_name, is_init):
    if module_name is None:
        return None
    parts = module_name.split(".") if module_name else []
    return parts if is_init else parts[:-1]


def process(path, module_name, is_init):
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        return {"path": path, "error": {"line": 0, "message": f"cannot read: {e}"}, "imports": []}
    try:
        tree = ast.parse(data, filename=path)
    except SyntaxError as e:
        return {"path": path, "error": {"line": e.lineno or 0, "message": f"{type(e).__name__}: {e.msg}"}, "imports": []}
    except (ValueError, MemoryError, RecursionError, LookupError) as e:
        # null bytes (ValueError in 3.11), undecodable bytes, too deep nesting
        return {"path": path, "error": {"line": 0, "message": f"{type(e).__name__}: {e}"}, "imports": []}
    x = Extractor(SourceLines(data), package_parts(module_name, is_init))
    x.body(tree.body, Ctx())
    return {"path": path, "error": None, "imports": x.imports}


def main():
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(10000)
    out = sys.stdout
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", "surrogateescape").rstrip("\r\n")
        if not line:
            continue
        parts = line.split("\t")
        path = parts[0]
        module_name = parts[1] if len(parts) > 1 else None
        is_init = len(parts) > 2 and parts[2] == "1"
        try:
            result = process(path, module_name, is_init)
        except Exception as e:  # a bug in this script must not lose the other files
            result = {"path": path, "error": None, "imports": [], "internal": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
