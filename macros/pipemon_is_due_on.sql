{#- A predicate: a registry row's `due_on_day_kinds` (kinds of day separated by `|`, e.g.
    `regular_season|play_in|playoffs`; empty - var `due_on_day_kinds_default`) names the kind of
    day (int_day_kinds.day_kind) of the date judged. -#}
{% macro pipemon_is_due_on(kinds_expression, day_kind_expression) -%}
    (strpos(
        concat('|', coalesce({{ kinds_expression }}, '{{ var("due_on_day_kinds_default") }}'), '|'),
        concat('|', {{ day_kind_expression }}, '|')
    ) > 0)
{%- endmacro %}
