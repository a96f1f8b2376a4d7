"""Teradata functions (rules file §4 and the common ones it leaves out) as the target's
functions with the same result.

| Teradata | Redshift | Spark |
|---|---|---|
| `TO_DATE(s, fmt)`, `CAST(s AS DATE FORMAT fmt)` | `TO_DATE(s, fmt')` | `TO_DATE(s, fmt')` (⚠ rules drop the format) |
| `TO_TIMESTAMP(s[, fmt])` | `CAST` / `TO_TIMESTAMP` | same |
| `TO_TIMESTAMP(n)` (n seconds since 1970) | epoch + n seconds | `TIMESTAMP_SECONDS(n)` |
| `TO_CHAR(d, fmt)`, `CAST(d AS CHAR(n) FORMAT fmt)`, `d (FORMAT fmt)` | `TO_CHAR(d, fmt')` | `DATE_FORMAT(d, fmt')` |
| `TO_CHAR(x)` | `CAST(x AS VARCHAR)` (⚠ rules: Redshift has no STRING) | `CAST(x AS STRING)` |
| `TO_NUMBER(s)` | `CAST(s AS DECIMAL(38,10))`, warning | same (⚠ rules: bare DECIMAL is (18,0)/(10,0)) |
| `OTRANSLATE(s, a, b)` | `TRANSLATE` | `TRANSLATE` |
| `CHARACTERS(s)`, `CHARS(s)` | `LENGTH(s)` | `LENGTH(s)` |
| `TD_DAY_OF_WEEK(d)` (1 = Sunday) | `EXTRACT(DOW FROM d) + 1` | `DAYOFWEEK(d)` |
| `RANDOM(a, b)` (an integer in [a, b]) | `FLOOR(RANDOM() * (b - a + 1)) + a` (⚠ rules: RAND()) | with `RAND()` |
| `TRUNC(d, 'MM')` and the other date units | `CAST(DATE_TRUNC(unit, d) AS DATE)` | same |
| `STRTOK(s, delims, n)` | `REGEXP_SUBSTR(s, '[^delims]+', 1, n)` | `TRY_ELEMENT_AT(REGEXP_EXTRACT_ALL(…), n)` |
| bare `DATE` | `CURRENT_DATE` | `CURRENT_DATE` |
| bare `USER` (the session's user name) | `CURRENT_USER` | `CURRENT_USER()` |
| bare `SESSION` (the session number) | error: no equivalent | error |
| `DAYNUMBER_OF_WEEK(d)` (1 = Sunday) | as `TD_DAY_OF_WEEK` | same |
| `TD_DAY_OF_MONTH`, `DAYNUMBER_OF_MONTH`, `TD_DAY_OF_YEAR`, `DAYNUMBER_OF_YEAR`, `TD_MONTH_OF_YEAR`, `MONTHNUMBER_OF_YEAR`, `TD_QUARTER_OF_YEAR`, `QUARTERNUMBER_OF_YEAR`, `TD_YEAR_OF_CALENDAR`, `YEARNUMBER_OF_CALENDAR` | `EXTRACT(DAY / DOY / MONTH / QUARTER / YEAR FROM d)` | same |
| `TD_MONTH_BEGIN(d)`, `TD_QUARTER_BEGIN(d)`, `TD_YEAR_BEGIN(d)` | `CAST(DATE_TRUNC(unit, d) AS DATE)` | same |
| `TD_MONTH_END(d)` | `LAST_DAY(d)` | same |
| `CURRENT_TIMESTAMP(0)` | `GETDATE()` | `DATE_TRUNC('SECOND', CURRENT_TIMESTAMP())` |
| `x LIKE ANY ('a%', 'b%')` / `LIKE ALL` | `x LIKE 'a%' OR x LIKE 'b%'` / `AND` | same |

`FORMAT` with a numeric format (`'ZZ9.99'`) or a date format this module cannot read is left
in the tree, and the strict layer flags it.
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT
from wmg_assets.migration.sql.rules.context import BareKeyword, Context, needs
from wmg_assets.migration.sql.rules.formats import is_date_format, strftime_of
from wmg_assets.migration.sql.types import data_type, integer_value, type_of

T = exp.DataType.Type
_TEXT_TYPES = (T.CHAR, T.VARCHAR, T.TEXT, T.UNKNOWN)
_TRUNC_UNITS = {
    **dict.fromkeys(("MM", "MON", "MONTH", "RM"), "MONTH"),
    **dict.fromkeys(("YYYY", "YYY", "YY", "Y", "YEAR", "SYYYY", "SYEAR"), "YEAR"),
    **dict.fromkeys(("Q",), "QUARTER"),
    **dict.fromkeys(("DD", "DDD", "J"), "DAY"),
    **dict.fromkeys(("IW",), "WEEK"),
}


def _string(node: exp.Expr | None) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _name(node: exp.Expr) -> str:
    return str(node.this).upper() if isinstance(node, exp.Anonymous) else ""


def known_function(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of the target's own function `name`, which sqlglot has no node for, marked as
    a rule's output so the strict layer lets it through."""
    call = exp.Anonymous(this=name, expressions=list(args))
    call.meta["wmg_rule"] = True
    return call


def _time_to_str(value: exp.Expr, fmt: str) -> exp.Expr:
    return exp.TimeToStr(this=value.copy(), format=exp.Literal.string(fmt))


def _to_date(s: exp.Expr, fmt: exp.Expr | None, kind: str, ctx: Context) -> exp.Expr | None:
    if fmt is None:
        return exp.cast(s.copy(), data_type(kind))
    readable = strftime_of(_string(fmt) or "")
    if readable is None:
        return None
    node = exp.StrToDate if kind == "DATE" else exp.StrToTime
    return node(this=s.copy(), format=exp.Literal.string(readable))


def _to_timestamp(args: list[exp.Expr], ctx: Context) -> exp.Expr | None:
    if len(args) == 2:
        return _to_date(args[0], args[1], "TIMESTAMP", ctx)
    kind = type_of(args[0], ctx.schema)
    if kind in ("int", "decimal"):
        if ctx.target == "spark":  # UTC, whatever the session's time zone
            epoch = exp.cast(exp.Literal.string("1970-01-01 00:00:00"),
                             data_type("TIMESTAMP_NTZ", dialect="spark"))  # fmt: skip
            return known_function("TIMESTAMPADD", exp.var("SECOND"), args[0].copy(), epoch)
        return exp.UnixToTime(this=args[0].copy())
    if kind is None:
        ctx.note("TD-TYPE-004", args[0], construct="TO_TIMESTAMP",
                 detail="argument type unknown; a number is seconds since 1970 in "
                        "Teradata, read here as a timestamp string")  # fmt: skip
    return exp.cast(args[0].copy(), data_type("TIMESTAMP"))


def _random(low: exp.Expr, high: exp.Expr) -> exp.Expr:
    span = exp.Add(this=exp.Sub(this=high.copy(), expression=low.copy()),
                   expression=exp.Literal.number(1))  # fmt: skip
    scaled = exp.Mul(this=exp.Rand(), expression=exp.Paren(this=span))
    return exp.cast(exp.Add(this=exp.Floor(this=scaled), expression=low.copy()),
                    data_type("INTEGER"))  # fmt: skip


def _day_of_week(d: exp.Expr, ctx: Context) -> exp.Expr:
    if ctx.target == "spark":
        return exp.DayOfWeek(this=d.copy())
    dow = exp.Extract(this=exp.var("DOW"), expression=d.copy())
    return exp.Add(this=exp.cast(dow, data_type("INTEGER")),
                   expression=exp.Literal.number(1))  # fmt: skip


_CHAR_CLASS_UNSAFE = set("]\\[")  # read differently by POSIX and Java inside [...]


def _char_class(chars: str) -> str:
    """The characters as the body of a regex class, read the same by POSIX and Java: a
    '^' after the others (never first), a '-' last."""
    unique = "".join(dict.fromkeys(chars))
    body = "".join(c for c in unique if c not in "-^")
    return body + ("^" if "^" in unique else "") + ("-" if "-" in unique else "")


def _strtok(args: list[exp.Expr], ctx: Context) -> exp.Expr | None:
    """STRTOK's nth token: a run of characters none of which is a delimiter (NULL when
    there is no nth), for literal delimiters that are safe inside a regex class."""
    s = args[0]
    delims = _string(args[1]) if len(args) > 1 else " "
    n = args[2] if len(args) > 2 else exp.Literal.number(1)
    if not delims or _CHAR_CLASS_UNSAFE & set(delims) or "&&" in delims:
        return None
    pattern = exp.Literal.string(f"[^{_char_class(delims)}]+")
    if ctx.target == "spark":
        tokens = exp.RegexpExtractAll(this=s.copy(), expression=pattern,
                                      group=exp.Literal.number(0))  # fmt: skip
        return known_function("TRY_ELEMENT_AT", tokens, n.copy())
    found = exp.RegexpExtract(this=s.copy(), expression=pattern, position=exp.Literal.number(1),
                              occurrence=n.copy())  # fmt: skip
    return exp.Nullif(this=found, expression=exp.Literal.string(""))


_CALENDAR_PARTS = {
    **dict.fromkeys(("TD_DAY_OF_MONTH", "DAYNUMBER_OF_MONTH"), "DAY"),
    **dict.fromkeys(("TD_DAY_OF_YEAR", "DAYNUMBER_OF_YEAR"), "DOY"),
    **dict.fromkeys(("TD_MONTH_OF_YEAR", "MONTHNUMBER_OF_YEAR"), "MONTH"),
    **dict.fromkeys(("TD_QUARTER_OF_YEAR", "QUARTERNUMBER_OF_YEAR"), "QUARTER"),
    **dict.fromkeys(("TD_YEAR_OF_CALENDAR", "YEARNUMBER_OF_CALENDAR"), "YEAR"),
}
_PERIOD_BEGINS = {"TD_MONTH_BEGIN": "MONTH", "TD_QUARTER_BEGIN": "QUARTER",
                  "TD_YEAR_BEGIN": "YEAR"}  # fmt: skip


def _calendar(name: str, d: exp.Expr) -> exp.Expr | None:
    """Teradata's calendar functions of one date (the ISO and week-numbering ones, whose
    weeks differ from the targets', are left to the strict layer)."""
    if name in _CALENDAR_PARTS:
        part = exp.Extract(this=exp.var(_CALENDAR_PARTS[name]), expression=d.copy())
        return exp.cast(part, data_type("INTEGER"))
    if name in _PERIOD_BEGINS:
        trunc = exp.DateTrunc(this=d.copy(), unit=exp.var(_PERIOD_BEGINS[name]))
        return exp.cast(trunc, data_type("DATE"))
    if name == "TD_MONTH_END":
        return exp.LastDay(this=d.copy())
    return None


def _call(node: exp.Anonymous, ctx: Context) -> exp.Expr | None:
    """The rewrite of a function sqlglot leaves anonymous, or None."""
    name, args = _name(node), node.expressions
    if name == "TO_DATE" and len(args) in (1, 2):
        return _to_date(args[0], args[1] if len(args) == 2 else None, "DATE", ctx)
    if name == "TO_TIMESTAMP" and len(args) in (1, 2):
        return _to_timestamp(args, ctx)
    if name == "OTRANSLATE" and len(args) == 3:
        return exp.func("TRANSLATE", *(a.copy() for a in args))
    if name in ("CHARACTERS", "CHARS") and len(args) == 1:
        return exp.Length(this=args[0].copy())
    if name in ("TD_DAY_OF_WEEK", "DAYNUMBER_OF_WEEK") and len(args) == 1:
        return _day_of_week(args[0], ctx)
    if len(args) == 1:
        return _calendar(name, args[0])
    return None


@needs(exp.Anonymous, exp.Strtok, exp.Rand)
def teradata_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Functions sqlglot leaves anonymous, rewritten (see the module's table)."""
    for node in ctx.find(tree, exp.Anonymous):
        rewritten = _call(node, ctx)
        if rewritten is not None:
            node.replace(rewritten)
            ctx.did("teradata_functions")
    for node in ctx.find(tree, exp.Strtok):
        args = [node.this, node.args.get("delimiter"), node.args.get("part_index")]
        rewritten = _strtok([a for a in args if a is not None], ctx)
        if rewritten is None:
            ctx.note("TD-UNSUP-001", node, construct="STRTOK with these delimiters")
            continue
        node.replace(rewritten)
        ctx.did("teradata_functions")
    for node in ctx.find(tree, exp.Rand):
        low, high = node.args.get("lower"), node.args.get("upper")
        if low is not None and high is not None:
            node.replace(_random(low, high))
            ctx.did("teradata_functions")
    return tree


@needs(exp.ToChar, exp.ToNumber)
def conversion_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """TO_CHAR and TO_NUMBER with Teradata's results."""
    for node in ctx.find(tree, exp.ToChar):
        fmt = _string(node.args.get("format"))
        if fmt is None and node.args.get("format") is None:
            text = "STRING" if ctx.target == "spark" else "VARCHAR(65535)"
            node.replace(exp.cast(node.this.copy(), data_type(text)))
        elif fmt is not None and is_date_format(fmt):
            node.replace(_time_to_str(node.this, strftime_of(fmt) or ""))
        else:
            ctx.note("TD-UNSUP-001", node, construct=f"TO_CHAR with the format {fmt!r}")
            continue
        ctx.did("conversion_functions")
    for node in ctx.find(tree, exp.ToNumber):
        if node.args.get("format") is not None:
            ctx.note("TD-UNSUP-001", node, construct="TO_NUMBER with a format")
            continue
        ctx.note("TD-TYPE-004", node, construct="TO_NUMBER",
                 detail="Teradata's NUMBER is a floating decimal; DECIMAL(38,10) here")  # fmt: skip
        node.replace(exp.cast(node.this.copy(), data_type("DECIMAL(38, 10)")))
        ctx.did("conversion_functions")
    return tree


@needs(exp.FormatPhrase, exp.Cast)
def formats_of_dates(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`CAST(d AS CHAR(n) FORMAT f)`, `CAST(d AS FORMAT f)` and `d (FORMAT f)` with a date
    format: the date as text in that format (a `(FORMAT …)` phrase changes only how BTEQ
    displays a value, so it gets a warning: its type becomes text)."""
    for phrase in ctx.find(tree, exp.FormatPhrase):
        cast = phrase.parent
        if isinstance(cast, exp.Cast) and isinstance(phrase.this, exp.Literal):
            # DATE 'x' (FORMAT f) is read as CAST('x' (FORMAT f) AS DATE): the date, formatted
            typed = exp.cast(phrase.this.copy(), cast.to.copy())
            cast.replace(exp.FormatPhrase(this=typed, format=phrase.args["format"].copy()))
            ctx.did("formats_of_dates")
    for node in ctx.find(tree, exp.Cast):
        fmt = _string(node.args.get("format"))
        if fmt is None or not is_date_format(fmt):
            continue
        if node.to.this in (T.DATE, T.TIMESTAMP):  # text read with the format
            _read_with_format(node, fmt, ctx)
            continue
        if node.to.this not in _TEXT_TYPES:
            continue
        if type_of(node.this, ctx.schema) not in ("date", "timestamp", None):
            continue
        text = _time_to_str(node.this, strftime_of(fmt) or "")
        if node.to.this == T.UNKNOWN:
            node.replace(text)
        else:
            node.set("this", text)
            node.set("format", None)
        ctx.did("formats_of_dates")
    for node in list(tree.find_all(exp.FormatPhrase)):  # fresh: with the phrases made above
        fmt = _string(node.args.get("format"))
        if fmt is None or not is_date_format(fmt):
            continue
        if type_of(node.this, ctx.schema) not in ("date", "timestamp", None):
            continue
        ctx.note("TD-TYPE-004", node, construct=node.sql(DIALECT),
                 detail="a display format in Teradata; here the value becomes that text")  # fmt: skip
        node.replace(_time_to_str(node.this, strftime_of(fmt) or ""))
        ctx.did("formats_of_dates")
    return tree


def _read_with_format(cast: exp.Cast, fmt: str, ctx: Context) -> None:
    """`CAST(s AS DATE FORMAT f)`: text is read with f; a date already is one (the format
    then only sets how it would be displayed)."""
    kind = type_of(cast.this, ctx.schema)
    if kind in ("date", "timestamp"):
        cast.set("format", None)
    elif kind in ("text", None):
        node = exp.StrToDate if cast.to.this == T.DATE else exp.StrToTime
        cast.replace(node(this=cast.this.copy(), format=exp.Literal.string(strftime_of(fmt))))
    else:
        return
    ctx.did("formats_of_dates")


@needs(exp.Trunc, BareKeyword, exp.CurrentTime, exp.CurrentTimestamp)
def date_units(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`TRUNC(d, 'MM')` to the unit's first day; bare `DATE` as CURRENT_DATE and `USER` as
    CURRENT_USER; `TIME`, `CURRENT_TIME` and `SESSION`, which neither target has, flagged."""
    for node in ctx.find(tree, exp.Trunc):
        unit = _string(node.args.get("decimals"))
        if unit is None:
            continue
        if unit.upper() not in _TRUNC_UNITS:
            ctx.note("TD-UNSUP-001", node, construct=f"TRUNC to {unit!r}")
            continue
        trunc = exp.DateTrunc(this=node.this.copy(), unit=exp.var(_TRUNC_UNITS[unit.upper()]))
        node.replace(exp.cast(trunc, data_type("DATE")))
        ctx.did("date_units")
    for column in ctx.find(tree, exp.Column):
        if column.table or column.this.quoted:
            continue
        if column.name.upper() == "DATE":
            column.replace(exp.CurrentDate())
            ctx.did("date_units")
        elif column.name.upper() == "TIME":
            ctx.note("TD-UNSUP-001", column, construct="TIME (the current time)")
        elif column.name.upper() == "USER":
            column.replace(exp.CurrentUser())
            ctx.did("date_units")
        elif column.name.upper() == "SESSION":
            ctx.note("TD-UNSUP-001", column, construct="SESSION (the session number)")
    for node in ctx.find(tree, exp.CurrentTime):
        ctx.note("TD-UNSUP-001", node, construct="CURRENT_TIME")
    for node in ctx.find(tree, exp.CurrentTimestamp):
        precision = integer_value(node.this) if node.this is not None else None
        if ctx.target == "spark" and node.this is not None:
            now = exp.CurrentTimestamp()
            if precision == 0:
                node.replace(exp.TimestampTrunc(this=now, unit=exp.var("SECOND")))
            else:
                node.replace(now)
            ctx.did("date_units")
    return tree


@needs(exp.Any, exp.All)
def like_any_as_or(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """`x LIKE ANY (p, q)` as `x LIKE p OR x LIKE q` (`LIKE ALL` with AND): Redshift has no
    LIKE ANY over a list."""
    for node in ctx.find(tree, exp.Like):
        quantifier = node.expression
        if not isinstance(quantifier, exp.Any | exp.All):
            continue
        inner = quantifier.this
        if isinstance(inner, exp.Tuple):
            items = inner.expressions
        elif isinstance(inner, exp.Paren) and not isinstance(inner.this, exp.Query):
            items = [inner.this]
        else:
            continue  # LIKE ANY (SELECT …): left for the strict layer
        likes = [exp.Like(this=node.this.copy(), expression=p.copy()) for p in items]
        joined = exp.or_(*likes) if isinstance(quantifier, exp.Any) else exp.and_(*likes)
        node.replace(exp.Paren(this=joined))
        ctx.did("like_any_as_or")
    return tree
