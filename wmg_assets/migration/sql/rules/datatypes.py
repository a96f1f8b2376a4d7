"""Data types (rules file §1), in DDL columns and in casts alike, chosen so a value keeps its
range and precision on the target. Where the rules file's documented output is marked ⚠ the
correct type is produced instead, and the comment at its line says why.

| Teradata | Redshift | Spark |
|---|---|---|
| BYTEINT, SMALLINT | SMALLINT | SMALLINT (rules: `int`; SMALLINT holds -128..127 too) |
| DECIMAL (no precision) | DECIMAL(5,0) — Teradata's default, not Redshift's (18,0) | DECIMAL(5,0) |
| NUMBER(p,s) / NUMBER(*,s) / NUMBER | DECIMAL(p,s) / DECIMAL(38,s) / DECIMAL(38,10) (warning) | same |
| NUMERIC(p,s) | DECIMAL(p,s) | DECIMAL(p,s) (⚠ rules: `double` loses exactness) |
| FLOAT, REAL, DOUBLE PRECISION | DOUBLE PRECISION (⚠ rules: REAL is 4 bytes) | DOUBLE (⚠ rules: `float` is 4 bytes) |
| CHAR(n) | CHAR(n) (blank-padded, as Teradata) | VARCHAR(n), warning: padding is not kept |
| VARCHAR(n), GRAPHIC(n), VARGRAPHIC(n) | VARCHAR(n) | VARCHAR(n) |
| CLOB, LONG VARCHAR, XML | VARCHAR(65535), Redshift's largest | STRING |
| BYTE(n), VARBYTE(n), BLOB | VARBYTE(n) (⚠ rules: VARCHAR needs base64 by hand) | BINARY |
| TIMESTAMP(p) | TIMESTAMP (Redshift takes no precision), warning for p < 6 | TIMESTAMP_NTZ (no time zone, as in Teradata) |
| TIME | TIME | TIMESTAMP_NTZ, warning: the value carries a date |
| TIMESTAMP WITH TIME ZONE | TIMESTAMPTZ | TIMESTAMP_LTZ (an instant, as in Teradata) |
| TIME WITH TIME ZONE | TIMETZ | STRING, warning |
| JSON | SUPER | STRING |
| PERIOD(…) | error: no equivalent type | error |

Spark, in a cast only: `CAST(x AS VARCHAR(n))` keeps n characters and `CAST(x AS CHAR(n))`
pads or cuts to n, as Teradata's do — Spark's own casts to these types do neither.
"""

from sqlglot import exp

from wmg_assets.migration.sql.dialect import DIALECT
from wmg_assets.migration.sql.rules.context import Context, needs
from wmg_assets.migration.sql.types import data_type as parsed_type

T = exp.DataType.Type
_WIDEST_VARCHAR = 65535


def _params(data_type: exp.DataType) -> list[exp.Expr]:
    return [p.this if isinstance(p, exp.DataTypeParam) else p for p in data_type.expressions]


_SIZE_UNITS = {"K": 1024, "M": 1024**2, "G": 1024**3}  # CLOB(1M), BLOB(64K)


def _int_params(data_type: exp.DataType) -> list[int | None]:
    out: list[int | None] = []
    for p in data_type.expressions:
        unit = p.args.get("expression") if isinstance(p, exp.DataTypeParam) else None
        value = p.this if isinstance(p, exp.DataTypeParam) else p
        if not (isinstance(value, exp.Literal) and value.is_int):
            out.append(None)
        elif unit is None:
            out.append(int(value.this))
        else:
            factor = _SIZE_UNITS.get(unit.name.upper())
            out.append(int(value.this) * factor if factor else None)
    return out


def _build(sql: str) -> exp.DataType:
    return parsed_type(sql, dialect="redshift")  # knows VARBYTE and SUPER too


def _decimal(data_type: exp.DataType, ctx: Context) -> exp.DataType | None:
    params = _int_params(data_type)
    if data_type.this == T.BIGDECIMAL:  # Teradata NUMBER
        if not params:
            ctx.note("TD-TYPE-004", data_type, construct="NUMBER",
                     detail="a floating decimal in Teradata; kept as DECIMAL(38,10)")  # fmt: skip
            return _build("DECIMAL(38, 10)")
        precision = params[0] if params[0] is not None else 38
        scale = params[1] if len(params) > 1 and params[1] is not None else 0
        return _build(f"DECIMAL({precision}, {scale})")
    if not params:
        return _build("DECIMAL(5, 0)")  # Teradata's default precision and scale
    if len(params) == 1 and params[0] is not None:
        return _build(f"DECIMAL({params[0]}, 0)")
    return None


def _text(data_type: exp.DataType, ctx: Context) -> exp.DataType | None:
    length = (_int_params(data_type) or [None])[0]
    if data_type.this == T.TEXT and length is not None:  # CLOB(n), CLOB(1M)
        if ctx.target == "spark":
            return _build(f"VARCHAR({length})" if length <= _WIDEST_VARCHAR else "STRING")
        return _build(f"VARCHAR({min(length, _WIDEST_VARCHAR)})")
    if data_type.this == T.TEXT or (data_type.this == T.USERDEFINED and data_type.name == "XML"):
        return _build("STRING" if ctx.target == "spark" else f"VARCHAR({_WIDEST_VARCHAR})")
    if data_type.this == T.CHAR:
        length = length or 1
        if ctx.target == "spark":
            if not _in_cast(data_type):
                ctx.note("TD-TYPE-004", data_type, construct=f"CHAR({length})",
                         detail="VARCHAR on spark: values are not blank-padded")  # fmt: skip
            return _build(f"VARCHAR({length})")
        return _build(f"CHAR({length})")
    if length is not None and length > _WIDEST_VARCHAR and ctx.target == "redshift":
        return _build(f"VARCHAR({_WIDEST_VARCHAR})")
    return None


def _binary(data_type: exp.DataType, ctx: Context) -> exp.DataType:
    if ctx.target == "spark":
        return _build("BINARY")
    length = (_int_params(data_type) or [None])[0]
    return _build(f"VARBYTE({min(length, 1024000)})" if length else "VARBYTE(1024000)")


def _without_precision(data_type: exp.DataType, ctx: Context) -> exp.DataType:
    """Redshift's TIME and TIMESTAMP types take no precision (it rejects `TIMESTAMP(0)`) and
    keep up to 6 fractional digits: a column declared with fewer gets a warning."""
    precision = (_int_params(data_type) or [None])[0]
    if precision is not None and precision < 6 and not _in_cast(data_type):
        ctx.note("TD-TYPE-004", data_type, construct=data_type.sql(DIALECT),
                 detail="redshift keeps up to 6 fractional digits; Teradata cuts them to "
                        f"{precision}: load the values cut")  # fmt: skip
    return exp.DataType(this=data_type.this, nested=False)


def _temporal(data_type: exp.DataType, ctx: Context) -> exp.DataType | None:
    if ctx.target == "redshift" and data_type.expressions:
        return _without_precision(data_type, ctx)
    if data_type.this == T.TIME and ctx.target == "spark" and _in_cast(data_type):
        ctx.note("TD-UNSUP-001", data_type, construct="CAST … AS TIME (Spark has no TIME)")
        return None
    if data_type.this == T.TIME and ctx.target == "spark":
        ctx.note("TD-TYPE-004", data_type, construct="TIME",
                 detail="TIMESTAMP on spark, which has no TIME: the value carries a date")  # fmt: skip
        return parsed_type("TIMESTAMP_NTZ", dialect="spark")
    if data_type.this == T.TIMESTAMP and ctx.target == "spark":
        # Teradata's TIMESTAMP has no time zone: Spark's TIMESTAMP_NTZ, whatever the
        # session's spark.sql.timestampType says a bare TIMESTAMP is.
        return parsed_type("TIMESTAMP_NTZ", dialect="spark")
    if data_type.this == T.TIMESTAMPTZ:
        return _build("TIMESTAMP_LTZ" if ctx.target == "spark" else "TIMESTAMPTZ")
    if data_type.this == T.TIMETZ:
        if ctx.target == "redshift":
            return _build("TIMETZ")
        ctx.note("TD-TYPE-004", data_type, construct="TIME WITH TIME ZONE",
                 detail="STRING on spark, which has no TIME type")  # fmt: skip
        return _build("STRING")
    return None


def _in_cast(data_type: exp.DataType) -> bool:
    return isinstance(data_type.parent, exp.Cast)


def _mapped(data_type: exp.DataType, ctx: Context) -> exp.DataType | None:
    kind = data_type.this
    if kind in (T.DECIMAL, T.BIGDECIMAL):
        return _decimal(data_type, ctx)
    if kind in (T.FLOAT, T.DOUBLE):
        # ⚠ rules: FLOAT → float (Spark) and REAL → REAL (Redshift) are 4-byte; Teradata's are 8.
        return _build("DOUBLE")
    if kind == T.TINYINT:
        return _build("SMALLINT")
    if kind in (T.CHAR, T.VARCHAR, T.TEXT) or (kind == T.USERDEFINED and data_type.name == "XML"):
        return _text(data_type, ctx)
    if kind in (T.BINARY, T.VARBINARY, T.BLOB):
        return _binary(data_type, ctx)
    if kind in (T.TIME, T.TIMESTAMP, T.TIMESTAMPTZ, T.TIMETZ):
        return _temporal(data_type, ctx)
    if kind == T.JSON:
        return _build("STRING" if ctx.target == "spark" else "SUPER")
    if kind == T.USERDEFINED:
        ctx.note("TD-UNSUP-001", data_type, construct=f"type {data_type.sql('teradata')}")
    return None


@needs(exp.DataType)
def map_data_types(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Each column and cast type as the table above says."""
    for data_type in ctx.find(tree, exp.DataType):
        if isinstance(data_type.parent, exp.DataType):
            continue  # a type's parameter (PERIOD(DATE)), judged with its parent
        mapped = _mapped(data_type, ctx)
        if mapped is not None and mapped != data_type:
            data_type.replace(mapped)
            ctx.did("map_data_types")
    return tree


@needs(exp.Cast)
def cast_to_text_keeps_its_length(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Spark: a cast to VARCHAR(n) keeps n characters, to CHAR(n) pads or cuts to n."""
    for cast in ctx.find(tree, exp.Cast):
        to = cast.to
        length = (_int_params(to) or [None])[0]
        if to.this not in (T.VARCHAR, T.CHAR) or length is None or cast.args.get("format"):
            continue
        text = exp.cast(cast.this.copy(), _build("STRING"))
        n = exp.Literal.number(length)
        if to.this == T.CHAR:
            cast.replace(exp.Pad(this=text, expression=n, fill_pattern=exp.Literal.string(" "),
                                 is_left=False))  # fmt: skip
        else:
            cast.replace(exp.Left(this=text, expression=n))
        ctx.did("cast_to_text_keeps_its_length")
    return tree
