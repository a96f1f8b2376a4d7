"""The Teradata dialect as the converter reads it: sqlglot's own, extended the way sqlglot's
dialects are — functions sqlglot leaves anonymous are parsed into the nodes every target
renders with Teradata's meaning.

| Teradata | parsed as | meaning kept |
|---|---|---|
| `ZEROIFNULL(x)` | `COALESCE(x, 0)` | NULL becomes 0 |
| `NULLIFZERO(x)` | `NULLIF(x, 0)` | 0 becomes NULL |
| `NUMSONLY(s)` | `REGEXP_REPLACE(s, '[^0-9]', '')` | every non-digit removed |
| `OREPLACE(s, a[, b])` | `REPLACE(s, a, b)` (b = '' when omitted) | every occurrence replaced |
| `HASH_MD5(x)` | `MD5(x)` | hex digest |
| `INDEX(s, sub)` | `STRPOS(s, sub)` | 1-based position, 0 when absent |
"""

from collections.abc import Callable
from typing import Any

from sqlglot import exp
from sqlglot.dialects.redshift import Redshift
from sqlglot.dialects.spark import Spark
from sqlglot.dialects.teradata import Teradata
from sqlglot.tokenizer_core import TokenType


def _args(
    name: str, count: tuple[int, int], build: Callable[..., exp.Expr]
) -> tuple[str, Callable]:
    """A FUNCTIONS entry for `name` taking `count` = (fewest, most) arguments; another count
    stays an anonymous call of `name` (which the strict layer flags)."""

    def parse(args: list[Any]) -> exp.Expr:
        if count[0] <= len(args) <= count[1]:
            return build(*args)
        return exp.Anonymous(this=name, expressions=args)

    return name, parse


def _oreplace(s: exp.Expr, a: exp.Expr, b: exp.Expr | None = None):
    return exp.Replace(this=s, expression=a, replacement=b or exp.Literal.string(""))


class WmgTeradata(Teradata):
    class Tokenizer(Teradata.Tokenizer):
        KEYWORDS = {
            **Teradata.Tokenizer.KEYWORDS,
            "BYTE": TokenType.BINARY,  # binary in Teradata (sqlglot reads a TINYINT)
            "VARBYTE": TokenType.VARBINARY,
            "NUMBER": TokenType.BIGDECIMAL,  # told apart from DECIMAL: the defaults differ
            "LONG VARCHAR": TokenType.TEXT,
            "GRAPHIC": TokenType.CHAR,
            "VARGRAPHIC": TokenType.VARCHAR,
        }

    class Parser(Teradata.Parser):
        # `UPDATE t FROM s SET …`: SET starts the assignments, it is not s's alias
        TABLE_ALIAS_TOKENS = Teradata.Parser.TABLE_ALIAS_TOKENS - {TokenType.SET}
        PROPERTY_PARSERS = {
            **Teradata.Parser.PROPERTY_PARSERS,
            # CREATE GLOBAL TEMPORARY TABLE (as sqlglot's Oracle parser reads it)
            "GLOBAL": lambda self: (
                self._match_text_seq("TEMPORARY")
                and self.expression(exp.TemporaryProperty(this="GLOBAL"))
            ),
        }
        FUNCTIONS = {
            **Teradata.Parser.FUNCTIONS,
            **dict(
                [
                    _args("ZEROIFNULL", (1, 1), lambda x: exp.Coalesce(
                        this=x, expressions=[exp.Literal.number(0)])),
                    _args("NULLIFZERO", (1, 1), lambda x: exp.Nullif(
                        this=x, expression=exp.Literal.number(0))),
                    _args("NUMSONLY", (1, 1), lambda s: exp.RegexpReplace(
                        this=s, expression=exp.Literal.string("[^0-9]"),
                        replacement=exp.Literal.string(""))),
                    _args("OREPLACE", (2, 3), _oreplace),
                    _args("HASH_MD5", (1, 1), lambda x: exp.MD5(this=x)),
                    _args("INDEX", (2, 2), lambda s, sub: exp.StrPosition(this=s, substr=sub)),
                ]
            ),
        }  # fmt: skip


DIALECT = WmgTeradata()


class WmgRedshift(Redshift):
    """Redshift as it is, where sqlglot renders PostgreSQL: `REGEXP_REPLACE` replaces every
    match by default, and its fourth argument is a position, not PostgreSQL's 'g' flag.
    Month and day abbreviations are written as Teradata writes them ('Dec', 'Tue'): `Mon`
    and `Dy` (sqlglot's `MON` would give 'DEC')."""

    INVERSE_TIME_MAPPING = {"%b": "Mon", "%a": "Dy"}

    class Generator(Redshift.Generator):
        TRANSFORMS = {
            **Redshift.Generator.TRANSFORMS,
            exp.RegexpReplace: lambda self, e: self.func(
                "REGEXP_REPLACE", e.this, e.expression, e.args.get("replacement")
            ),
        }


TARGET_DIALECTS = {"redshift": WmgRedshift(), "spark": Spark()}
"""The dialect each target's SQL is rendered in."""
