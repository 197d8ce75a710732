#!/usr/bin/env python3
"""A small, faithful evaluator of GitHub Actions expressions.

It exists so that a Rust integration test can compare pipec's own condition
evaluator with what GitHub would decide for a job's `if:`. Python 3 standard
library only.

Reference: "Evaluate expressions in workflows and actions"
(https://docs.github.com/en/actions/reference/workflows-and-actions/expressions).
Where the page is silent or loose, this follows GitHub's own implementation: the
C# expression engine of actions/runner (src/Sdk/DTExpressions2, which the Actions
service also uses) and its TypeScript port in actions/languageservices, whose
cross-language test data the self-test borrows many cases from.

Interface
---------
  github_expr.py EXPR [CONTEXT_JSON]
      Print the JSON of the value. Exit 0; 2 on a syntax error; 1 on an
      evaluation error (e.g. fromJSON of invalid JSON) or a bad CONTEXT_JSON.
  github_expr.py --condition [--implicit-success] EXPR [CONTEXT_JSON]
      Print `true` or `false`: the truthiness of the result, as `if:` uses it.
  github_expr.py --batch
      Read JSON lines `{"expr": "...", "context": {...}}` (optionally
      `"implicit_success": true`) from stdin; write one line per input:
      `true`, `false` or `error: <message>`. Blank lines are skipped.
  github_expr.py --self-test
      Run the built-in cases, print a summary, exit non-zero on any failure.

EXPR is the text of an `if:` (or any value): bare, wrapped in `${{ }}`, or a
template mixing literal text with `${{ }}` parts (which yields a string).

The context JSON holds the named values (github, needs, inputs, ...) plus a key
"status" ("success" | "failure" | "cancelled", default "success") that the
status functions read; "status" itself is not a named value. Recognised named
values are GitHub's context names plus any other top-level key of the context.

Semantic choices (where the docs are ambiguous)
-----------------------------------------------
* `NaN == x` is false for every x, and `!=` is the negation of `==`, so
  `NaN != NaN` is true (as in GitHub's engine and in JavaScript).
  `<`, `<=`, `>`, `>=` with NaN are false.
* Coercion happens only when the kinds differ: null/boolean become numbers
  first, then number vs string converts the string. Arrays and objects are
  never coerced (the docs say "NaN"; the outcome is the same): they equal only
  the very same instance.
* String -> number follows GitHub: trimmed, '' -> 0, decimal with optional
  sign/fraction/exponent, `0x`/`0o` integers (parsed as a 32-bit Int32 like the
  C# engine, so '0xffffffff' is -1), 'Infinity'/'-Infinity'; otherwise NaN.
* Number -> string uses .NET "G15" (15 significant digits, `1E+15` style
  exponents), and -0 prints as "0".
* "Ignoring case" is a per-character simple upper-casing (OrdinalIgnoreCase):
  'ς' == 'Σ', but 'ı' != 'I' and 'ß' != 'SS'.
* Property lookup is case-insensitive on every object (an exact key match wins
  when an object has keys differing only in case).
* fromJSON accepts standard JSON (and NaN/Infinity); GitHub's Newtonsoft parser
  is more lenient (comments, single quotes), which is not modelled.
* format() rejects `{0:spec}` (GitHub only allows specifiers on dates) and,
  like GitHub, evaluates only the arguments the format string references.
* `if:` specifics: an empty `if:` means `success()`; a single `${{ 'text' }}`
  becomes the literal `text`, which `if:` then parses as an expression.
  GitHub's implicit `success() &&` (added when a job condition calls no status
  function) is applied only with --implicit-success / "implicit_success": true;
  by default the condition's own truthiness is reported, as the brief asks.
* case() is supported; hashFiles() parses but cannot be evaluated here.
"""

import json
import math
import re
import sys

MAX_DEPTH = 50  # GitHub rejects expression trees deeper than this
MAX_LENGTH = 21000  # ... and expressions longer than this

KNOWN_CONTEXTS = (
    "github", "env", "vars", "job", "jobs", "steps", "runner", "secrets",
    "strategy", "matrix", "needs", "inputs",
)
STATUSES = ("success", "failure", "cancelled")
NAN = float("nan")
INF = float("inf")


class ExprError(Exception):
    """Any error raised while compiling or evaluating an expression."""


class ExprSyntaxError(ExprError):
    pass


class ExprEvalError(ExprError):
    pass


# --------------------------------------------------------------------------
# Values: None, bool, float, str, list, dict (JSON), FilteredArray (for `.*`).
# --------------------------------------------------------------------------


class FilteredArray(list):
    """The result of `.*` / `[*]`; indexing it applies the index to each item."""


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):  # before numbers: bool is an int in Python
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    raise TypeError("unexpected value %r" % (v,))


def is_primitive(v):
    return kind(v) in ("null", "boolean", "number", "string")


def truthy(v):
    # Falsy: false, 0, -0, NaN, '' and null. Arrays and objects are truthy,
    # even empty ones.
    k = kind(v)
    if k == "null":
        return False
    if k == "boolean":
        return v
    if k == "number":
        return not (v == 0 or math.isnan(v))
    if k == "string":
        return v != ""
    return True


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_OCTAL = re.compile(r"0o[0-7]+\Z")


def _int32(n):
    # GitHub parses 0x/0o integers into a 32-bit Int32: the bits wrap to a
    # negative number above 0x7fffffff, and anything wider is not a number.
    if n > 0xFFFFFFFF:
        return NAN
    return float(n - (1 << 32) if n >= (1 << 31) else n)


def parse_number(text):
    """String -> number, as GitHub converts strings (and number literals)."""
    s = text.strip()
    if s == "":
        return 0.0  # the docs: an empty string is 0
    if _DECIMAL.match(s):
        return float(s)
    if _HEX.match(s):  # lower-case 'x' only, no sign
        return _int32(int(s[2:], 16))
    if _OCTAL.match(s):
        return _int32(int(s[2:], 8))
    if s in ("Infinity", "+Infinity"):
        return INF
    if s == "-Infinity":
        return -INF
    return NAN


def to_number(v):
    k = kind(v)
    if k == "null":
        return 0.0
    if k == "boolean":
        return 1.0 if v else 0.0
    if k == "number":
        return float(v)
    if k == "string":
        return parse_number(v)
    return NAN  # arrays and objects


def format_number(x):
    """Number -> string like .NET's "G15" in the invariant culture."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"  # also for -0
    # %g switches to an exponent at the same thresholds as G15 and also drops
    # trailing zeros; only the exponent's spelling differs (1e+15 vs 1E+15).
    s = "%.15g" % x
    if "e" in s:
        mantissa, exponent = s.split("e")
        s = "%sE%s%s" % (mantissa, exponent[0], exponent[1:].rjust(2, "0"))
    return s


def to_string(v):
    k = kind(v)
    if k == "null":
        return ""
    if k == "boolean":
        return "true" if v else "false"
    if k == "number":
        return format_number(v)
    if k == "string":
        return v
    return "Array" if k == "array" else "Object"


def fold(s):
    """Case folding for GitHub's ordinal case-insensitive comparisons."""
    if s.isascii():
        return s.upper()
    out = []
    for ch in s:
        up = ch.upper()
        # Simple (one-to-one) mappings only: 'ß' stays 'ß', not 'SS'. The
        # dotless 'ı' is not folded to 'I' either.
        out.append(up if len(up) == 1 and ch != "\u0131" else ch)
    return "".join(out)


def _coerce(left, right):
    lk, rk = kind(left), kind(right)
    if lk == rk:
        return left, right, lk, rk
    if lk == "number" and rk == "string":
        return left, to_number(right), lk, "number"
    if lk == "string" and rk == "number":
        return to_number(left), right, "number", rk
    # null and booleans become numbers, then the comparison is retried, so
    # `null == ''` compares 0 with '' -> 0.
    if lk in ("null", "boolean"):
        return _coerce(to_number(left), right)
    if rk in ("null", "boolean"):
        return _coerce(left, to_number(right))
    return left, right, lk, rk  # arrays/objects are never coerced


def loose_equal(left, right):
    left, right, lk, rk = _coerce(left, right)
    if lk != rk:
        return False
    if lk == "null":
        return True
    if lk == "number":
        return not (math.isnan(left) or math.isnan(right)) and left == right
    if lk == "string":
        return fold(left) == fold(right)
    if lk == "boolean":
        return left == right
    return left is right  # arrays and objects: only the same instance


def greater_than(left, right):
    left, right, lk, rk = _coerce(left, right)
    if lk != rk:
        return False
    if lk == "number":
        return not (math.isnan(left) or math.isnan(right)) and left > right
    if lk == "string":
        return fold(left) > fold(right)
    if lk == "boolean":
        return left and not right
    return False


def less_than(left, right):
    left, right, lk, rk = _coerce(left, right)
    if lk != rk:
        return False
    if lk == "number":
        return not (math.isnan(left) or math.isnan(right)) and left < right
    if lk == "string":
        return fold(left) < fold(right)
    if lk == "boolean":
        return right and not left
    return False


def find(obj, key):
    """Case-insensitive property lookup: (found, value)."""
    if key in obj:
        return True, obj[key]
    folded = fold(key)
    for k, v in obj.items():
        if fold(k) == folded:
            return True, v
    return False, None


def lookup(obj, key):
    """The property's value; None when missing."""
    return find(obj, key)[1]


# --------------------------------------------------------------------------
# JSON output: toJSON() text, and the CLI's compact value output.
# --------------------------------------------------------------------------

# Newtonsoft's default escaping, which toJSON uses.
_JSON_ESCAPES = {
    '"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n",
    "\r": "\\r", "\t": "\\t", "\u0085": "\\u0085", "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_string(s):
    out = ['"']
    for ch in s:
        if ch in _JSON_ESCAPES:
            out.append(_JSON_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def to_json_text(v, level=0):
    """toJSON(): two-space indented JSON, numbers formatted as GitHub does."""
    k = kind(v)
    if k == "null":
        return "null"
    if k == "boolean":
        return "true" if v else "false"
    if k == "number":
        return format_number(v)
    if k == "string":
        return json_string(v)
    inner = "  " * (level + 1)
    if k == "array":
        if not v:
            return "[]"
        items = [inner + to_json_text(x, level + 1) for x in v]
        return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"
    if not v:
        return "{}"
    items = [inner + json_string(key) + ": " + to_json_text(val, level + 1)
             for key, val in v.items()]
    return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"


def dump_value(v):
    """Compact JSON of a value for the CLI (NaN/Infinity printed bare)."""
    k = kind(v)
    if k == "array":
        return "[" + ",".join(dump_value(x) for x in v) + "]"
    if k == "object":
        return "{" + ",".join(json_string(key) + ":" + dump_value(val)
                              for key, val in v.items()) + "}"
    return to_json_text(v)


def load_json(text):
    # Every number is a double in GitHub's engine.
    return json.loads(text, parse_int=float)


# --------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------


class Token:
    __slots__ = ("kind", "text", "value", "pos")

    def __init__(self, kind_, text, pos, value=None):
        self.kind = kind_  # 'literal', 'ident', 'sym' or 'eof'
        self.text = text
        self.pos = pos  # 0-based offset in the expression
        self.value = value

    def is_sym(self, *texts):
        return self.kind == "sym" and self.text in texts


_BOUNDARY = set("()[],.!><=&|")
_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_KEYWORD_LITERALS = {"true": True, "false": False, "null": None, "NaN": NAN, "Infinity": INF}


def _is_boundary(ch):
    # Note that "'", '*', '+' and '-' are not boundaries: `1-2`, `a*` and
    # `1'a'` are single (invalid) tokens, while `build-linux` is a legal name.
    return ch in _BOUNDARY or ch.isspace()


def _unexpected(text, pos, src):
    return ExprSyntaxError("Unexpected symbol: '%s'. Located at position %d within expression: %s"
                           % (text, pos + 1, src))


def tokenize(src):
    tokens = []
    i, n = 0, len(src)
    while True:
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            tokens.append(Token("eof", "", n))
            return tokens
        c = src[i]
        start = i
        prev = tokens[-1] if tokens else None
        if c in "()[],*":
            tokens.append(Token("sym", c, i))
            i += 1
        elif c in "!<>=&|":
            two = src[i:i + 2]
            if two in ("!=", "<=", ">=", "==", "&&", "||"):
                tokens.append(Token("sym", two, i))
                i += 2
            elif c in "!<>":
                tokens.append(Token("sym", c, i))
                i += 1
            else:  # a lone '=', '&' or '|'
                i += 1
                while i < n and not _is_boundary(src[i]):
                    i += 1
                raise _unexpected(src[start:i], start, src)
        elif c == "'":
            i += 1
            chars = []
            while True:
                if i >= n:
                    raise _unexpected(src[start:], start, src)  # unterminated
                if src[i] == "'":
                    if i + 1 < n and src[i + 1] == "'":  # '' is an escaped quote
                        chars.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                chars.append(src[i])
                i += 1
            tokens.append(Token("literal", src[start:i], start, "".join(chars)))
        elif c == "." and prev is not None and (prev.kind == "ident" or prev.is_sym(")", "]", "*")):
            tokens.append(Token("sym", ".", i))
            i += 1
        elif c in "+-." or "0" <= c <= "9":
            # A number runs to the next boundary, dots included: `1.2.3` and
            # `1e` are single tokens that fail to parse.
            i += 1
            while i < n and (not _is_boundary(src[i]) or src[i] == "."):
                i += 1
            value = parse_number(src[start:i])
            if math.isnan(value):
                raise _unexpected(src[start:i], start, src)
            tokens.append(Token("literal", src[start:i], start, value))
        else:
            i += 1
            while i < n and not _is_boundary(src[i]):
                i += 1
            word = src[start:i]
            if not _KEYWORD.match(word):
                raise _unexpected(word, start, src)
            # After a '.', even `true` or `null` is a property name.
            if (prev is None or not prev.is_sym(".")) and word in _KEYWORD_LITERALS:
                tokens.append(Token("literal", word, start, _KEYWORD_LITERALS[word]))
            else:
                tokens.append(Token("ident", word, start))


# --------------------------------------------------------------------------
# AST and parser (recursive descent, GitHub's precedence from high to low:
# `[ ]` and `.`, `!`, `< <= > >=`, `== !=`, `&&`, `||`; all left-associative).
# --------------------------------------------------------------------------


class Literal:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class Named:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class Call:
    __slots__ = ("name", "args")

    def __init__(self, name, args):
        self.name = name.lower()  # function names are case-insensitive
        self.args = args


STAR = object()  # the index of `.*` and `[*]`


class Index:
    __slots__ = ("obj", "index")

    def __init__(self, obj, index):
        self.obj = obj
        self.index = index


class Not:
    __slots__ = ("operand",)

    def __init__(self, operand):
        self.operand = operand


class Compare:
    __slots__ = ("op", "left", "right")

    def __init__(self, op, left, right):
        self.op = op
        self.left = left
        self.right = right


class Logical:
    __slots__ = ("op", "operands")

    def __init__(self, op, operands):
        self.op = op
        # GitHub flattens `(a && b) && c` into one node; it only matters for
        # the depth limit.
        self.operands = []
        for operand in operands:
            if isinstance(operand, Logical) and operand.op == op:
                self.operands.extend(operand.operands)
            else:
                self.operands.append(operand)


class Template:
    """`text ${{ a }} text`: the string of the parts, like GitHub's format()."""
    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts  # strings and nodes


def children(node):
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Index):
        return [node.obj] + ([] if node.index is STAR else [node.index])
    if isinstance(node, Not):
        return [node.operand]
    if isinstance(node, Compare):
        return [node.left, node.right]
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, Template):
        return [p for p in node.parts if not isinstance(p, str)]
    return []


def depth(node):
    return 1 + max((depth(c) for c in children(node)), default=0)


def walk(node):
    yield node
    for child in children(node):
        yield from walk(child)


def _fn_unsupported(ev, args):
    raise ExprEvalError("hashFiles() is not supported by this evaluator")


# name -> (min args, max args, implementation); filled in below the evaluator.
FUNCTIONS = {}
STATUS_FUNCTIONS = ("success", "failure", "cancelled", "always")


class Parser:
    def __init__(self, src, names):
        if len(src) > MAX_LENGTH:
            raise ExprSyntaxError("Exceeded max expression length %d" % MAX_LENGTH)
        self.src = src
        self.names = names  # recognised named values, lower-cased
        self.tokens = tokenize(src)
        self.i = 0

    def peek(self):
        return self.tokens[self.i]

    def advance(self):
        token = self.tokens[self.i]
        if token.kind != "eof":
            self.i += 1
        return token

    def accept(self, sym):
        if self.peek().is_sym(sym):
            return self.advance()
        return None

    def error(self, token):
        if token.kind == "eof":
            last = self.tokens[self.i - 1] if self.i > 0 else token
            return ExprSyntaxError("Unexpected end of expression: '%s'. Located at position %d within expression: %s"
                                   % (last.text, last.pos + 1, self.src))
        return _unexpected(token.text, token.pos, self.src)

    def expect(self, sym):
        if not self.accept(sym):
            raise self.error(self.peek())

    def parse(self):
        """The AST of the whole expression, or None for an empty one."""
        if self.peek().kind == "eof":
            return None
        try:
            node = self.expression()
        except RecursionError:
            node = None
        if node is None or depth(node) > MAX_DEPTH:
            raise ExprSyntaxError("Exceeded max expression depth %d" % MAX_DEPTH)
        if self.peek().kind != "eof":
            raise self.error(self.peek())
        return node

    def expression(self):
        return self.logical("||", lambda: self.logical("&&", self.equality))

    def logical(self, op, operand):
        node = operand()
        if not self.peek().is_sym(op):
            return node
        operands = [node]
        while self.accept(op):
            operands.append(operand())
        return Logical(op, operands)

    def equality(self):
        node = self.comparison()
        while self.peek().is_sym("==", "!="):
            op = self.advance().text
            node = Compare(op, node, self.comparison())
        return node

    def comparison(self):
        node = self.unary()
        while self.peek().is_sym("<", "<=", ">", ">="):
            op = self.advance().text
            node = Compare(op, node, self.unary())
        return node

    def unary(self):
        # `!` binds tighter than comparisons: `!a == b` is `(!a) == b`.
        if self.accept("!"):
            return Not(self.unary())
        return self.postfix()

    def postfix(self):
        node, indexable = self.primary()
        # GitHub only indexes named values, calls and parenthesised
        # expressions: `'abc'[0]` and `'abc'.length` are syntax errors.
        while indexable:
            if self.accept("["):
                index = STAR if self.accept("*") else self.expression()
                self.expect("]")
                node = Index(node, index)
            elif self.accept("."):
                token = self.peek()
                if token.kind == "ident":
                    self.advance()
                    node = Index(node, Literal(token.text))
                elif token.is_sym("*"):
                    self.advance()
                    node = Index(node, STAR)
                else:
                    raise self.error(token)
            else:
                break
        return node

    def primary(self):
        token = self.peek()
        if token.kind == "literal":
            self.advance()
            return Literal(token.value), False
        if token.kind == "ident":
            self.advance()
            if self.peek().is_sym("("):
                return self.call(token), True
            if token.text.lower() not in self.names:
                raise ExprSyntaxError("Unrecognized named-value: '%s'. Located at position %d within expression: %s"
                                      % (token.text, token.pos + 1, self.src))
            return Named(token.text), True
        if self.accept("("):
            node = self.expression()
            self.expect(")")
            return node, True
        raise self.error(token)

    def call(self, name_token):
        name = name_token.text
        where = "'%s'. Located at position %d within expression: %s" % (name, name_token.pos + 1, self.src)
        spec = FUNCTIONS.get(name.lower())
        if spec is None:
            raise ExprSyntaxError("Unrecognized function: " + where)
        self.expect("(")
        args = []
        if not self.accept(")"):
            while True:
                args.append(self.expression())
                if self.accept(")"):
                    break
                self.expect(",")
        low, high, _ = spec
        if len(args) < low:
            raise ExprSyntaxError("Too few parameters supplied: " + where)
        if len(args) > high:
            raise ExprSyntaxError("Too many parameters supplied: " + where)
        if name.lower() == "case" and len(args) % 2 == 0:
            raise ExprSyntaxError("Even number of parameters supplied, requires an odd number of parameters: " + where)
        return Call(name, args)


def parse_expression(src, names):
    return Parser(src, names).parse()


# --------------------------------------------------------------------------
# Evaluator
# --------------------------------------------------------------------------


class Context:
    def __init__(self, data):
        if not isinstance(data, dict):
            raise ExprEvalError("the context must be a JSON object")
        self.status = data.get("status", "success")
        if self.status not in STATUSES:
            raise ExprEvalError("context 'status' must be one of %s, not %r" % ("/".join(STATUSES), self.status))
        self.values = {k: v for k, v in data.items() if k != "status"}
        self.names = set(KNOWN_CONTEXTS) | {k.lower() for k in self.values}


def _integer_index(v):
    n = to_number(v)
    if math.isnan(n) or n < 0:
        return None
    n = math.floor(n)
    return None if n > 2 ** 31 - 1 else int(n)


class Evaluator:
    def __init__(self, context):
        self.context = context

    def eval(self, node):
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Named):
            return lookup(self.context.values, node.name)
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, Not):
            return not truthy(self.eval(node.operand))
        if isinstance(node, Compare):
            left, right = self.eval(node.left), self.eval(node.right)
            op = node.op
            if op == "==":
                return loose_equal(left, right)
            if op == "!=":
                return not loose_equal(left, right)
            if op == "<":
                return less_than(left, right)
            if op == ">":
                return greater_than(left, right)
            if op == "<=":
                return loose_equal(left, right) or less_than(left, right)
            return loose_equal(left, right) or greater_than(left, right)
        if isinstance(node, Logical):
            # Short-circuits and returns the deciding operand itself, not a
            # boolean: `'' || 'x'` is 'x', `0 && x` is 0.
            for operand in node.operands:
                result = self.eval(operand)
                if truthy(result) == (node.op == "||"):
                    break
            return result
        if isinstance(node, Call):
            return FUNCTIONS[node.name][2](self, node.args)
        if isinstance(node, Template):
            return "".join(p if isinstance(p, str) else to_string(self.eval(p)) for p in node.parts)
        raise TypeError("unknown node %r" % (node,))

    def index(self, node):
        obj = self.eval(node.obj)
        if node.index is STAR:
            if isinstance(obj, FilteredArray):
                result = FilteredArray()
                for item in obj:
                    if isinstance(item, dict):
                        result.extend(item.values())
                    elif isinstance(item, list):
                        result.extend(item)
                return result
            if isinstance(obj, list):
                return FilteredArray(obj)
            if isinstance(obj, dict):
                return FilteredArray(obj.values())
            return FilteredArray()  # `null.*` is an empty array, not null
        if not isinstance(obj, (list, dict)):
            return None  # GitHub does not even evaluate the index then
        index = self.eval(node.index)
        key = to_string(index) if is_primitive(index) else None
        if isinstance(obj, FilteredArray):
            # Apply the index to every item, keeping only the hits.
            result = FilteredArray()
            for item in obj:
                if isinstance(item, dict):
                    if key is not None:
                        found, value = find(item, key)
                        if found:
                            result.append(value)
                elif isinstance(item, list):
                    n = _integer_index(index)
                    if n is not None and n < len(item):
                        result.append(item[n])
            return result
        if isinstance(obj, dict):
            return None if key is None else lookup(obj, key)
        n = _integer_index(index)  # arrays: '1', 1.9 and true all mean 1
        return obj[n] if n is not None and n < len(obj) else None


# --------------------------------------------------------------------------
# Functions. Each gets the evaluator and its argument nodes, and evaluates
# the arguments in GitHub's order (some only when needed).
# --------------------------------------------------------------------------


def _fn_contains(ev, args):
    search = ev.eval(args[0])
    if is_primitive(search):
        item = ev.eval(args[1])
        if is_primitive(item):
            return fold(to_string(item)) in fold(to_string(search))
    elif isinstance(search, list) and search:
        item = ev.eval(args[1])
        return any(loose_equal(item, element) for element in search)
    return False


def _affix(test):
    def fn(ev, args):
        text = ev.eval(args[0])
        if not is_primitive(text):
            return False
        affix = ev.eval(args[1])
        if not is_primitive(affix):
            return False
        return test(fold(to_string(text)), fold(to_string(affix)))
    return fn


def _read_format_specifiers(fmt, start):
    """Return (specifiers, index of the closing brace) or None."""
    n = len(fmt)
    if start < n and fmt[start] == "}":
        return "", start
    if start >= n or fmt[start] != ":":
        return None
    spec, i = [], start + 1
    while i < n:
        if fmt[i] != "}":
            spec.append(fmt[i])
            i += 1
        elif i + 1 < n and fmt[i + 1] == "}":
            spec.append("}")
            i += 2
        else:
            return "".join(spec), i
    return None


def _fn_format(ev, args):
    fmt = to_string(ev.eval(args[0]))
    invalid = ExprEvalError("The following format string is invalid: %s" % fmt)
    pieces = []  # literal strings and (argument index, specifiers)
    i, n = 0, len(fmt)
    while i < n:
        lbrace, rbrace = fmt.find("{", i), fmt.find("}", i)
        if lbrace >= 0 and (rbrace < 0 or rbrace > lbrace):
            if fmt[lbrace + 1:lbrace + 2] == "{":  # '{{' is a literal '{'
                pieces.append(fmt[i:lbrace + 1])
                i = lbrace + 2
                continue
            j = lbrace + 1
            while j < n and "0" <= fmt[j] <= "9":
                j += 1
            spec = _read_format_specifiers(fmt, j) if rbrace > lbrace + 1 and j > lbrace + 1 else None
            if spec is None or int(fmt[lbrace + 1:j]) > 255:
                raise invalid
            arg = int(fmt[lbrace + 1:j])
            if arg > len(args) - 2:
                raise ExprEvalError("The following format string references more arguments than were supplied: %s" % fmt)
            if lbrace > i:
                pieces.append(fmt[i:lbrace])
            pieces.append((arg, spec[0]))
            i = spec[1] + 1
        elif rbrace >= 0:
            if fmt[rbrace + 1:rbrace + 2] != "}":  # a lone '}' is invalid
                raise invalid
            pieces.append(fmt[i:rbrace + 1])
            i = rbrace + 2
        else:
            pieces.append(fmt[i:])
            break
    # Only the referenced arguments are evaluated, once each, after the whole
    # format string has been checked.
    cache, out = {}, []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        arg, spec = piece
        if arg not in cache:
            cache[arg] = ev.eval(args[arg + 1])
        if spec:
            raise ExprEvalError("The format specifiers '%s' are not valid for objects of type '%s'"
                                % (spec, kind(cache[arg]).capitalize()))
        out.append(to_string(cache[arg]))
    return "".join(out)


def _fn_join(ev, args):
    items = ev.eval(args[0])
    if isinstance(items, list) and items:
        separator = ","
        if len(items) > 1 and len(args) > 1:
            value = ev.eval(args[1])
            if is_primitive(value):  # an array/object separator means ','
                separator = to_string(value)
        return separator.join(to_string(item) for item in items)
    if is_primitive(items):
        return to_string(items)
    return ""


def _fn_tojson(ev, args):
    return to_json_text(ev.eval(args[0]))


def _fn_fromjson(ev, args):
    text = to_string(ev.eval(args[0]))
    if text.strip() == "":
        raise ExprEvalError("Error parsing fromJson: empty input")
    try:
        return load_json(text)
    except ValueError as e:
        raise ExprEvalError("Error parsing fromJson: %s" % e)


def _fn_case(ev, args):
    for i in range(0, len(args) - 1, 2):
        predicate = ev.eval(args[i])
        if not isinstance(predicate, bool):
            raise ExprEvalError("case predicate must evaluate to a boolean value")
        if predicate:
            return ev.eval(args[i + 1])
    return ev.eval(args[-1])


def _status(name):
    def fn(ev, args):
        return name == "always" or ev.context.status == name
    return fn


FUNCTIONS.update({
    "contains": (2, 2, _fn_contains),
    "startswith": (2, 2, _affix(lambda text, affix: text.startswith(affix))),
    "endswith": (2, 2, _affix(lambda text, affix: text.endswith(affix))),
    "format": (1, 255, _fn_format),
    "join": (1, 2, _fn_join),
    "tojson": (1, 1, _fn_tojson),
    "fromjson": (1, 1, _fn_fromjson),
    "case": (3, 255, _fn_case),
    "hashfiles": (1, 255, _fn_unsupported),
})
for _name in STATUS_FUNCTIONS:
    FUNCTIONS[_name] = (0, 0, _status(_name))


# --------------------------------------------------------------------------
# `if:` text and templates
# --------------------------------------------------------------------------


def _split_template(raw):
    """Split `a ${{ x }} b` into literal strings and expression sources."""
    segments = []
    i, start = 0, raw.find("${{")
    while i < len(raw):
        if i == start:
            # The expression ends at the first '}}' outside a string literal.
            j, in_string, end = i + 3, False, -1
            while j < len(raw):
                if raw[j] == "'":
                    in_string = not in_string  # also right for 'it''s'
                elif not in_string and raw[j] == "}" and raw[j - 1] == "}":
                    end = j
                    j += 1
                    break
                j += 1
            if end < 0:
                raise ExprSyntaxError("The expression is not closed. An unescaped ${{ sequence was found, "
                                      "but the closing }} sequence was not found.")
            source = raw[i + 3:end - 1].strip()
            if not source:
                raise ExprSyntaxError("An expression was expected")
            segments.append(("expr", source))
            i, start = j, raw.find("${{", j)
        elif i < start:
            segments.append(("text", raw[i:start]))
            i = start
        else:
            segments.append(("text", raw[i:]))
            break
    return segments


def _string_only(source):
    """The text of an expression made only of a string literal, else None."""
    out, in_string = [], False
    for i, ch in enumerate(source):
        if ch == "'":
            in_string = not in_string
            if in_string and i != 0:
                out.append(ch)  # the second quote of an escaped ''
        elif not in_string:
            return None
        else:
            out.append(ch)
    return "".join(out)


def compile_text(text, names, condition=False):
    """The AST of an EXPR argument: a bare expression, `${{ expr }}` or a template."""
    # A YAML plain scalar never has surrounding blanks, so ignore them.
    text = text.strip()
    if "${{" not in text:
        return parse_expression(text, names)
    segments = _split_template(text)
    if len(segments) == 1:
        source = segments[0][1]
        node = parse_expression(source, names)
        literal = _string_only(source)
        if condition and literal is not None:
            # GitHub turns `${{ 'abc' }}` into the plain string `abc`, and an
            # `if:` then parses that string as an expression.
            return parse_expression(literal, names)
        return node
    parts = [value if what == "text" else parse_expression(value, names) for what, value in segments]
    return Template(parts)


def evaluate(text, context, condition=False, implicit_success=False):
    """The value of EXPR, or its truthiness as a bool when `condition`."""
    ctx = Context(context)
    node = compile_text(text, ctx.names, condition)
    ev = Evaluator(ctx)
    if not condition:
        return None if node is None else ev.eval(node)
    if node is None:
        node = Call("success", [])  # an empty `if:` means success()
    elif implicit_success and not any(isinstance(n, Call) and n.name in STATUS_FUNCTIONS for n in walk(node)):
        # GitHub's job/step `if:` is `success() && (...)` unless it calls a
        # status function itself.
        node = Logical("&&", [Call("success", []), node])
    return truthy(ev.eval(node))


def describe(error):
    kind_ = "syntax error" if isinstance(error, ExprSyntaxError) else "evaluation error"
    return ("%s: %s" % (kind_, error)).replace("\r", " ").replace("\n", " ")


# --------------------------------------------------------------------------
# Self-test
# --------------------------------------------------------------------------

EXAMPLE_CONTEXT = {
    "github": {"ref": "refs/heads/main", "ref_name": "main", "event_name": "push", "head_ref": "", "base_ref": ""},
    "inputs": {"environment": "staging"},
    "needs": {"build": {"result": "success", "outputs": {"version": "1.2"}}},
    "env": {},
    "vars": {},
    "status": "success",
}

LABELS_CONTEXT = {
    "github": {"event_name": "issues", "event": {"issue": {"labels": [{"name": "bug"}, {"name": "help wanted"}]}}},
    "needs": {
        "build-linux": {"result": "success", "outputs": {"n": "3"}},
        "build-mac": {"result": "failure", "outputs": {}},
    },
    "matrix": {"os": "ubuntu", "list": [1, 2, 3]},
}


class Err:
    def __init__(self, kind_):
        self.kind = kind_  # 'syntax' or 'eval'


SYNTAX, EVAL = Err("syntax"), Err("eval")

# (EXPR, expected, options). Expected is a value (EXPR's value), a bool with
# cond=True (the condition's truthiness), or SYNTAX/EVAL. Options: cond,
# implicit, status, ctx.
CASES = [
    # Literals
    ("null", None, {}),
    ("true", True, {}),
    ("false", False, {}),
    ("711", 711, {}),
    ("-9.2", -9.2, {}),
    ("0xff", 255, {}),
    ("0xFF", 255, {}),
    ("-2.99e-2", -0.0299, {}),
    ("1.2E+2", 120, {}),
    (".5", 0.5, {}),
    ("+1", 1, {}),
    ("0o10", 8, {}),
    ("Infinity", INF, {}),
    ("-Infinity", -INF, {}),
    ("NaN", NAN, {}),
    ("0xffffffff", -1, {}),  # an Int32 in GitHub's engine
    ("'It''s open source!'", "It's open source!", {}),
    ("''", "", {}),
    ("'Mona the Octocat'", "Mona the Octocat", {}),
    ("  'spaced'\n  ", "spaced", {}),
    ("", None, {}),
    ('"double quotes"', SYNTAX, {}),
    ("'unterminated", SYNTAX, {}),
    ("1.2.3", SYNTAX, {}),
    ("0x", SYNTAX, {}),
    ("-0x10", SYNTAX, {}),
    ("0X10", SYNTAX, {}),
    ("1 +", SYNTAX, {}),
    ("1 = 1", SYNTAX, {}),
    ("true & false", SYNTAX, {}),
    ("True", SYNTAX, {}),  # keywords are case-sensitive: this is a named value
    ("(1", SYNTAX, {}),
    ("1)", SYNTAX, {}),
    ("1 2", SYNTAX, {}),

    # Precedence and associativity
    ("!true == false", True, {}),
    ("!'a' == 'b'", False, {}),
    ("!('a' == 'b')", True, {}),
    ("!2 < 3", True, {}),
    ("!(2 < 3)", False, {}),
    ("3 < 2 < 1", True, {}),
    ("3 < (2 < 1)", False, {}),
    ("2 <= 3 == true", True, {}),
    ("2 == 2 == 1", True, {}),
    ("2 == (2 == 1)", False, {}),
    ("2 == 2 != 0", True, {}),
    ("1 == 1 && 2", 2, {}),
    ("1 == (1 && 2)", False, {}),
    ("'a' == 'a' && 'b'", "b", {}),
    ("false && 0 || null", None, {}),
    ("false && (0 || null)", False, {}),
    ("1 || 2 && 3", 1, {}),
    ("(1 || 2) && 3", 3, {}),
    ("!github.ref", False, {}),
    ("(!github).ref", None, {}),

    # && and || return an operand
    ("'' || 'default'", "default", {}),
    ("github.head_ref || github.ref_name", "main", {}),
    ("false || 0", 0, {}),
    ("false || ''", "", {}),
    ("0 || 0 || 2 || 3", 2, {}),
    ("null && true", None, {}),
    ("'a' && 'b' && ''", "", {}),
    ("true && inputs.environment", "staging", {}),
    ("github.event_name == 'push' && 'deploy' || 'skip'", "deploy", {}),

    # Truthiness
    ("!!'false'", True, {}),
    ("!!'0'", True, {}),
    ("!0", True, {}),
    ("!-0", True, {}),
    ("!NaN", True, {}),
    ("!''", True, {}),
    ("!null", True, {}),
    ("!fromJSON('[]')", False, {}),
    ("!fromJSON('{}')", False, {}),
    ("0", False, {"cond": True}),
    ("-0.0", False, {"cond": True}),
    ("NaN", False, {"cond": True}),
    ("'0'", True, {"cond": True}),
    ("0.5", True, {"cond": True}),
    ("fromJSON('{}')", True, {"cond": True}),
    ("null", False, {"cond": True}),

    # Loose equality and comparisons
    ("null == 0", True, {}),
    ("'abc' == 'ABC'", True, {}),
    ("1 == '1'", True, {}),
    ("'' == 0", True, {}),
    ("true == 1", True, {}),
    ("false == 0", True, {}),
    ("true == 'true'", False, {}),  # 1 vs NaN
    ("'1.0' == 1", True, {}),
    ("' 0xff ' == 255", True, {}),
    ("' 1e3 ' == 1000", True, {}),
    ("' Infinity ' == Infinity", True, {}),
    ("'abc' == 0", False, {}),
    ("'abc' != 0", True, {}),
    ("NaN == NaN", False, {}),
    ("NaN != NaN", True, {}),
    ("' NaN ' != NaN", True, {}),
    ("null == ''", True, {}),
    ("null == false", True, {}),
    ("null == null", True, {}),
    ("vars.missing == ''", True, {}),
    ("fromJSON('[]') == fromJSON('[]')", False, {}),
    ("github == github", True, {}),
    ("github == 'Object'", False, {}),
    ("fromJSON('[]') == 0", False, {}),
    ("fromJSON('[]') != 0", True, {}),
    ("'b' > 'A'", True, {}),
    ("'a' < 'B'", True, {}),
    ("'A' < '['", True, {}),
    ("'a' < '['", True, {}),
    ("'abc' <= 'ABC'", True, {}),
    ("'10' > '9'", False, {}),
    ("'10' > 9", True, {}),
    ("1 < 'a'", False, {}),
    ("1 >= 'a'", False, {}),
    ("NaN >= NaN", False, {}),
    ("true > false", True, {}),
    ("null < 1", True, {}),
    ("-1 < false", True, {}),
    ("Infinity > 1e308", True, {}),
    ("'ç' == 'Ç'", True, {}),
    ("'ς' == 'Σ'", True, {}),
    ("'ı' == 'I'", False, {}),
    ("'i' == 'İ'", False, {}),
    ("'ß' == 'SS'", False, {}),
    ("'АБВ' == 'абв'", True, {}),

    # contains / startsWith / endsWith
    ("contains('Hello world', 'llo')", True, {}),
    ("contains('Hello world', 'LLO')", True, {}),
    ("contains('Hello world', 'xyz')", False, {}),
    ("contains('abc', '')", True, {}),
    ("contains('123', 2)", True, {}),
    ("contains('true', true)", True, {}),
    ("contains(fromJSON('[\"push\", \"pull_request\"]'), github.event_name)", True, {}),
    ("contains(fromJSON('[\"PUSH\"]'), 'push')", True, {}),
    ("contains(fromJSON('[1, 2]'), '2')", True, {}),
    ("contains(fromJSON('[]'), '')", False, {}),
    ("contains(github, 'ref')", False, {}),
    ("contains('Array', fromJSON('[]'))", False, {}),
    ("contains(github.event.issue.labels.*.name, 'bug')", True, {"ctx": LABELS_CONTEXT}),
    ("contains(needs.*.result, 'failure')", True, {"ctx": LABELS_CONTEXT}),
    ("contains(needs.*.result, 'failure')", False, {}),
    ("startsWith('Hello world', 'He')", True, {}),
    ("startsWith('Hello world', 'he')", True, {}),
    ("startsWith('Hello world', 'world')", False, {}),
    ("startsWith('Hello', fromJSON('[]'))", False, {}),
    ("endsWith('Hello world', 'ld')", True, {}),
    ("endsWith('Hello world', 'LD')", True, {}),
    ("endsWith('asdf', null)", True, {}),
    ("endsWith('1234', 34)", True, {}),
    ("endsWith('1234', 23)", False, {}),
    ("CONTAINS('abc', 'B')", True, {}),
    ("StartsWith(github.ref, 'refs/HEADS/')", True, {}),

    # format
    ("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat", {}),
    ("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", "{Hello Mona the Octocat!}", {}),
    ("format('{0}{0}', 'ab')", "abab", {}),
    ("format('{1}-{0}', 'a', 'b')", "b-a", {}),
    ("format('}}{{}}', 'abc')", "}{}", {}),
    ("format('{{0}}', 'abc')", "{0}", {}),
    ("format('{0}', null)", "", {}),
    ("format('{0} {1}', true, false)", "true false", {}),
    ("format('{0}', fromJSON('[]'))", "Array", {}),
    ("format('{0}', github)", "Object", {}),
    ("format('{0}', 1.50)", "1.5", {}),
    ("format('{0}', -0)", "0", {}),
    ("format('{0}', 0.84551240822557006)", "0.84551240822557", {}),
    ("format('{0}', 123456789012345)", "123456789012345", {}),
    ("format('{0}', 1e15)", "1E+15", {}),
    ("format('{0}', 0.0001)", "0.0001", {}),
    ("format('{0}', 0.00001)", "1E-05", {}),
    ("format('{0}', -Infinity)", "-Infinity", {}),
    ("format('{0}', NaN)", "NaN", {}),
    ("format(null, 'x')", "", {}),
    ("format('{0}', 'a', fromJSON(''))", "a", {}),  # unreferenced: not evaluated
    ("format('{0')", EVAL, {}),
    ("format('{0}')", EVAL, {}),
    ("format('{0}{1}', 'a')", EVAL, {}),
    ("format('}')", EVAL, {}),
    ("format('{0}}', '')", EVAL, {}),
    ("format('{a}', '')", EVAL, {}),
    ("format('{0:x}', 1)", EVAL, {}),

    # join
    ("join(fromJSON('[\"a\", \"b\", \"c\"]'))", "a,b,c", {}),
    ("join(fromJSON('[\"a\", \"b\"]'), ' | ')", "a | b", {}),
    ("join(github.event.issue.labels.*.name, ', ')", "bug, help wanted", {"ctx": LABELS_CONTEXT}),
    ("join('abc')", "abc", {}),
    ("join(null)", "", {}),
    ("join(1.5)", "1.5", {}),
    ("join(github)", "", {}),
    ("join(fromJSON('[null, true, 1.5, \"x\", [], {}]'))", ",true,1.5,x,Array,Object", {}),
    ("join(fromJSON('[\"a\", \"b\"]'), null)", "ab", {}),
    ("join(fromJSON('[\"a\", \"b\"]'), fromJSON('[]'))", "a,b", {}),

    # toJSON / fromJSON
    ("toJSON(github.event_name)", '"push"', {}),
    ("toJSON(null)", "null", {}),
    ("toJSON(1.5)", "1.5", {}),
    ("toJSON(-0)", "0", {}),
    ("toJSON('a\"b\\c')", '"a\\"b\\\\c"', {}),
    ("toJSON(fromJSON('[]'))", "[]", {}),
    ("toJSON(fromJSON('[1, [], {\"a\": true}]'))", '[\n  1,\n  [],\n  {\n    "a": true\n  }\n]', {}),
    ("toJSON(needs)", '{\n  "build": {\n    "result": "success",\n    "outputs": {\n      "version": "1.2"\n    }\n  }\n}', {}),
    ("tojson(inputs)", '{\n  "environment": "staging"\n}', {}),
    ("fromJSON('{\"a\": {\"b\": 1}}').a.b", 1, {}),
    ("fromJSON('{\"A\": 1}').a", 1, {}),
    ("fromJSON('true')", True, {}),
    ("fromJSON('null')", None, {}),
    ("fromJSON('\"abc''def\"')", "abc'def", {}),
    ("fromJSON('[1, 2, 3]')", [1, 2, 3], {}),
    ("fromJSON('2') == 2", True, {}),
    ("fromJSON(needs.build.outputs.version) > 1", True, {}),
    ("FromJson('[1]')[0]", 1, {}),
    ("fromJSON('')", EVAL, {}),
    ("fromJSON('{bad')", EVAL, {}),
    ("fromJSON(github.ref)", EVAL, {}),

    # case
    ("case(github.ref == 'refs/heads/main', 'prod', 'dev')", "prod", {}),
    ("case(false, 'a', true, 'b', 'c')", "b", {}),
    ("case(false, 'a', false, 'b', 'c')", "c", {}),
    ("case(1, 'a', 'b')", EVAL, {}),
    ("case(true, 'a')", SYNTAX, {}),

    # Status functions
    ("success()", True, {}),
    ("failure()", False, {}),
    ("cancelled()", False, {}),
    ("always()", True, {}),
    ("SUCCESS()", True, {}),
    ("failure()", True, {"status": "failure"}),
    ("success()", False, {"status": "failure"}),
    ("always()", True, {"status": "failure"}),
    ("cancelled()", True, {"status": "cancelled"}),
    ("success()", False, {"status": "cancelled"}),
    ("failure()", False, {"status": "cancelled"}),
    ("!cancelled() && github.ref == 'refs/heads/main'", True, {"cond": True}),
    ("always() && github.ref == 'refs/heads/other'", False, {"cond": True, "status": "failure"}),
    ("success(1)", SYNTAX, {}),

    # Other function errors
    ("foo()", SYNTAX, {}),
    ("foo(", SYNTAX, {}),
    ("contains('a')", SYNTAX, {}),
    ("contains('a', 'b', 'c')", SYNTAX, {}),
    ("contains('a',)", SYNTAX, {}),
    ("hashFiles('**/*.lock')", EVAL, {}),

    # Property access and indexing
    ("github.ref", "refs/heads/main", {}),
    ("github.REF", "refs/heads/main", {}),
    ("GITHUB.Ref", "refs/heads/main", {}),
    ("github['ref']", "refs/heads/main", {}),
    ("github['REF']", "refs/heads/main", {}),
    ("github.nope", None, {}),
    ("github.nope.deeper[0]", None, {}),
    ("steps.build.outputs.x", None, {}),
    ("env.FOO", None, {}),
    ("needs.build.outputs.version", "1.2", {}),
    ("needs['build'].result", "success", {}),
    ("needs.build-linux.outputs.n == 3", True, {"ctx": LABELS_CONTEXT}),
    ("inputs.environment == 'STAGING'", True, {}),
    ("matrix.list[1]", 2, {"ctx": LABELS_CONTEXT}),
    ("matrix.list['1']", 2, {"ctx": LABELS_CONTEXT}),
    ("matrix.list[1.9]", 2, {"ctx": LABELS_CONTEXT}),
    ("matrix.list[5]", None, {"ctx": LABELS_CONTEXT}),
    ("matrix.list[-1]", None, {"ctx": LABELS_CONTEXT}),
    ("matrix['li' && 'list'][0]", 1, {"ctx": LABELS_CONTEXT}),
    ("fromJSON('{\"1\": \"x\"}')[1]", "x", {}),
    ("needs.*.result", ["success"], {}),
    ("fromJSON('[{\"n\": 1}, {\"m\": 2}, {\"n\": 3}]').*.n", [1, 3], {}),
    ("fromJSON('[[1, 2], [3]]').*.*", [1, 2, 3], {}),
    ("fromJSON('[[1, 2], [3]]')[*][1]", [2], {}),
    ("github.ref.*", [], {}),
    ("github.true", None, {}),
    ("foo.bar", SYNTAX, {}),
    ("status", SYNTAX, {}),
    ("github.1", SYNTAX, {}),
    ("github.", SYNTAX, {}),
    ("'abc'.length", SYNTAX, {}),
    ("'abc'[0]", SYNTAX, {}),
    ("github.b@r", SYNTAX, {}),

    # Documented condition examples
    ("github.ref == 'refs/heads/main' && github.event_name == 'push'", True, {"cond": True}),
    ("github.ref == 'refs/heads/main' && github.event_name == 'pull_request'", False, {"cond": True}),
    ("!startsWith(github.ref, 'refs/tags/')", True, {"cond": True}),
    ("github.event_name == 'push' || github.event_name == 'pull_request'", True, {"cond": True}),
    ("github.ref ==\n  'refs/heads/main'", True, {"cond": True}),

    # `if:` with ${{ }} and templates
    ("${{ github.ref == 'refs/heads/main' }}", True, {"cond": True}),
    ("${{ false }}", False, {"cond": True}),
    ("${{ false }} && ${{ false }}", True, {"cond": True}),  # the string 'false && false'
    ("${{ github.head_ref }}${{ github.base_ref }}", False, {"cond": True}),  # ''
    ("${{ 'true' }}", True, {"cond": True}),  # becomes the bare expression `true`
    ("${{ 'refs' }}", SYNTAX, {"cond": True}),  # the bare `refs` is unknown
    ("${{ 'refs' }}", "refs", {}),
    ("${{ 'it''s }}", SYNTAX, {"cond": True}),
    ("${{ }}", SYNTAX, {"cond": True}),
    ("${{ github.ref", SYNTAX, {"cond": True}),
    ("${{ nope.x }}", SYNTAX, {"cond": True}),
    ("ref: ${{ github.ref_name }}", "ref: main", {}),
    ("${{ null }}x", "x", {}),
    ("${{ 1.50 }}", 1.5, {}),
    ("a ${{ 1.50 }} b ${{ true }} {c}", "a 1.5 b true {c}", {}),
    ("${{ '}}' }}", "}}", {}),
    ("${{ 'it''s' }} ok", "it's ok", {}),
    ("${{ fromJSON('[1]') }}!", "Array!", {}),
    ("", True, {"cond": True}),  # an empty if: is success()
    ("", False, {"cond": True, "status": "failure"}),

    # The implicit `success() &&` of a job's if:
    ("github.ref == 'refs/heads/main'", True, {"cond": True, "status": "failure"}),
    ("github.ref == 'refs/heads/main'", False, {"cond": True, "implicit": True, "status": "failure"}),
    ("github.ref == 'refs/heads/main'", True, {"cond": True, "implicit": True}),
    ("failure() && github.ref == 'refs/heads/main'", True, {"cond": True, "implicit": True, "status": "failure"}),
    ("always()", True, {"cond": True, "implicit": True, "status": "cancelled"}),
    ("!cancelled()", True, {"cond": True, "implicit": True, "status": "failure"}),
    ("${{ true }}", False, {"cond": True, "implicit": True, "status": "failure"}),
    ("${{ always() }} x", True, {"cond": True, "implicit": True, "status": "failure"}),
]


def _same(a, b):
    """Equality that keeps booleans and numbers apart and NaN equal to itself."""
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "number":
        return (math.isnan(a) and math.isnan(b)) or a == b
    if ka == "array":
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if ka == "object":
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def self_test():
    failures = 0
    for expr, expected, options in CASES:
        context = dict(options.get("ctx", EXAMPLE_CONTEXT))
        if "status" in options:
            context["status"] = options["status"]
        try:
            got = evaluate(expr, context, condition=options.get("cond", False),
                           implicit_success=options.get("implicit", False))
            outcome = "value " + dump_value(got)
        except ExprSyntaxError as e:
            got, outcome = SYNTAX, "syntax error: %s" % e
        except ExprEvalError as e:
            got, outcome = EVAL, "evaluation error: %s" % e
        if isinstance(expected, Err):
            ok = got is expected
            want = "a %s error" % expected.kind
        else:
            ok = not isinstance(got, Err) and _same(got, expected)
            want = "value " + dump_value(expected)
        if not ok:
            failures += 1
            print("FAIL %r %s: expected %s, got %s" % (expr, options or "", want, outcome))
    print("%d cases, %d passed, %d failed" % (len(CASES), len(CASES) - failures, failures))
    return 1 if failures else 0


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def run_batch(stdin, stdout):
    for line in stdin:
        if not line.strip():
            continue
        try:
            request = load_json(line)
            if not isinstance(request, dict) or not isinstance(request.get("expr"), str):
                raise ValueError('expected {"expr": "...", "context": {...}}')
            result = evaluate(request["expr"], request.get("context", {}), condition=True,
                              implicit_success=bool(request.get("implicit_success", False)))
            stdout.write("true\n" if result else "false\n")
        except ExprError as e:
            stdout.write("error: %s\n" % describe(e))
        except ValueError as e:
            stdout.write("error: invalid input line: %s\n" % str(e).replace("\n", " "))
        stdout.flush()
    return 0


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Evaluate a GitHub Actions expression.")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--condition", action="store_true", help="print the truthiness, as `if:` uses it")
    mode.add_argument("--batch", action="store_true", help="evaluate JSON lines from stdin as conditions")
    mode.add_argument("--self-test", action="store_true", help="run the built-in test cases")
    ap.add_argument("--implicit-success", action="store_true",
                    help="with --condition: add GitHub's implicit `success() &&` to conditions without a status function")
    ap.add_argument("expr", nargs="?")
    ap.add_argument("context", nargs="?", default="{}", help="the contexts as a JSON object")
    args = ap.parse_args(argv)
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8")

    if args.self_test:
        return self_test()
    if args.batch:
        return run_batch(sys.stdin, sys.stdout)
    if args.expr is None:
        ap.error("EXPR is required")
    try:
        context = load_json(args.context)
    except ValueError as e:
        print("invalid context JSON: %s" % e, file=sys.stderr)
        return 1
    try:
        result = evaluate(args.expr, context, condition=args.condition, implicit_success=args.implicit_success)
    except ExprSyntaxError as e:
        print(describe(e), file=sys.stderr)
        return 2
    except ExprEvalError as e:
        print(describe(e), file=sys.stderr)
        return 1
    if args.condition:
        print("true" if result else "false")
    else:
        print(dump_value(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
