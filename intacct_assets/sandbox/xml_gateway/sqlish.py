"""Parser for readByQuery's SQL-like ``query`` string: a tokenizer plus a recursive-descent grammar.

    expr      := term (OR term)*
    term      := factor (AND factor)*
    factor    := NOT factor | '(' expr ')' | predicate
    predicate := FIELD (= | != | <> | < | <= | > | >=) literal
               | FIELD [NOT] LIKE string | FIELD [NOT] IN '(' literal (',' literal)* ')'
               | FIELD IS [NOT] NULL
    literal   := 'text' (quote escaped as \\' or '') | number

Anything else (semicolons, comments, sub-queries, functions, unknown fields) is refused with a
message naming the position, so injection attempts are plain syntax errors.
"""

from __future__ import annotations

import re

from intacct_assets.sandbox.company.query import BoolOp, Cond, Resolver
from intacct_assets.sandbox.errors import SandboxError

MAX_QUERY_LENGTH = 10_000
MAX_IN_VALUES = 1000
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:\\.|''|[^'\\])*')
  | (?P<number>-?\d+(?:\.\d+)?)(?![A-Za-z_])
  | (?P<op><=|>=|<>|!=|=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
""",
    re.VERBOSE,
)
KEYWORDS = {"AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL"}
COMPARISONS = {"=": "eq", "!=": "ne", "<>": "ne", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


def syntax_error(message: str) -> SandboxError:
    return SandboxError(
        "invalid_request",
        f"Invalid query: {message}",
        errorno="DL02000001",
        description="Query syntax error",
        correction="Check the readByQuery query string.",
    )


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise syntax_error(f"unexpected character {text[position]!r} at position {position + 1}")
        kind = match.lastgroup
        value = match.group()
        if kind == "word" and value.upper() in KEYWORDS:
            kind, value = "keyword", value.upper()
        if kind != "ws":
            tokens.append((kind, value, position + 1))
        position = match.end()
    return tokens


class QueryParser:
    def __init__(self, text: str, resolver: Resolver) -> None:
        if len(text) > MAX_QUERY_LENGTH:
            raise syntax_error(f"the query is longer than {MAX_QUERY_LENGTH} characters")
        self.tokens = tokenize(text)
        self.resolver = resolver
        self.position = 0

    def parse(self) -> Cond | BoolOp | None:
        if not self.tokens:
            return None
        node = self._expr()
        if self.position < len(self.tokens):
            _, value, where = self.tokens[self.position]
            raise syntax_error(f"unexpected {value!r} at position {where}")
        return node

    def _peek(self, kind: str | None = None, value: str | None = None) -> bool:
        if self.position >= len(self.tokens):
            return False
        token_kind, token_value, _ = self.tokens[self.position]
        return (kind is None or token_kind == kind) and (value is None or token_value == value)

    def _take(self, kind: str, value: str | None = None, what: str = "") -> tuple[str, str, int]:
        if not self._peek(kind, value):
            found = self.tokens[self.position] if self.position < len(self.tokens) else None
            where = f"{found[1]!r} at position {found[2]}" if found else "end of query"
            raise syntax_error(f"expected {what or value or kind} but found {where}")
        self.position += 1
        return self.tokens[self.position - 1]

    def _expr(self) -> Cond | BoolOp:
        items = [self._term()]
        while self._peek("keyword", "OR"):
            self.position += 1
            items.append(self._term())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def _term(self) -> Cond | BoolOp:
        items = [self._factor()]
        while self._peek("keyword", "AND"):
            self.position += 1
            items.append(self._factor())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def _factor(self) -> Cond | BoolOp:
        if self._peek("keyword", "NOT"):
            self.position += 1
            return BoolOp("not", (self._factor(),))
        if self._peek("punct", "("):
            self.position += 1
            node = self._expr()
            self._take("punct", ")")
            return node
        return self._predicate()

    def _predicate(self) -> Cond:
        _, name, _ = self._take("word", what="a field name")
        accessor = self.resolver.accessor(name.upper())
        negate = False
        if self._peek("keyword", "IS"):
            self.position += 1
            negate = bool(self._peek("keyword", "NOT")) and bool(self._take("keyword", "NOT"))
            self._take("keyword", "NULL")
            return Cond(accessor, "isnotnull" if negate else "isnull")
        if self._peek("keyword", "NOT"):
            self.position += 1
            negate = True
        if self._peek("keyword", "LIKE"):
            self.position += 1
            return Cond(accessor, "notlike" if negate else "like", self._literal(string_only=True))
        if self._peek("keyword", "IN"):
            self.position += 1
            self._take("punct", "(")
            items = [self._literal()]
            while self._peek("punct", ","):
                self.position += 1
                items.append(self._literal())
            self._take("punct", ")")
            if len(items) > MAX_IN_VALUES:
                raise syntax_error(f"IN accepts at most {MAX_IN_VALUES} values")
            return Cond(
                accessor, "notin" if negate else "in", tuple(accessor.coerce(v, xml=True, codes=True) for v in items)
            )
        if negate:
            raise syntax_error("NOT must be followed by LIKE or IN here")
        _, op, _ = self._take("op", what="a comparison operator")
        return Cond(accessor, COMPARISONS[op], accessor.coerce(self._literal(), xml=True, codes=True))

    def _literal(self, string_only: bool = False) -> str:
        if self._peek("string"):
            _, raw, _ = self._take("string")
            body = raw[1:-1]
            return re.sub(r"\\(.)|''", lambda m: m.group(1) or "'", body)
        if not string_only and self._peek("number"):
            return self._take("number")[1]
        self._take("string", what="a quoted value" if string_only else "a quoted value or number")
        raise AssertionError("unreachable")
