{#- A var that changes on every run (`as_of`, `monitor_lookback_days`, `monitor_open_dates`,
    `monitor_last_built_date`).
    `pipemon.dbt` passes these in the environment (PIPEMON_RUN_VARS, a JSON object) instead of
    `--vars`: a change of `--vars` makes dbt re-parse the whole project, an environment variable
    read only while executing does not (parsing never reads it). Unit tests, and any dbt call
    that passes them with `--vars` instead, get `var()`. -#}
{% macro pipemon_run_var(name, default=none) -%}
    {%- set in_unit_test = model is defined and model is not none and model.resource_type == 'unit_test' -%}
    {%- if execute and not in_unit_test -%}
        {%- set raw = env_var('PIPEMON_RUN_VARS', '') -%}
        {%- if raw -%}
            {%- set values = fromjson(raw) -%}
            {%- if values is mapping and name in values -%}
                {{ return(values[name]) }}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(var(name, default)) }}
{%- endmacro %}
