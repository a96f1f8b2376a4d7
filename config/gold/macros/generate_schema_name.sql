{#- A model's `schema` config is the schema it is built in, as written (dbt's default would
    prefix it with the target's schema: `public_gold`). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
