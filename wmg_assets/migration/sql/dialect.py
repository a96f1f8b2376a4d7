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

from sqlglot import exp, tokenizer_core

if not str(getattr(tokenizer_core, "__file__", ".py")).endswith(".py"):
    raise ImportError(
        "sqlglot's compiled build (the sqlglotc package) is installed: the Teradata converter "
        "extends sqlglot's dialect classes, which the compiled build does not allow. Remove it "
        "with `pip uninstall sqlglotc sqlglotrs` (dagster-dbt pulls it in through sqlglot[rs]; "
        "scripts/setup leaves it out)."
    )

from sqlglot.dialects.redshift import Redshift
from sqlglot.dialects.spark import Spark
from sqlglot.dialects.teradata import Teradata
from sqlglot.expressions.core import Expression
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


class CaseSpecificity(Expression):
    """`x (CASESPECIFIC)`, `x (NOT CASESPECIFIC)` (or `CS`, `NOT CS`): x compared with or
    without regard to case. The comparison rules read it and take it out of the tree."""

    arg_types = {"this": True, "specific": True}


class TitlePhrase(Expression):
    """`x (TITLE 'heading')`: the column heading BTEQ prints for x. Display only: the
    phrases rule takes it out of the tree."""

    arg_types = {"this": True, "title": True}


class NamedPhrase(Expression):
    """`x (NAMED n)`: Teradata's older spelling of `x AS n`."""

    arg_types = {"this": True, "name": True}


_CASE_WORDS = {"CASESPECIFIC", "CS"}


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
            # `MAP = TD_MAP1 [COLOCATE USING name]` (Teradata 16.10+ SHOW TABLE writes it)
            "MAP": lambda self: self._parse_map_property(),
        }
        FUNCTION_PARSERS = {
            **Teradata.Parser.FUNCTION_PARSERS,
            "CASE_N": lambda self: self._parse_case_n(),
        }

        def _parse_map_property(self) -> exp.Property:
            self._match(TokenType.EQ)
            value = self._parse_id_var()
            if self._match_text_seq("COLOCATE", "USING"):
                self._parse_id_var()
            return self.expression(exp.Property(this=exp.Literal.string("MAP"), value=value))

        def _partition_options(self) -> list[exp.Expr]:
            """`NO RANGE [OR UNKNOWN]`, `NO CASE [OR UNKNOWN]`, `UNKNOWN`: the catch-all
            partitions of RANGE_N / CASE_N (storage only: the targets drop them)."""
            found: list[exp.Expr] = []
            while True:
                index = self._index
                if not self._match(TokenType.COMMA):
                    return found
                words = []
                if self._match_text_seq("NO", "RANGE") or self._match_text_seq("NO", "CASE"):
                    words.append(f"NO {self._prev.text.upper()}")
                    if self._match_text_seq("OR", "UNKNOWN"):
                        words.append("OR UNKNOWN")
                elif self._match_text_seq("UNKNOWN"):
                    words.append("UNKNOWN")
                if not words:
                    self._retreat(index)
                    return found
                found.append(exp.var(" ".join(words)))

        def _parse_rangen(self):
            this = self._parse_id_var()
            self._match(TokenType.BETWEEN)
            expressions = self._parse_csv(self._parse_assignment)
            each = self._match_text_seq("EACH") and self._parse_assignment()
            options = self._partition_options()
            return self.expression(
                exp.RangeN(this=this, expressions=expressions + options, each=each)
            )

        def _parse_case_n(self) -> exp.Expr:
            conditions = [self._parse_assignment()]
            while self._index < len(self._tokens):
                options = self._partition_options()
                conditions += options
                if options or not self._match(TokenType.COMMA):
                    break
                conditions.append(self._parse_assignment())
            return self.expression(exp.Anonymous(this="CASE_N", expressions=conditions))

        def _shorthand_cast_ahead(self) -> bool:
            """`x (INTEGER)`, `x (CHAR(10))`, `x (DATE, FORMAT 'YYYY-MM-DD')`: Teradata's
            conversion written after the expression, not a call of a function `x`."""
            ahead = self._tokens[self._index + 1 : self._index + 4]
            if len(ahead) < 3 or ahead[0].token_type != TokenType.L_PAREN:
                return False
            if self._case_phrase_at(self._index + 1):
                return True
            if ahead[1].text.upper() in ("TITLE", "NAMED"):
                return True
            return ahead[1].token_type in self.TYPE_TOKENS and ahead[2].token_type in (
                TokenType.R_PAREN, TokenType.L_PAREN, TokenType.COMMA
            )  # fmt: skip

        def _case_phrase_at(self, index: int) -> int:
            """The tokens `( [NOT] CASESPECIFIC )` start at `index`: their count, else 0."""
            words = [t.text.upper() for t in self._tokens[index : index + 4]]
            if words[:1] != ["("]:
                return 0
            if words[1:3] and words[1] in _CASE_WORDS and words[2:3] == [")"]:
                return 3
            if words[1:2] == ["NOT"] and words[2:3] and words[2] in _CASE_WORDS \
                    and words[3:4] == [")"]:  # fmt: skip
                return 4
            return 0

        def _parse_function(self, functions=None, anonymous=False, optional_parens=True,
                            any_token=False):  # fmt: skip
            if (
                self._curr
                and self._curr.token_type == TokenType.VAR
                and (self._curr.text.upper() not in self.FUNCTIONS and self._shorthand_cast_ahead())
            ):
                return None  # a column followed by a shorthand cast (see above)
            return super()._parse_function(functions, anonymous, optional_parens, any_token)

        def _parse_title_or_name(self, this: exp.Expr | None) -> exp.Expr | None:
            """`x (TITLE 'heading')` and `x (NAMED n)`, in any number and order."""
            while self._curr and self._curr.token_type == TokenType.L_PAREN:
                word = self._tokens[self._index + 1].text.upper() if (
                    self._index + 1 < len(self._tokens)) else ""  # fmt: skip
                if word not in ("TITLE", "NAMED"):
                    return this
                self._advance(2)
                if word == "TITLE":
                    this = self.expression(TitlePhrase(this=this, title=self._parse_string()))
                else:
                    this = self.expression(NamedPhrase(this=this, name=self._parse_id_var()))
                self._match_r_paren()
            return this

        def _parse_column_ops(self, this):
            this = super()._parse_column_ops(this)
            phrase = self._case_phrase_at(self._index)
            if phrase:
                specific = phrase == 3
                self._advance(phrase)
                this = self.expression(CaseSpecificity(this=this, specific=specific))
            this = self._parse_title_or_name(this)
            while (
                self._curr
                and self._curr.token_type == TokenType.L_PAREN
                and (
                    self._index + 1 < len(self._tokens)
                    and self._tokens[self._index + 1].token_type in self.TYPE_TOKENS
                )
            ):
                self._advance()  # (
                to = self._parse_types()
                with_format = self._match_pair(TokenType.COMMA, TokenType.FORMAT)
                fmt = self._parse_string() if with_format else None
                self._match_r_paren()
                this = self.expression(exp.Cast(this=this, to=to, format=fmt))
                if self._match_pair(TokenType.L_PAREN, TokenType.FORMAT):
                    fmt_string = self._parse_string()
                    self._match_r_paren()
                    this = self.expression(exp.FormatPhrase(this=this, format=fmt_string))
            return this

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

    class Generator(Teradata.Generator):
        """Teradata's own spelling of the phrases above (for findings that quote them)."""

        TRANSFORMS = {
            **Teradata.Generator.TRANSFORMS,
            CaseSpecificity: lambda self, e: (
                f"{self.sql(e, 'this')} ({'' if e.args.get('specific') else 'NOT '}CASESPECIFIC)"
            ),
            TitlePhrase: lambda self, e: f"{self.sql(e, 'this')} (TITLE {self.sql(e, 'title')})",
            NamedPhrase: lambda self, e: f"{self.sql(e, 'this')} (NAMED {self.sql(e, 'name')})",
        }


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


class WmgSpark(Spark):
    """Spark as it is: `PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x)` is exact on Spark 4
    (sqlglot writes the approximate `PERCENTILE_APPROX`, which would be silently wrong)."""

    class Generator(Spark.Generator):
        TRANSFORMS = {
            **Spark.Generator.TRANSFORMS,
            exp.WithinGroup: lambda self, e: self.withingroup_sql(e),
        }


TARGET_DIALECTS = {"redshift": WmgRedshift(), "spark": WmgSpark()}
"""The dialect each target's SQL is rendered in."""
