{#- The `case` expression that names why a row breaks the source contract, null when it does not.
    `required`: columns that must not be null nor blank (empty or whitespace text): `null_key`;
    `timestamps`: columns that must not lie beyond `pipemon_future_limit()`
    (`future_timestamp`: such a row would push incremental bounds and freshness past today);
    `finite`: numeric columns that must not be NaN or infinite (`non_finite_number`);
    `dates`: date expressions that must fall inside a season of var `seasons` when present
    (`outside_season`: a date years away, 1970-01-01 or 2099, is a broken row, not data);
    `accepted`: {column: [values]} for enumerations (`pipemon_accepted_values` reads them from the
    source YAML; numbers are compared as numbers, text as text); `extra`: [(condition, reason)] checked
    after those; `objects`: JSON text columns the contract declares objects
    (`pipemon_json_object_columns`): other JSON, an array or a string, is `not_an_object`. The first
    reason that applies wins. -#}
{% macro pipemon_quarantine_reason(required=[], accepted={}, extra=[], timestamps=[], finite=[], dates=[], objects=[]) -%}
    case
        {%- if required %}
        when {% for column in required %}{{ column }} is null or {{ pipemon_is_blank(column) }}{{ ' or ' if not loop.last }}{% endfor %}
            then 'null_key'
        {%- endif %}
        {%- if timestamps %}
        when {% for column in timestamps %}{{ column }} > {{ pipemon_future_limit() }}{{ ' or ' if not loop.last }}{% endfor %}
            then 'future_timestamp'
        {%- endif %}
        {%- if dates %}
        when {% for column in dates %}{{ pipemon_outside_seasons(column) }}{{ ' or ' if not loop.last }}{% endfor %}
            then 'outside_season'
        {%- endif %}
        {%- if finite %}
        when {% for column in finite %}not coalesce({{ pipemon_is_finite(column) }}, true){{ ' or ' if not loop.last }}{% endfor %}
            then 'non_finite_number'
        {%- endif %}
        {%- for column, values in accepted.items() %}
        when {{ column }} not in ({% for value in values %}{{ value if value is number else "'" ~ (value | string | replace("'", "''")) ~ "'" }}{{ ', ' if not loop.last }}{% endfor %})
            then 'unknown_{{ "status" if column.endswith("status") or column.endswith("result") else column }}'
        {%- endfor %}
        {%- for condition, reason in extra %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
        {%- if objects %}
        when {% for column in objects %}not coalesce({{ pipemon_is_json_object(column) }}, true){{ ' or ' if not loop.last }}{% endfor %}
            then 'not_an_object'
        {%- endif %}
    end
{%- endmacro %}

{#- The latest instant a source row may carry: the later of as_of and the wall clock, plus var
    `future_tolerance_minutes`. In production as_of is the clock; in a replay (as_of in the past)
    rows written after as_of are real history, not hostile, so only a row stamped after the
    moment the build runs (plus the tolerance) is impossible. -#}
{% macro pipemon_future_limit() -%}
    {%- set minutes = var('future_tolerance_minutes') -%}
    {%- if minutes is not number or minutes < 0 -%}
        {{ exceptions.raise_compiler_error("var future_tolerance_minutes must be a whole number of minutes >= 0, got '" ~ minutes ~ "'") }}
    {%- endif -%}
    {{ pipemon_timestamp_add_minutes('greatest(' ~ pipemon_as_of() ~ ', ' ~ pipemon_current_timestamp_utc() ~ ')', minutes | int) }}
{%- endmacro %}

{#- The condition a JSON text field holds a number when present: true when the value at `path`
    is missing or casts to an integer, false when it is text that is not a number. -#}
{% macro pipemon_json_is_integer(column, path) -%}
    ({{ pipemon_json_value(column, path) }} is null or {{ dbt.safe_cast(pipemon_json_value(column, path), dbt.type_bigint()) }} is not null)
{%- endmacro %}

{#- True when a value read as text is empty or only spaces, tabs and line breaks. -#}
{% macro pipemon_is_blank(expression) %}
    {{ return(adapter.dispatch('pipemon_is_blank', 'pipemon')(expression)) }}
{% endmacro %}

{% macro default__pipemon_is_blank(expression) -%}
    trim(cast({{ expression }} as {{ dbt.type_string() }}), ' \t\n\r') = ''
{%- endmacro %}

{% macro duckdb__pipemon_is_blank(expression) -%}
    trim(cast({{ expression }} as {{ dbt.type_string() }}), ' ' || chr(9) || chr(10) || chr(13)) = ''
{%- endmacro %}


{#- The condition a reported run duration (seconds) is beyond var `max_run_duration_hours`: a run
    of 30 days is a broken row, and one such row would swamp every duration baseline. -#}
{% macro pipemon_run_duration_beyond_bound(column) -%}
    {%- set hours = var('max_run_duration_hours') -%}
    {%- if hours is not number or hours <= 0 -%}
        {{ exceptions.raise_compiler_error("var max_run_duration_hours must be a positive number of hours, got '" ~ hours ~ "'") }}
    {%- endif -%}
    {{ column }} > {{ hours * 3600 }}
{%- endmacro %}
