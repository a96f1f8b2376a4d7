"""Rewrites from a Teradata tree to a target's tree: one rule, one function, one test.

A rule is `rule(tree, context) -> tree`: a small pure rewrite (as sqlglot's transforms.py)
that records what it did in the context (the rule's name, and findings for what it dropped
or changed). `RULES[target]` lists them in the order they run: statements first, then DDL,
DML, functions, arithmetic and comparisons, and the data types last (the rules before them
build casts in Teradata's types)."""

from wmg_assets.migration.sql.rules.arithmetic import (
    average_of_integers,
    decimal_division_scale,
    integer_casts_truncate,
    integer_division,
)
from wmg_assets.migration.sql.rules.comparison import (
    case_insensitive_comparisons,
    case_insensitive_grouping,
    case_specificity_phrases,
)
from wmg_assets.migration.sql.rules.datatypes import cast_to_text_keeps_its_length, map_data_types
from wmg_assets.migration.sql.rules.dates import (
    add_months_keeps_the_day,
    date_difference_in_days,
    date_interval_keeps_a_date,
    timestamp_precision_truncates,
)
from wmg_assets.migration.sql.rules.ddl import (
    create_table_as,
    drop_table_options,
    drop_teradata_indexes,
    identity_columns,
    index_as_table_keys,
    table_constraints,
    temporary_tables,
)
from wmg_assets.migration.sql.rules.dml import (
    delete_forms,
    insert_select_types,
    insert_without_values,
    joined_update,
    merge_insert_columns,
)
from wmg_assets.migration.sql.rules.functions import (
    conversion_functions,
    date_units,
    formats_of_dates,
    like_any_as_or,
    teradata_functions,
)
from wmg_assets.migration.sql.rules.naming import lower_case_names, qualified_tables
from wmg_assets.migration.sql.rules.qualify import qualify_as_derived_table
from wmg_assets.migration.sql.rules.statements import (
    access_statements,
    locking_modifiers,
    rename_statements,
    sample_clauses,
    session_statements,
    title_and_named_phrases,
    view_columns,
)
from wmg_assets.migration.sql.rules.strings import regular_expressions, substring_positions
from wmg_assets.migration.sql.rules.windows import ordered_analytics, value_window_frames

_FIRST = [locking_modifiers, session_statements, rename_statements, access_statements,
          title_and_named_phrases, drop_table_options, table_constraints, insert_without_values,
          insert_select_types]  # fmt: skip
_LAST = [lower_case_names, qualified_tables, map_data_types]
_DDL = [drop_teradata_indexes, identity_columns, temporary_tables, create_table_as, view_columns]
_FUNCTIONS = [ordered_analytics, value_window_frames, timestamp_precision_truncates,
              regular_expressions, teradata_functions, conversion_functions, formats_of_dates, date_units,
              like_any_as_or, sample_clauses]  # fmt: skip

RULES = {
    "redshift": [
        *_FIRST,
        index_as_table_keys,
        *_DDL,
        joined_update,
        delete_forms,
        *_FUNCTIONS,
        decimal_division_scale,
        average_of_integers,
        integer_casts_truncate,
        case_insensitive_comparisons,
        case_insensitive_grouping,
        case_specificity_phrases,
        add_months_keeps_the_day,
        date_interval_keeps_a_date,
        qualify_as_derived_table,
        *_LAST,
    ],
    "spark": [
        *_FIRST,
        *_DDL,
        joined_update,
        delete_forms,
        merge_insert_columns,
        *_FUNCTIONS,
        case_insensitive_comparisons,
        case_insensitive_grouping,
        case_specificity_phrases,
        decimal_division_scale,
        integer_division,
        qualify_as_derived_table,
        substring_positions,
        date_difference_in_days,
        cast_to_text_keeps_its_length,
        *_LAST,
    ],
}
