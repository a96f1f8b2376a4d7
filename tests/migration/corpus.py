"""The conversion corpus: Teradata statements and short scripts, each with the result
Teradata gives, worked out by hand from the Teradata documentation (SQL Functions,
Expressions, and Predicates; SQL Data Types and Literals; SQL Data Manipulation Language) and
stated in the case's `why`.

- `Rows`: the script's last statement returns `rows` in Teradata; the converted script must
  return exactly those on each target (unless the case says it is flagged there).
- `Columns`: DDL; the last table's columns as each target declares them.
- `Flagged`: no target runs it with Teradata's meaning; it must be flagged with `code`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Rows:
    name: str
    teradata: str
    rows: list[tuple]
    why: str
    flagged_on: dict[str, str] = field(default_factory=dict)  # target → error code


@dataclass(frozen=True)
class Columns:
    name: str
    teradata: str
    redshift: list[tuple[str, str]]  # (column, type in the Redshift DDL)
    spark: list[tuple[str, str]]  # (column, type as Spark describes it)
    why: str
    flagged_on: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Flagged:
    name: str
    teradata: str
    code: str | dict[str, str]  # the error finding, or one per target
    why: str


T3 = "(SELECT 1 AS k, 'a' AS v UNION ALL SELECT 1, 'b' UNION ALL SELECT 2, 'c') AS t"
NUMS = "(SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 3) AS t"
PEOPLE = """CREATE TABLE people (id INTEGER NOT NULL, name VARCHAR(20), dept CHAR(3),
  sal DECIMAL(10,2)) UNIQUE PRIMARY INDEX (id);
INSERT INTO people VALUES (1, 'Ann', 'IT', 100.00);
INSERT INTO people VALUES (2, 'bob', 'HR', 200.00);
INSERT INTO people VALUES (3, 'Cy', 'it', 300.00);
"""

FUNCTIONS = [
    Rows("zeroifnull", "SELECT ZEROIFNULL(CAST(NULL AS INTEGER)), ZEROIFNULL(5)", [(0, 5)],
         "ZEROIFNULL returns 0 for NULL, else its argument"),
    Rows("nullifzero", "SELECT NULLIFZERO(0), NULLIFZERO(3)", [(None, 3)],
         "NULLIFZERO returns NULL for 0, else its argument"),
    Rows("numsonly", "SELECT NUMSONLY('+44 (0)20-7946 0958')", [("4402079460958",)],
         "NUMSONLY keeps the digits only (all of them)"),
    Rows("oreplace_two_args", "SELECT OREPLACE('a-b-c', '-')", [("abc",)],
         "OREPLACE without a replacement removes every occurrence"),
    Rows("oreplace", "SELECT OREPLACE('aXbX', 'X', 'Yz')", [("aYzbYz",)],
         "OREPLACE replaces every occurrence"),
    Rows("index", "SELECT INDEX('abc@d', '@'), INDEX('abc', 'z')", [(4, 0)],
         "INDEX is 1-based and 0 when the substring is absent"),
    Rows("hash_md5", "SELECT HASH_MD5('abc')", [("900150983cd24fb0d6963f7d28e17f72",)],
         "HASH_MD5 is the lowercase hex MD5 digest"),
    Rows("otranslate", "SELECT OTRANSLATE('abcabc', 'ab', 'x')", [("xcxc",)],
         "OTRANSLATE maps a to x and removes b, which has no counterpart"),
    Rows("characters", "SELECT CHARACTERS('abc'), CHARS('hello'), CHARACTER_LENGTH('ab')",
         [(3, 5, 2)], "CHARACTERS / CHARS / CHARACTER_LENGTH count characters"),
    Rows("instr", "SELECT INSTR('banana', 'an'), INSTR('banana', 'x')", [(2, 0)],
         "INSTR is the 1-based position of the first occurrence, 0 when absent"),
    Rows("position", "SELECT POSITION('na' IN 'banana')", [(3,)],
         "POSITION is the 1-based position of the first occurrence"),
    Rows("substring_from_for", "SELECT SUBSTRING('abcdef' FROM 2 FOR 3)", [("bcd",)],
         "SUBSTRING FROM p FOR n takes n characters from position p"),
    Rows("substr_positions_before_the_string",
         "SELECT SUBSTR('abc', 0, 2), SUBSTR('abc', -1, 1), SUBSTR('abc', 2, 1), SUBSTR('abc', 0)",
         [("a", "", "b", "abc")],
         "SUBSTR counts positions before the first character (ANSI): 0 and 1 give 'a'"),
    Rows("trim_forms",
         "SELECT TRIM(BOTH 'x' FROM 'xxaxx'), TRIM(LEADING '0' FROM '007'), "
         "TRIM(TRAILING FROM 'a  ') || '|'", [("a", "7", "a|")],
         "TRIM removes the character (blank by default) from the side(s) named"),
    Rows("upper_lower", "SELECT UPPER('abc'), LOWER('ABC')", [("ABC", "abc")],
         "UPPER and LOWER change the letters' case"),
    Rows("strtok", "SELECT STRTOK('a,b,,c', ',', 3), STRTOK('a b', ' ', 1), "
         "STRTOK('a,b', ',', 5)", [("c", "a", None)],
         "STRTOK skips empty tokens (',,' is one delimiter run) and is NULL past the last"),
    Rows("strtok_several_delimiters", "SELECT STRTOK('a-b;c', '-;', 2)", [("b",)],
         "each character of STRTOK's delimiter string is a delimiter"),
    Rows("regexp_replace", "SELECT REGEXP_REPLACE('a1b22', '[0-9]+', '#')", [("a#b#",)],
         "REGEXP_REPLACE replaces every match by default (occurrence 0)"),
    Rows("regexp_replace_all_options", "SELECT REGEXP_REPLACE('a1b22', '[0-9]', '', 1, 0, 'c')",
         [("ab",)], "position 1, occurrence 0 (all), 'c' (case-sensitive) are the defaults"),
    Rows("regexp_substr", "SELECT REGEXP_SUBSTR('ab12cd345', '[0-9]+'), "
         "REGEXP_SUBSTR('ab12cd345', '[0-9]+', 1, 2), REGEXP_SUBSTR('abc', '[0-9]+')",
         [("12", "345", None)], "REGEXP_SUBSTR is the nth match, NULL when there is none"),
    Rows("to_date_format", "SELECT TO_DATE('01/12/2026', 'DD/MM/YYYY')", [(date(2026, 12, 1),)],
         "TO_DATE reads the string with the format"),
    Rows("to_char_date", "SELECT TO_CHAR(DATE '2026-12-01', 'YYYY/MM/DD')", [("2026/12/01",)],
         "TO_CHAR writes the date with the format"),
    Rows("to_number", "SELECT TO_NUMBER('12.5') * 2", [(25,)],
         "TO_NUMBER reads the string as a number"),
    Rows("to_timestamp_string", "SELECT TO_TIMESTAMP('2026-12-01 10:30:00')",
         [(datetime(2026, 12, 1, 10, 30),)], "TO_TIMESTAMP of a string reads it"),
    Rows("to_timestamp_epoch", "SELECT TO_TIMESTAMP(86400)", [(datetime(1970, 1, 2),)],
         "TO_TIMESTAMP of a number is that many seconds after 1970-01-01 00:00:00 UTC"),
    Rows("cast_format_idiom",
         "SELECT CAST(CAST(DATE '2026-12-01' AS FORMAT 'YYYYMMDD') AS CHAR(8))",
         [("20261201",)], "CAST(d AS FORMAT f) then CHAR: the date as text in format f"),
    Rows("cast_to_varchar_with_format",
         "SELECT CAST(DATE '2026-12-01' AS VARCHAR(10) FORMAT 'DD.MM.YYYY')",
         [("01.12.2026",)], "a FORMAT in a cast of a date to text formats it"),
    Rows("cast_string_to_date_format",
         "SELECT CAST('01/12/2026' AS DATE FORMAT 'DD/MM/YYYY')", [(date(2026, 12, 1),)],
         "a FORMAT in a cast of text to DATE says how to read it"),
    Rows("format_phrase_on_a_date",
         "SELECT DATE '2026-12-01' (FORMAT 'MMMBDD,BYYYY')", [("Dec 01, 2026",)],
         "(FORMAT …) displays the date in the format: MMM month abbreviation, B a blank"),
    Rows("format_with_time", "SELECT CAST(CAST(TIMESTAMP '2026-12-01 09:05:07' AS "
         "FORMAT 'YYYY-MM-DDBHH:MI:SS') AS CHAR(19))", [("2026-12-01 09:05:07",)],
         "HH hours, MI minutes, SS seconds"),
    Rows("td_day_of_week", "SELECT TD_DAY_OF_WEEK(DATE '2026-12-01')", [(3,)],
         "TD_DAY_OF_WEEK numbers Sunday 1; 2026-12-01 is a Tuesday"),
    Rows("trunc_dates", "SELECT TRUNC(DATE '2026-12-15', 'MM'), TRUNC(DATE '2026-12-15', 'YYYY'), "
         "TRUNC(DATE '2026-12-15', 'Q')", [(date(2026, 12, 1), date(2026, 1, 1),
                                            date(2026, 10, 1))],
         "TRUNC(d, unit) is the first day of the month / year / quarter"),
    Rows("extract", "SELECT EXTRACT(YEAR FROM DATE '2026-12-01'), "
         "EXTRACT(MONTH FROM DATE '2026-12-01'), EXTRACT(DAY FROM DATE '2026-12-01')",
         [(2026, 12, 1)], "EXTRACT takes a field of the date"),
    Rows("last_day", "SELECT LAST_DAY(DATE '2024-02-10')", [(date(2024, 2, 29),)],
         "LAST_DAY is the month's last day (2024 is a leap year)"),
    Rows("next_day", "SELECT NEXT_DAY(DATE '2026-12-01', 'MONDAY')", [(date(2026, 12, 7),)],
         "NEXT_DAY is the first such weekday after the date"),
    Rows("months_between", "SELECT MONTHS_BETWEEN(DATE '2026-03-31', DATE '2026-02-28'), "
         "MONTHS_BETWEEN(DATE '2026-03-15', DATE '2026-01-15')", [(1, 2)],
         "MONTHS_BETWEEN is whole when both are month-ends or the same day of month"),
    Rows("add_months_month_end",
         "SELECT ADD_MONTHS(DATE '2026-01-31', 1), ADD_MONTHS(DATE '2026-02-28', 1), "
         "ADD_MONTHS(DATE '2024-03-31', -1)",
         [(date(2026, 2, 28), date(2026, 3, 28), date(2024, 2, 29))],
         "ADD_MONTHS clamps to the month's end, and a month's last day is not kept last"),
    Rows("date_plus_integer", "SELECT DATE '2026-12-31' + 1, DATE '2026-03-01' - 1",
         [(date(2027, 1, 1), date(2026, 2, 28))], "DATE ± n adds or subtracts n days"),
    Rows("date_minus_date", "SELECT DATE '2026-03-01' - DATE '2026-01-31'", [(29,)],
         "DATE - DATE is an INTEGER number of days"),
    Rows("date_plus_interval_day", "SELECT DATE '2026-12-30' + INTERVAL '3' DAY",
         [(date(2027, 1, 2),)], "DATE + INTERVAL DAY is a DATE"),
    Rows("date_plus_interval_month", "SELECT DATE '2026-01-15' + INTERVAL '1' MONTH",
         [(date(2026, 2, 15),)], "DATE + INTERVAL MONTH is the same day a month on"),
    Rows("current_date_keyword", "SELECT CASE WHEN DATE = CURRENT_DATE THEN 1 ELSE 0 END",
         [(1,)], "DATE alone is the current date"),
    Rows("current_timestamp_precision",
         "SELECT CASE WHEN CAST(CURRENT_TIMESTAMP(0) AS DATE) = CURRENT_DATE THEN 1 ELSE 0 END",
         [(1,)], "CURRENT_TIMESTAMP(0) is the current timestamp to the second"),
    Rows("coalesce_many", "SELECT COALESCE(CAST(NULL AS INTEGER), NULL, 3, 4)", [(3,)],
         "COALESCE is its first non-NULL argument, in order"),
    Rows("nullif", "SELECT NULLIF(5, 5), NULLIF(5, 6)", [(None, 5)],
         "NULLIF is NULL when both are equal, else the first"),
    Rows("case_searched", "SELECT CASE WHEN 1 = 2 THEN 'a' WHEN 2 = 2 THEN 'b' ELSE 'c' END",
         [("b",)], "the first true WHEN gives the result"),
    Rows("case_simple", "SELECT CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' END", [("two",)],
         "the simple CASE compares its operand to each WHEN"),
    Rows("mod", "SELECT 7 MOD 3, -7 MOD 3", [(1, -1)],
         "MOD keeps the sign of the dividend"),
    Rows("power", "SELECT 2 ** 10", [(1024,)], "** is exponentiation"),
    Rows("abs_round", "SELECT ABS(-3), ROUND(2.346, 2)", [(3, 2.35)],
         "ABS is the magnitude; ROUND to 2 places"),
    Rows("cast_decimal", "SELECT CAST(2.346 AS DECIMAL(4,2))", [(2.35,)],
         "a cast to fewer fractional digits rounds (not a halfway case)"),
    Rows("cast_varchar_truncates", "SELECT CAST('abcdef' AS VARCHAR(3))", [("abc",)],
         "TERA mode: a cast to a shorter VARCHAR truncates"),
    Rows("cast_integer_from_text", "SELECT CAST('12' AS INTEGER) + 1", [(13,)],
         "a cast of digits to INTEGER reads them"),
    Rows("integer_division", "SELECT 7 / 2, -7 / 2, CAST(9 AS INTEGER) / 4", [(3, -3, 2)],
         "INTEGER / INTEGER is an INTEGER, truncated toward zero"),
    Rows("integer_division_of_unknown_types", f"SELECT v / 2 FROM {NUMS} ORDER BY v",
         [(0,), (1,), (1,)], "the derived table's column is an INTEGER: truncated"),
    Rows("decimal_division_scale", "SELECT 1.00 / 3, 2.0 / 3.00", [(0.33, 0.67)],
         "DECIMAL division has the larger scale of its operands (rounded)"),
    Rows("avg_of_integers",
         "SELECT AVG(CAST(x AS INTEGER)) FROM (SELECT 1 AS x UNION ALL SELECT 2 AS x) AS t",
         [(1.5,)], "AVG of an INTEGER column is a FLOAT"),
    Rows("random_range", "SELECT RANDOM(1, 1), RANDOM(5, 5)", [(1, 5)],
         "RANDOM(a, b) is an integer from a to b"),
    Rows("operators_ne_gt_le", "SELECT CASE WHEN 1 NE 2 AND 3 GT 2 AND 2 GE 2 AND 1 LT 2 AND "
         "1 LE 1 AND 1 EQ 1 THEN 1 ELSE 0 END", [(1,)],
         "NE, GT, GE, LT, LE, EQ are Teradata's comparison keywords"),
    Rows("like_any", "SELECT CASE WHEN 'apple' LIKE ANY ('b%', 'a%') THEN 1 ELSE 0 END", [(1,)],
         "LIKE ANY is true when one pattern matches"),
    Rows("like_all", "SELECT CASE WHEN 'apple' LIKE ALL ('a%', '%e', '%x') THEN 1 ELSE 0 END",
         [(0,)], "LIKE ALL is true only when every pattern matches"),
    Rows("between", "SELECT CASE WHEN 5 BETWEEN 1 AND 10 THEN 1 ELSE 0 END", [(1,)],
         "BETWEEN includes both ends"),
]  # fmt: skip

COMPARISONS = [
    Rows("not_casespecific_equality",
         "SELECT CASE WHEN 'abc' = 'ABC  ' THEN 1 ELSE 0 END", [(1,)],
         "TERA mode: character comparisons are NOT CASESPECIFIC and ignore trailing blanks"),
    Rows("not_casespecific_order", "SELECT CASE WHEN 'a' < 'B' THEN 1 ELSE 0 END", [(1,)],
         "TERA mode: 'a' sorts as 'A', before 'B'"),
    Rows("not_casespecific_like", "SELECT CASE WHEN 'Smith' LIKE 'sm%' THEN 1 ELSE 0 END",
         [(1,)], "TERA mode: LIKE is not case specific"),
    Rows("not_casespecific_in", "SELECT CASE WHEN 'b' IN ('A', 'B') THEN 1 ELSE 0 END", [(1,)],
         "TERA mode: IN compares as = does"),
    Rows("not_casespecific_column", PEOPLE + "SELECT id FROM people WHERE dept = 'IT' ORDER BY id",
         [(1,), (3,)], "a NOT CASESPECIFIC (default) column matches 'it' and 'IT'"),
    Rows("casespecific_column",
         "CREATE TABLE codes (c VARCHAR(5) CASESPECIFIC);\nINSERT INTO codes VALUES ('abc');\n"
         "SELECT COUNT(*) FROM codes WHERE c = 'ABC'", [(0,)],
         "a CASESPECIFIC column compares with its case: 'abc' is not 'ABC'"),
    Rows("casespecific_column_ignores_blanks",
         "CREATE TABLE codes (c VARCHAR(5) CASESPECIFIC);\nINSERT INTO codes VALUES ('abc');\n"
         "SELECT COUNT(*) FROM codes WHERE c = 'abc  '", [(1,)],
         "trailing blanks are ignored in every comparison, case specific or not"),
    Rows("casespecific_phrase", "CREATE TABLE codes (c VARCHAR(5));\n"
         "INSERT INTO codes VALUES ('abc');\n"
         "SELECT COUNT(*) FROM codes WHERE c (CASESPECIFIC) = 'ABC'", [(0,)],
         "x (CASESPECIFIC) compares x with its case, whatever its declaration"),
    Rows("not_casespecific_phrase", "CREATE TABLE codes (c VARCHAR(5) CASESPECIFIC);\n"
         "INSERT INTO codes VALUES ('abc');\n"
         "SELECT COUNT(*) FROM codes WHERE c (NOT CASESPECIFIC) = 'ABC'", [(1,)],
         "x (NOT CASESPECIFIC) compares x without its case"),
    Rows("shorthand_conversions", "SELECT '12' (INTEGER) + 1, 'abcdef' (CHAR(3)), "
         "'01/12/2026' (DATE, FORMAT 'DD/MM/YYYY')", [(13, "abc", date(2026, 12, 1))],
         "x (type) and x (type, FORMAT f) are Teradata's conversions"),
    Rows("order_by_text", "CREATE TABLE w (s VARCHAR(5));\nINSERT INTO w VALUES ('b');\n"
         "INSERT INTO w VALUES ('a');\nINSERT INTO w VALUES ('C');\nSELECT s FROM w ORDER BY s",
         [("a",), ("b",), ("C",)], "TERA mode: text sorts without regard to case"),
    Rows("count_distinct_text", "CREATE TABLE w (s VARCHAR(5));\nINSERT INTO w VALUES ('a');\n"
         "INSERT INTO w VALUES ('A ');\nSELECT COUNT(DISTINCT s) FROM w", [(1,)],
         "TERA mode: 'a' and 'A ' are the same value"),
    Rows("join_on_text_columns",
         "CREATE TABLE l (k VARCHAR(5));\nCREATE TABLE r (k VARCHAR(5), v INTEGER);\n"
         "INSERT INTO l VALUES ('abc');\nINSERT INTO r VALUES ('ABC', 7);\n"
         "SELECT r.v FROM l INNER JOIN r ON l.k = r.k", [(7,)],
         "TERA mode: a join on text columns ignores case"),
]  # fmt: skip

QUERIES = [
    Rows("sel_abbreviation", "SEL 1, 'a'", [(1, "a")], "SEL is SELECT (SQL Fundamentals)"),
    Rows("top_n", f"SELECT TOP 2 v FROM {NUMS} ORDER BY v DESC", [(3,), (2,)],
         "TOP n with ORDER BY returns the first n rows of that order"),
    Rows("qualify_keeps_the_order",
         "SELECT k, v FROM (SELECT 1 AS k, 'a' AS v UNION ALL SELECT 1, 'b' UNION ALL "
         "SELECT 2, 'c' UNION ALL SELECT 0, 'd') AS t "
         "QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) = 1 ORDER BY k DESC",
         [(2, "c"), (1, "b"), (0, "d")],
         "QUALIFY filters on the window result; the query's ORDER BY orders the result"),
    Rows("qualify_rank", f"SELECT k, v FROM {T3} QUALIFY RANK() OVER (ORDER BY k) = 1 "
         "ORDER BY v", [(1, "a"), (1, "b")], "QUALIFY keeps every row of rank 1 (ties)"),
    Rows("qualify_without_order", f"SELECT COUNT(*) FROM (SELECT k FROM {T3} "
         "QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) = 1) AS q", [(2,)],
         "one row per k"),
    Rows("window_default_frame", f"SELECT k, v, SUM(k) OVER (PARTITION BY k ORDER BY v) "
         f"FROM {T3} ORDER BY v", [(1, "a", 2), (1, "b", 2), (2, "c", 2)],
         "an aggregate window with ORDER BY and no ROWS covers the whole partition"),
    Rows("window_running_sum", f"SELECT v, SUM(v) OVER (ORDER BY v ROWS UNBOUNDED PRECEDING) "
         f"FROM {NUMS} ORDER BY v", [(1, 1), (2, 3), (3, 6)], "ROWS UNBOUNDED PRECEDING runs"),
    Rows("row_number_rank_dense", "SELECT v, ROW_NUMBER() OVER (ORDER BY v), "
         "RANK() OVER (ORDER BY v), DENSE_RANK() OVER (ORDER BY v) FROM (SELECT 1 AS v "
         "UNION ALL SELECT 1 UNION ALL SELECT 2) AS t ORDER BY 2",
         [(1, 1, 1, 1), (1, 2, 1, 1), (2, 3, 3, 2)], "the three numberings of ordered rows"),
    Rows("csum", f"SELECT v, CSUM(v, v) FROM {NUMS} ORDER BY v", [(1, 1), (2, 3), (3, 6)],
         "CSUM is the cumulative sum in the sort order"),
    Rows("msum", f"SELECT v, MSUM(v, 2, v) FROM {NUMS} ORDER BY v", [(1, 1), (2, 3), (3, 5)],
         "MSUM(x, 2, s) sums the current and the previous row"),
    Rows("mavg", f"SELECT v, MAVG(v, 2, v) FROM {NUMS} ORDER BY v",
         [(1, 1), (2, 1.5), (3, 2.5)], "MAVG(x, 2, s) averages the current and previous row"),
    Rows("mdiff", f"SELECT v, MDIFF(v, 1, v) FROM {NUMS} ORDER BY v",
         [(1, None), (2, 1), (3, 1)], "MDIFF(x, 1, s) is x minus the previous row's x"),
    Rows("lag_lead", f"SELECT v, LAG(v) OVER (ORDER BY v), LEAD(v, 1, 0) OVER (ORDER BY v) "
         f"FROM {NUMS} ORDER BY v", [(1, None, 2), (2, 1, 3), (3, 2, 0)],
         "LAG / LEAD read the previous / next row"),
    Rows("group_by_ordinal", f"SELECT k, COUNT(*) FROM {T3} GROUP BY 1 ORDER BY 1",
         [(1, 2), (2, 1)], "GROUP BY 1 groups by the first selected expression"),
    Rows("having", f"SELECT k FROM {T3} GROUP BY k HAVING COUNT(*) > 1", [(1,)],
         "HAVING filters the groups"),
    Rows("minus", "SELECT 1 AS x UNION SELECT 2 MINUS SELECT 2", [(1,)],
         "MINUS is EXCEPT"),
    Rows("intersect", "SELECT 1 AS x UNION SELECT 2 INTERSECT SELECT 2 ORDER BY 1",
         [(1,), (2,)], "INTERSECT keeps the rows of both, and binds tighter than UNION"),
    Rows("intersect_alone", "SELECT 1 AS x UNION SELECT 2 INTERSECT SELECT 3 ORDER BY 1",
         [(1,)], "1 UNION (2 INTERSECT 3)"),
    Rows("union_all_order", "SELECT 2 AS x UNION ALL SELECT 1 UNION ALL SELECT 2 ORDER BY 1",
         [(1,), (2,), (2,)], "UNION ALL keeps duplicates"),
    Rows("nulls_first_ascending", "SELECT v FROM (SELECT 2 AS v UNION ALL SELECT NULL "
         "UNION ALL SELECT 1) AS t ORDER BY v", [(None,), (1,), (2,)],
         "NULL sorts first ascending"),
    Rows("nulls_last_descending", "SELECT v FROM (SELECT 2 AS v UNION ALL SELECT NULL "
         "UNION ALL SELECT 1) AS t ORDER BY v DESC", [(2,), (1,), (None,)],
         "NULL sorts last descending"),
    Rows("with_cte", f"WITH c (v) AS (SELECT v FROM {NUMS}) SELECT SUM(v) FROM c", [(6,)],
         "a WITH query names a derived table"),
    Rows("recursive_cte", "WITH RECURSIVE r (n) AS (SELECT 1 AS n FROM (SELECT 1 AS x) AS s "
         "UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r ORDER BY n",
         [(1,), (2,), (3,)], "a recursive WITH adds rows until none is new",
         flagged_on={"spark": "TD-UNSUP-001"}),
    Rows("left_outer_join", "SELECT a.k, b.v FROM (SELECT 1 AS k UNION ALL SELECT 2) AS a "
         "LEFT OUTER JOIN (SELECT 1 AS k, 'x' AS v) AS b ON a.k = b.k ORDER BY a.k",
         [(1, "x"), (2, None)], "LEFT OUTER JOIN keeps the unmatched left rows"),
    Rows("implicit_join", "SELECT a.k FROM (SELECT 1 AS k UNION ALL SELECT 2) AS a, "
         "(SELECT 2 AS k) AS b WHERE a.k = b.k", [(2,)], "a comma join filtered in WHERE"),
    Rows("exists_subquery", f"SELECT COUNT(*) FROM {T3} WHERE EXISTS (SELECT 1 FROM "
         "(SELECT 2 AS k) AS s WHERE s.k = t.k)", [(1,)], "EXISTS with a correlated subquery"),
    Rows("in_subquery", f"SELECT v FROM {T3} WHERE k IN (SELECT 2) ORDER BY v", [("c",)],
         "IN a subquery"),
    Rows("scalar_subquery", f"SELECT (SELECT MAX(v) FROM {NUMS})", [(3,)],
         "a scalar subquery"),
    Rows("count_distinct", f"SELECT COUNT(DISTINCT k) FROM {T3}", [(2,)],
         "COUNT(DISTINCT) counts the values once"),
    Rows("locking_select", f"LOCKING ROW FOR ACCESS SELECT COUNT(*) FROM {T3}", [(3,)],
         "LOCKING … FOR ACCESS only sets the read lock"),
    Rows("sample_count", PEOPLE + "SELECT COUNT(*) FROM (SELECT * FROM people SAMPLE 2) AS s",
         [(2,)], "SAMPLE n returns n random rows"),
]  # fmt: skip

DML = [
    Rows("insert_values", "CREATE TABLE t1 (a INTEGER, b VARCHAR(10));\n"
         "INSERT INTO t1 VALUES (1, 'x');\nINSERT INTO t1 (a, b) VALUES (2, 'y');\n"
         "SELECT a, b FROM t1 ORDER BY a", [(1, "x"), (2, "y")], "INSERT VALUES adds rows"),
    Rows("ins_abbreviation", "CREATE TABLE t1 (a INTEGER);\nINS t1 (5);\nSEL a FROM t1",
         [(5,)], "INS is INSERT, and INTO is optional"),
    Rows("insert_select", PEOPLE + "CREATE TABLE rich (id INTEGER, name VARCHAR(20));\n"
         "INSERT INTO rich SELECT id, name FROM people WHERE sal > 150;\n"
         "SELECT id FROM rich ORDER BY id", [(2,), (3,)], "INSERT … SELECT adds the query's rows"),
    Rows("insert_select_converts_types", "CREATE TABLE src (s VARCHAR(5), n INTEGER);\n"
         "INSERT INTO src VALUES ('12', 7);\nCREATE TABLE dst (a INTEGER, b VARCHAR(5));\n"
         "INSERT INTO dst SELECT s, n FROM src;\nSELECT a + 1, b || '!' FROM dst",
         [(13, "7!")], "INSERT … SELECT converts each value to its column's type"),
    Rows("update_simple", PEOPLE + "UPDATE people SET sal = sal * 2 WHERE dept = 'HR';\n"
         "SELECT sal FROM people WHERE id = 2", [(400,)], "UPDATE changes the matched rows"),
    Rows("upd_abbreviation", PEOPLE + "UPD people SET name = 'Al' WHERE id = 1;\n"
         "SEL name FROM people WHERE id = 1", [("Al",)], "UPD is UPDATE"),
    Rows("update_where_ignores_case", PEOPLE + "UPDATE people SET sal = 0 WHERE dept = 'it';\n"
         "SELECT COUNT(*) FROM people WHERE sal = 0", [(2,)],
         "TERA mode: the WHERE of an UPDATE ignores case"),
    Rows("update_joined_by_alias", PEOPLE + "CREATE TABLE raise (id INTEGER, pct INTEGER);\n"
         "INSERT INTO raise VALUES (1, 10);\n"
         "UPDATE p FROM people p, raise r SET sal = p.sal + r.pct WHERE p.id = r.id;\n"
         "SELECT id, sal FROM people ORDER BY id", [(1, 110), (2, 200), (3, 300)],
         "the joined UPDATE changes only the target rows that join"),
    Rows("update_joined_by_table_name", PEOPLE + "CREATE TABLE bonus (id INTEGER, pct INTEGER);\n"
         "INSERT INTO bonus VALUES (2, 5);\n"
         "UPDATE people FROM bonus SET sal = sal + bonus.pct WHERE people.id = bonus.id;\n"
         "SELECT SUM(sal) FROM people", [(605,)], "UPDATE t FROM other: t is the target"),
    Rows("update_joined_subquery", PEOPLE +
         "UPDATE p FROM people p, (SELECT id, sal * 2 AS dbl FROM people) s "
         "SET sal = s.dbl WHERE p.id = s.id AND p.id = 1;\nSELECT sal FROM people WHERE id = 1",
         [(200,)], "the source of a joined UPDATE may be a derived table"),
    Rows("delete_simple", PEOPLE + "DELETE FROM people WHERE id = 1;\nSELECT COUNT(*) FROM people",
         [(2,)], "DELETE removes the matched rows"),
    Rows("del_abbreviation", PEOPLE + "DEL FROM people WHERE sal > 150;\n"
         "SELECT COUNT(*) FROM people", [(1,)], "DEL is DELETE"),
    Rows("delete_all", PEOPLE + "DELETE FROM people ALL;\nSELECT COUNT(*) FROM people", [(0,)],
         "DELETE … ALL removes every row"),
    Rows("delete_table_all", PEOPLE + "DELETE people ALL;\nSELECT COUNT(*) FROM people", [(0,)],
         "DELETE t ALL (no FROM) removes every row"),
    Rows("delete_in_subquery", PEOPLE + "CREATE TABLE gone (id INTEGER);\n"
         "INSERT INTO gone VALUES (2);\nDELETE FROM people WHERE id IN (SELECT id FROM gone);\n"
         "SELECT id FROM people ORDER BY id", [(1,), (3,)], "DELETE with IN (subquery)"),
    Rows("delete_joined", PEOPLE + "CREATE TABLE gone (id INTEGER);\n"
         "INSERT INTO gone VALUES (3);\nDELETE p FROM people p, gone g WHERE p.id = g.id;\n"
         "SELECT id FROM people ORDER BY id", [(1,), (2,)],
         "DELETE t FROM t, other WHERE … deletes the target rows that join"),
    Rows("merge_update_and_insert", PEOPLE +
         "CREATE TABLE changes (id INTEGER, sal DECIMAL(10,2));\n"
         "INSERT INTO changes VALUES (1, 150.00);\nINSERT INTO changes VALUES (9, 90.00);\n"
         "MERGE INTO people tgt USING changes src ON tgt.id = src.id "
         "WHEN MATCHED THEN UPDATE SET sal = src.sal "
         "WHEN NOT MATCHED THEN INSERT VALUES (src.id, 'new', 'NW', src.sal);\n"
         "SELECT id, sal FROM people ORDER BY id", [(1, 150), (2, 200), (3, 300), (9, 90)],
         "MERGE updates the matched rows and inserts the others"),
    Rows("merge_update_only", PEOPLE + "CREATE TABLE changes (id INTEGER, sal DECIMAL(10,2));\n"
         "INSERT INTO changes VALUES (3, 1.00);\n"
         "MERGE INTO people AS tgt USING changes AS src ON (tgt.id = src.id) "
         "WHEN MATCHED THEN UPDATE SET sal = src.sal;\nSELECT SUM(sal) FROM people", [(301,)],
         "MERGE with only WHEN MATCHED updates"),
    Rows("bt_et_transaction", "CREATE TABLE t1 (a INTEGER);\nBT;\nINSERT INTO t1 VALUES (1);\n"
         "INSERT INTO t1 VALUES (2);\nET;\nSELECT COUNT(*) FROM t1", [(2,)],
         "BT … ET is one transaction; committed, both rows are there"),
    Rows("collect_statistics", PEOPLE + "COLLECT STATISTICS ON people COLUMN (id);\n"
         "SELECT COUNT(*) FROM people", [(3,)], "COLLECT STATISTICS changes no row"),
    Rows("multiset_volatile_table_as", "CREATE MULTISET VOLATILE TABLE vt AS (SELECT 1 AS a) "
         "WITH DATA PRIMARY INDEX (a) ON COMMIT PRESERVE ROWS;\nSELECT a FROM vt", [(1,)],
         "MULTISET VOLATILE … AS (query) WITH DATA: a session table with the query's rows",
         flagged_on={"spark": "TD-UNSUP-001"}),
    Rows("volatile_table", "CREATE VOLATILE TABLE vt (a INTEGER) ON COMMIT PRESERVE ROWS;\n"
         "INSERT INTO vt VALUES (1);\nSELECT a FROM vt", [(1,)],
         "a VOLATILE table lives for the session", flagged_on={"spark": "TD-UNSUP-001"}),
    Rows("global_temporary_table", "CREATE GLOBAL TEMPORARY TABLE gtt (a INTEGER);\n"
         "INSERT INTO gtt VALUES (4);\nSELECT a FROM gtt", [(4,)],
         "a GLOBAL TEMPORARY table's rows are the session's"),
    Rows("create_table_as_with_data", PEOPLE + "CREATE TABLE p2 AS people WITH DATA;\n"
         "SELECT COUNT(*) FROM p2", [(3,)], "AS t WITH DATA copies the rows"),
    Rows("create_table_as_with_no_data", PEOPLE + "CREATE TABLE p2 AS people WITH NO DATA;\n"
         "SELECT COUNT(*) FROM p2", [(0,)], "AS t WITH NO DATA copies the columns only"),
    Rows("create_table_as_query", PEOPLE + "CREATE TABLE p3 AS (SELECT id FROM people "
         "WHERE id > 1) WITH DATA PRIMARY INDEX (id);\nSELECT COUNT(*) FROM p3", [(2,)],
         "AS (query) WITH DATA stores the query's rows"),
    Rows("create_table_as_query_no_data", PEOPLE + "CREATE TABLE p3 AS (SELECT id FROM people) "
         "WITH NO DATA;\nSELECT COUNT(*) FROM p3", [(0,)], "WITH NO DATA keeps no row"),
    Rows("view_select_star", PEOPLE + "CREATE VIEW pv AS SELECT * FROM people;\n"
         "SELECT id, name FROM pv WHERE id = 2", [(2, "bob")], "a view of every column"),
    Rows("replace_view_with_locking", PEOPLE + "REPLACE VIEW pv AS LOCKING ROW FOR ACCESS "
         "SELECT id FROM people;\nSELECT COUNT(*) FROM pv", [(3,)],
         "REPLACE VIEW creates or replaces; LOCKING only sets the read lock"),
    Rows("identity_column", "CREATE TABLE ids (id INTEGER GENERATED ALWAYS AS IDENTITY "
         "(START WITH 10 INCREMENT BY 5), v VARCHAR(5));\nINSERT INTO ids (v) VALUES ('a');\n"
         "INSERT INTO ids (v) VALUES ('b');\nSELECT id, v FROM ids ORDER BY id",
         [(10, "a"), (15, "b")], "IDENTITY numbers the rows from START WITH by INCREMENT BY",
         flagged_on={"spark": "TD-UNSUP-001"}),
    Rows("types_from_ddl", "CREATE TABLE m (i INTEGER, d DECIMAL(10,2));\n"
         "INSERT INTO m VALUES (7, 7.00);\nINSERT INTO m VALUES (2, 1.00);\n"
         "SELECT i / 2, d / 2, AVG(i) OVER () FROM m ORDER BY i",
         [(1, 0.5, 4.5), (3, 3.5, 4.5)], "an INTEGER column divides as an integer; AVG is FLOAT"),
    Rows("multiset_table", "CREATE MULTISET TABLE mt, NO FALLBACK, NO BEFORE JOURNAL, "
         "NO AFTER JOURNAL, CHECKSUM = DEFAULT (a INTEGER) PRIMARY INDEX (a);\n"
         "INSERT INTO mt VALUES (1);\nINSERT INTO mt VALUES (1);\nSELECT COUNT(*) FROM mt",
         [(2,)], "a MULTISET table keeps duplicate rows"),
]  # fmt: skip

DDL = [
    Columns("integers", "CREATE TABLE c (a BYTEINT, b SMALLINT, c INTEGER, d INT, e BIGINT)",
            [("a", "SMALLINT"), ("b", "SMALLINT"), ("c", "INTEGER"), ("d", "INTEGER"),
             ("e", "BIGINT")],
            [("a", "smallint"), ("b", "smallint"), ("c", "int"), ("d", "int"), ("e", "bigint")],
            "BYTEINT holds -128..127: SMALLINT is the smallest type holding it on both"),
    Columns("decimals", "CREATE TABLE c (a DECIMAL, b DECIMAL(5), c DECIMAL(18,2), "
            "d NUMERIC(10,5), e NUMBER(10,2), f NUMBER(*,2))",
            [("a", "DECIMAL(5, 0)"), ("b", "DECIMAL(5, 0)"), ("c", "DECIMAL(18, 2)"),
             ("d", "DECIMAL(10, 5)"), ("e", "DECIMAL(10, 2)"), ("f", "DECIMAL(38, 2)")],
            [("a", "decimal(5,0)"), ("b", "decimal(5,0)"), ("c", "decimal(18,2)"),
             ("d", "decimal(10,5)"), ("e", "decimal(10,2)"), ("f", "decimal(38,2)")],
            "DECIMAL defaults to (5,0); NUMBER(*,s) has precision 38"),
    Columns("floats", "CREATE TABLE c (a FLOAT, b REAL, c DOUBLE PRECISION)",
            [("a", "DOUBLE PRECISION"), ("b", "DOUBLE PRECISION"), ("c", "DOUBLE PRECISION")],
            [("a", "double"), ("b", "double"), ("c", "double")],
            "FLOAT, REAL and DOUBLE PRECISION are all 8-byte floats in Teradata"),
    Columns("character_types", "CREATE TABLE c (a CHAR(5), b VARCHAR(10), c CHARACTER(3), d CHAR, "
            "e VARCHAR(10) CHARACTER SET UNICODE NOT CASESPECIFIC)",
            [("a", "CHAR(5)"), ("b", "VARCHAR(10)"), ("c", "CHAR(3)"), ("d", "CHAR(1)"),
             ("e", "VARCHAR(10)")],
            [("a", "varchar(5)"), ("b", "varchar(10)"), ("c", "varchar(3)"), ("d", "varchar(1)"),
             ("e", "varchar(10)")],
            "CHAR alone is CHAR(1); CHARACTER SET and CASESPECIFIC are not types"),
    Columns("large_text", "CREATE TABLE c (a CLOB, b LONG VARCHAR, c CLOB(1000))",
            [("a", "VARCHAR(65535)"), ("b", "VARCHAR(65535)"), ("c", "VARCHAR(1000)")],
            [("a", "string"), ("b", "string"), ("c", "varchar(1000)")],
            "CLOB and LONG VARCHAR hold long text"),
    Columns("binary", "CREATE TABLE c (a BYTE(4), b VARBYTE(10), c BLOB)",
            [("a", "VARBYTE(4)"), ("b", "VARBYTE(10)"), ("c", "VARBYTE(1024000)")],
            [("a", "binary"), ("b", "binary"), ("c", "binary")],
            "BYTE and VARBYTE are binary strings (not numbers)"),
    Columns("dates_and_times", "CREATE TABLE c (a DATE, b TIMESTAMP(0), c TIMESTAMP(6), "
            "d TIMESTAMP(6) WITH TIME ZONE)",
            [("a", "DATE"), ("b", "TIMESTAMP"), ("c", "TIMESTAMP"),
             ("d", "TIMESTAMP WITH TIME ZONE")],
            [("a", "date"), ("b", "timestamp_ntz"), ("c", "timestamp_ntz"), ("d", "timestamp")],
            "a TIMESTAMP has no time zone; WITH TIME ZONE is an instant"),
    Columns("clob_sizes_in_units", "CREATE TABLE c (a CLOB(1M), b CLOB(2K), c BLOB(64K))",
            [("a", "VARCHAR(65535)"), ("b", "VARCHAR(2048)"), ("c", "VARBYTE(65536)")],
            [("a", "string"), ("b", "varchar(2048)"), ("c", "binary")],
            "a size may be written in K, M or G (1M characters, not 1)"),
    Columns("constraints", "CREATE TABLE c (a INTEGER NOT NULL CHECK (a > 0), b INTEGER, "
            "CONSTRAINT ck CHECK (b < 100), PRIMARY KEY (a))",
            [("a", "INTEGER"), ("b", "INTEGER")], [("a", "int"), ("b", "int")],
            "CHECK is dropped on both (neither enforces it); the key stays on Redshift only"),
    Columns("no_primary_index", "CREATE TABLE c (a INTEGER) NO PRIMARY INDEX",
            [("a", "INTEGER")], [("a", "int")], "a NoPI table is a storage choice"),
    Columns("time_column", "CREATE TABLE c (a TIME(0))", [("a", "TIME")],
            [("a", "timestamp_ntz")], "TIME of day"),
    Columns("table_options", "CREATE MULTISET TABLE sales.orders, NO FALLBACK, "
            "NO BEFORE JOURNAL, NO AFTER JOURNAL, CHECKSUM = DEFAULT, DEFAULT MERGEBLOCKRATIO "
            "(order_id INTEGER NOT NULL, amount DECIMAL(18,2) COMPRESS 0, "
            "status CHAR(1) CHARACTER SET LATIN NOT CASESPECIFIC TITLE 'Status', "
            "order_date DATE FORMAT 'YYYY-MM-DD') PRIMARY INDEX (order_id)",
            [("order_id", "INTEGER"), ("amount", "DECIMAL(18, 2)"), ("status", "CHAR(1)"),
             ("order_date", "DATE")],
            [("order_id", "int"), ("amount", "decimal(18,2)"), ("status", "varchar(1)"),
             ("order_date", "date")],
            "storage options, COMPRESS, TITLE and FORMAT change no value"),
    Columns("set_table", "CREATE SET TABLE s1 (a INTEGER)", [("a", "INTEGER")], [("a", "int")],
            "SET rejects duplicate rows (a warning: the targets do not)"),
    Columns("unique_primary_index", "CREATE TABLE u (a INTEGER, b INTEGER) "
            "UNIQUE PRIMARY INDEX (a)", [("a", "INTEGER"), ("b", "INTEGER")],
            [("a", "int"), ("b", "int")], "a UPI is a uniqueness rule, not a column"),
    Columns("partitioned_primary_index", "CREATE TABLE p (id INTEGER, d DATE) PRIMARY INDEX (id) "
            "PARTITION BY RANGE_N(d BETWEEN DATE '2020-01-01' AND DATE '2030-12-31' "
            "EACH INTERVAL '1' MONTH)", [("id", "INTEGER"), ("d", "DATE")],
            [("id", "int"), ("d", "date")], "partitioning changes no value"),
    Columns("defaults_and_not_null", "CREATE TABLE d (a INTEGER NOT NULL DEFAULT 0, "
            "b VARCHAR(5) DEFAULT 'x', c DATE DEFAULT CURRENT_DATE)",
            [("a", "INTEGER"), ("b", "VARCHAR(5)"), ("c", "DATE")],
            [("a", "int"), ("b", "varchar(5)"), ("c", "date")], "DEFAULT and NOT NULL kept"),
    Columns("secondary_index_in_table", "CREATE TABLE s (a INTEGER, b INTEGER) "
            "PRIMARY INDEX (a) INDEX (b)", [("a", "INTEGER"), ("b", "INTEGER")],
            [("a", "int"), ("b", "int")], "a secondary index is storage only"),
    Columns("names_in_lower_case", "CREATE TABLE Sales.Daily_Totals (Store_ID INTEGER, "
            "Total DECIMAL(12,2))", [("store_id", "INTEGER"), ("total", "DECIMAL(12, 2)")],
            [("store_id", "int"), ("total", "decimal(12,2)")],
            "Teradata names are not case specific: lower case on the targets"),
]  # fmt: skip

UNSUPPORTED = [
    Flagged("normalize", "SELECT NORMALIZE ON MEETS OR OVERLAPS id, dur FROM t", "TD-UNSUP-001",
            "NORMALIZE merges PERIOD values; no target has PERIOD"),
    Flagged("expand_on", "SELECT id, d FROM t EXPAND ON dur AS d BY INTERVAL '1' DAY",
            "TD-UNSUP-001", "EXPAND ON makes a row per interval of a PERIOD"),
    Flagged("period_type", "CREATE TABLE t (id INTEGER, dur PERIOD(DATE))", "TD-UNSUP-001",
            "PERIOD types have no equivalent"),
    Flagged("period_function", "SELECT P_INTERSECT(a, b) FROM t", "TD-UNSUP-002",
            "PERIOD operators have no equivalent"),
    Flagged("with_by_totals", "SELECT k, v FROM t WITH SUM(v) BY k", "TD-UNSUP-001",
            "WITH … BY adds report total lines to the result"),
    Flagged("hashrow", "SELECT HASHROW(a) FROM t", "TD-UNSUP-002",
            "Teradata's row hash exists nowhere else"),
    Flagged("hashbucket", "SELECT HASHBUCKET(HASHROW(a)) FROM t", "TD-UNSUP-002",
            "hash buckets are Teradata's AMP distribution"),
    Flagged("hashamp", "SELECT HASHAMP(HASHBUCKET(HASHROW(a))) FROM t", "TD-UNSUP-002",
            "AMPs are Teradata's"),
    Flagged("create_trigger", "CREATE TRIGGER trg AFTER INSERT ON t FOR EACH ROW "
            "(INSERT INTO log VALUES (1);)", "TD-UNSUP-003", "no trigger on the targets"),
    Flagged("create_macro", "CREATE MACRO m (x INTEGER) AS (SELECT * FROM t WHERE a = :x;)",
            "TD-UNSUP-003", "a macro that returns rows"),
    Flagged("exec_macro", "EXEC m(1)", "TD-UNSUP-003", "running a macro"),
    Flagged("call_procedure", "CALL db.p(1)", "TD-UNSUP-003", "running a stored procedure"),
    Flagged("create_procedure", "REPLACE PROCEDURE p (IN x INTEGER)\nBEGIN\n"
            "  DECLARE v INTEGER;\n  SET v = x + 1;\n  IF v > 1 THEN SET v = 1; END IF;\nEND",
            "TD-UNSUP-003", "SPL control flow is not converted"),
    Flagged("c_udf", "CREATE FUNCTION f (x INTEGER) RETURNS INTEGER LANGUAGE C NO SQL "
            "PARAMETER STYLE SQL EXTERNAL NAME 'CS!f!f.c'", "TD-UNSUP-003", "a C UDF"),
    Flagged("temporal_validtime", "CURRENT VALIDTIME SELECT * FROM t", "TD-UNSUP-001",
            "temporal tables"),
    Flagged("temporal_transactiontime", "NONSEQUENCED TRANSACTIONTIME SELECT * FROM t",
            "TD-UNSUP-001", "temporal tables"),
    Flagged("top_with_ties", "SELECT TOP 2 WITH TIES a FROM t ORDER BY a", "TD-UNSUP-001",
            "WITH TIES returns the rows tied with the last"),
    Flagged("top_percent", "SELECT TOP 10 PERCENT a FROM t ORDER BY a", "TD-UNSUP-001",
            "TOP n PERCENT"),
    Flagged("numeric_format_phrase", "SELECT n (FORMAT 'ZZ9.99') FROM t", "TD-UNSUP-005",
            "a numeric display format"),
    Flagged("numeric_format_cast", "SELECT CAST(n AS DECIMAL(10,2) FORMAT '$$9.99') FROM t",
            "TD-UNSUP-001", "a numeric FORMAT in a cast"),
    Flagged("concat_number", "SELECT 'a' || 1", "TD-UNSUP-006",
            "Teradata pads the number to its display width"),
    Flagged("current_time", "SELECT CURRENT_TIME", "TD-UNSUP-001", "no TIME on the targets"),
    Flagged("cast_as_time_on_spark", "SELECT CAST(ts AS TIME) FROM t", {"spark": "TD-UNSUP-001"},
            "Spark has no TIME: a cast to TIMESTAMP would keep the date"),
    Flagged("time_keyword", "SELECT TIME", "TD-UNSUP-001", "TIME alone is the current time"),
    Flagged("translate_using", "SELECT TRANSLATE(s USING LATIN_TO_UNICODE) FROM t",
            "TD-UNSUP-005", "character-set translation"),
    Flagged("help_table", "HELP TABLE t", "TD-UNSUP-003", "HELP describes Teradata's catalog"),
    Flagged("show_table", "SHOW TABLE t", "TD-UNSUP-003", "SHOW prints Teradata's DDL"),
    Flagged("round_date", "SELECT ROUND(DATE '2026-12-20', 'MM')", "TD-UNSUP-001",
            "ROUND of a date to a unit"),
    Flagged("trunc_week_day", "SELECT TRUNC(DATE '2026-12-20', 'D')", "TD-UNSUP-001",
            "TRUNC to the week's first day depends on the session's calendar"),
    Flagged("csum_with_group_by", "SELECT k, CSUM(v, k) FROM t GROUP BY k", "TD-UNSUP-001",
            "GROUP BY of an ordered-analytic query is a partition, not an aggregate"),
    Flagged("to_char_number_format", "SELECT TO_CHAR(n, '999.99') FROM t", "TD-UNSUP-001",
            "numeric TO_CHAR formats"),
    Flagged("regexp_replace_occurrence", "SELECT REGEXP_REPLACE(s, 'a', 'b', 1, 2) FROM t",
            "TD-UNSUP-001", "only the 2nd match replaced"),
    Flagged("merge_without_columns_on_spark",
            "MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT VALUES (s.k)",
            {"spark": "TD-UNSUP-001"}, "Spark needs the column list, and t's DDL is not here"),
    Flagged("update_from_two_sources_on_spark", "UPDATE a FROM t a, s b, u c SET v = b.v "
            "WHERE a.k = b.k AND b.k = c.k", {"spark": "TD-UNSUP-001"},
            "Spark's MERGE takes one source"),
    Flagged("volatile_on_spark", "CREATE VOLATILE TABLE v (a INTEGER) ON COMMIT PRESERVE ROWS",
            {"spark": "TD-UNSUP-001"}, "Spark has no session table"),
    Flagged("parameter_markers", "SELECT * FROM t WHERE a = ? AND b = :p", "TD-UNSUP-001",
            "a parameter is bound by a macro, a USING clause or a client, not by the script"),
    Flagged("parse_error", "SELECT FROM WHERE", "TD-PARSE-001", "not SQL"),
    Flagged("unclosed_string", "SELECT 'abc", "TD-PARSE-001", "an unclosed string"),
]  # fmt: skip

BTEQ = [
    Rows("bteq_logon_and_quit", ".LOGON tdprod/etl,secret;\nSELECT 1;\n.LOGOFF;\n.QUIT 0;",
         [(1,)], "dot-commands are the client's; the query runs"),
    Rows("bteq_settings", ".SET WIDTH 200;\n.SET SEPARATOR '|'\nSELECT 2;", [(2,)],
         ".SET changes only how BTEQ prints"),
    Rows("bteq_export_keeps_its_query", ".EXPORT REPORT FILE = out.txt;\nSELECT 3;\n"
         ".EXPORT RESET;", [(3,)], ".EXPORT writes the query's rows to a file"),
    Rows("bteq_stop_on_error", "SELECT 4;\n.IF ERRORCODE <> 0 THEN .QUIT 8;\nSELECT 5;",
         [(5,)], "with no error, the script goes on"),
    Rows("bteq_transaction", ".LOGON tdprod/etl,secret;\nCREATE TABLE t1 (a INTEGER);\nBT;\n"
         "INSERT INTO t1 VALUES (1);\nET;\nSELECT COUNT(*) FROM t1;", [(1,)],
         "BT … ET in a BTEQ script"),
    Flagged("bteq_goto", "SELECT 1;\n.IF ACTIVITYCOUNT = 0 THEN .GOTO done;\nSELECT 2;\n"
            ".LABEL done\nSELECT 3;", "TD-BTEQ-002", "jumps change which statements run"),
    Flagged("bteq_os_command", ".OS rm -f /tmp/x.dat\nSELECT 1;", "TD-BTEQ-006",
            "the shell command would not run"),
    Flagged("bteq_run_file", ".RUN FILE = other.btq\nSELECT 1;", "TD-BTEQ-006",
            "the other script's statements would not run"),
    Flagged("bteq_import", ".IMPORT DATA FILE = in.dat;\n.REPEAT *\nUSING (a INTEGER) "
            "INSERT INTO t VALUES (:a);", "TD-BTEQ-003", "the import reads a client file"),
]  # fmt: skip

# Found by running Teradata as real code bases write it through the converter.
FOUND_IN_THE_WILD = [
    Rows("old_rank_ranks_the_highest_first", "SELECT v, RANK(v) FROM (SELECT 1 AS v UNION ALL "
         "SELECT 3 UNION ALL SELECT 3 UNION ALL SELECT 2) AS t ORDER BY v",
         [(1, 4), (2, 3), (3, 1), (3, 1)],
         "RANK(x), the form before window syntax, ranks x descending: the highest is 1"),
    Rows("last_value_over_the_whole_partition",
         f"SELECT k, v, LAST_VALUE(v) OVER (PARTITION BY k ORDER BY v) FROM {T3} ORDER BY k, v",
         [(1, "a", "b"), (1, "b", "b"), (2, "c", "c")],
         "a window with ORDER BY and no ROWS clause is the whole partition in Teradata"),
    Rows("ct_is_create_table", "CT t1 (a INTEGER);\nINSERT INTO t1 VALUES (7);\nSELECT a FROM t1",
         [(7,)], "CT abbreviates CREATE TABLE"),
    Rows("rename_table", "CREATE TABLE r1 (a INTEGER);\nINSERT INTO r1 VALUES (1);\n"
         "RENAME TABLE r1 TO r2;\nSELECT a FROM r2", [(1,)],
         "RENAME TABLE gives the table its new name, rows kept"),
    Rows("title_and_named_phrases", f"SELECT v (TITLE 'Value') (NAMED w) FROM {NUMS} ORDER BY w",
         [(1,), (2,), (3,)], "TITLE is a BTEQ heading; NAMED names the column"),
    Rows("user_is_the_current_user", "SELECT CASE WHEN USER = CURRENT_USER THEN 1 ELSE 0 END",
         [(1,)], "USER is the session's user name, as CURRENT_USER"),
    Rows("calendar_functions", "SELECT TD_MONTH_BEGIN(DATE '2024-02-15'), "
         "TD_MONTH_END(DATE '2024-02-15'), DAYNUMBER_OF_YEAR(DATE '2024-02-15'), "
         "TD_QUARTER_OF_YEAR(DATE '2024-05-01'), DAYNUMBER_OF_WEEK(DATE '2024-02-18'), "
         "TD_DAY_OF_MONTH(DATE '2024-02-15')",
         [(date(2024, 2, 1), date(2024, 2, 29), 46, 2, 1, 15)],
         "month's first and last day (2024 is a leap year), day of year, quarter, Sunday = 1"),
    Rows("timestamp_zero_cuts_the_fraction",
         "SELECT CAST(TIMESTAMP '2024-01-01 10:00:05.987654' AS TIMESTAMP(0))",
         [(datetime(2024, 1, 1, 10, 0, 5),)],
         "a cast to fewer fractional digits cuts them off (no rounding up to :06)"),
    Rows("percentile_cont_is_exact", "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) "
         "FROM (SELECT 1 AS v UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 10) AS t",
         [(3,)], "the median of 1, 2, 4, 10 interpolated between 2 and 4"),
    Rows("interval_before_a_date", "SELECT INTERVAL '3' DAY + DATE '2024-01-30'",
         [(date(2024, 2, 2),)], "an interval plus a date is a DATE"),
    Rows("qualify_of_star_returns_the_tables_columns",
         f"SELECT * FROM {T3} QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) = 1 "
         "ORDER BY k", [(1, "b"), (2, "c")],
         "QUALIFY filters rows; the query still selects only the table's columns"),
    Rows("qualify_keeps_an_unnamed_value", "CREATE TABLE q1 (k INTEGER, ts TIMESTAMP(0), n "
         "INTEGER);\nINSERT INTO q1 SELECT k, CAST(TIMESTAMP '2024-01-01 10:00:00' AS "
         f"TIMESTAMP(0)), k + 1 FROM {T3} QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) "
         "= 1;\nSELECT k, ts, n FROM q1 ORDER BY k",
         [(1, datetime(2024, 1, 1, 10, 0), 2), (2, datetime(2024, 1, 1, 10, 0), 3)],
         "each selected value goes to its column (none read back as a literal)"),
    Rows("in_subquery_of_text_ignores_case", "CREATE TABLE i1 (a VARCHAR(5));\n"
         "CREATE TABLE i2 (b VARCHAR(5));\nINSERT INTO i1 VALUES ('abc');\n"
         "INSERT INTO i2 VALUES ('ABC ');\nSELECT a FROM i1 WHERE a IN (SELECT b FROM i2)",
         [("abc",)], "IN compares as = does: not case specific, trailing blanks ignored"),
    Rows("integer_cast_truncates", "SELECT CAST(20000.99 AS INTEGER), CAST(-2.5 AS INTEGER), "
         "CAST(v AS INTEGER), CAST(v * 2 AS SMALLINT), CAST(t AS INTEGER) FROM (SELECT "
         "CAST(7.9 AS DECIMAL(4,1)) AS v, '12' AS t) AS x", [(20000, -2, 7, 15, 12)],
         "DECIMAL to an integer type truncates its fraction (Teradata's conversion rules); "
         "digits in text read as the number"),
    Rows("index_ignores_case", "SELECT INDEX('Hello', 'L'), POSITION('LO' IN 'hello'), "
         "INDEX('a@b', '@')", [(3, 4, 2)],
         "a search in text is not case specific, as a comparison is (TERA mode)"),
    Rows("between_of_text_ignores_case", "SELECT CASE WHEN 'b' BETWEEN 'A' AND 'M' THEN 1 "
         "ELSE 0 END, CASE WHEN 'Z ' BETWEEN 'a' AND 'z' THEN 1 ELSE 0 END", [(1, 1)],
         "BETWEEN is two comparisons: not case specific, trailing blanks ignored"),
    Rows("query_band_removed", "SET QUERY_BAND = 'job=load;' FOR SESSION;\nSELECT 1", [(1,)],
         "a query band labels the session's work, nothing else"),
    Flagged("old_rank_with_group_by", "SELECT k, RANK(v) FROM t GROUP BY k", "TD-UNSUP-001",
            "GROUP BY of an ordered-analytic query is a partition"),
    Flagged("session_number", "SELECT SESSION", "TD-UNSUP-001", "the session number"),
    Flagged("trycast_on_redshift", "SELECT TRYCAST(s AS INTEGER) FROM t",
            {"redshift": "TD-UNSUP-001"}, "Redshift has no cast that returns NULL"),
    Flagged("grant_on_spark", "GRANT SELECT ON t TO u", {"spark": "TD-UNSUP-001"},
            "Spark SQL has no privileges"),
    Flagged("rename_into_another_database", "RENAME TABLE a.t TO b.t", "TD-UNSUP-001",
            "neither target moves a table between schemas by renaming it"),
    Flagged("timestamp_precision_three", "SELECT CAST(ts AS TIMESTAMP(3)) FROM t",
            "TD-UNSUP-001", "fractional seconds cut to 3 digits"),
    Flagged("named_inside_an_expression", "SELECT a + (b (NAMED x)) FROM t", "TD-UNSUP-001",
            "a name given inside an expression"),
]  # fmt: skip

_ALL_ROWS = FUNCTIONS + COMPARISONS + QUERIES + DML + BTEQ + FOUND_IN_THE_WILD
ROWS = [c for c in _ALL_ROWS if isinstance(c, Rows)]
COLUMNS = DDL
FLAGGED = UNSUPPORTED + [c for c in BTEQ + FOUND_IN_THE_WILD if isinstance(c, Flagged)]
ALL = ROWS + COLUMNS + FLAGGED
