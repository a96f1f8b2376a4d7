"""Rewrites from a Teradata tree to a target's tree: one rule, one function, one test.

A rule is `rule(tree, context) -> tree`: a small pure rewrite (as sqlglot's transforms.py)
that records what it did in the context (the rule's name, and findings for what it dropped
or changed). `RULES[target]` lists them in the order they run."""

from wmg_assets.migration.sql.rules.arithmetic import average_of_integers, integer_division
from wmg_assets.migration.sql.rules.comparison import case_insensitive_comparisons
from wmg_assets.migration.sql.rules.dates import add_months_keeps_the_day, date_difference_in_days
from wmg_assets.migration.sql.rules.ddl import drop_table_options, drop_teradata_indexes
from wmg_assets.migration.sql.rules.qualify import qualify_as_derived_table
from wmg_assets.migration.sql.rules.strings import substring_positions

RULES = {
    "redshift": [
        drop_table_options,
        drop_teradata_indexes,
        average_of_integers,
        case_insensitive_comparisons,
        add_months_keeps_the_day,
        qualify_as_derived_table,
    ],
    "spark": [
        drop_table_options,
        drop_teradata_indexes,
        integer_division,
        case_insensitive_comparisons,
        qualify_as_derived_table,
        substring_positions,
        date_difference_in_days,
    ],
}
