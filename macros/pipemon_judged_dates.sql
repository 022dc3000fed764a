{#- The monitor's clock in the pipeline's time zone: the ET date of `as_of`, and the first
    ET date the validation tests judge (`monitor_lookback_days` dates ending at as_of's date). -#}
{% macro pipemon_as_of_date() -%}
    {{ pipemon_to_et_date(pipemon_as_of()) }}
{%- endmacro %}

{% macro pipemon_judged_start_date() -%}
    {%- set days = pipemon_run_var('monitor_lookback_days') | int -%}
    {%- if days < 1 -%}
        {{ exceptions.raise_compiler_error("var monitor_lookback_days must be a positive whole number, got " ~ pipemon_run_var('monitor_lookback_days')) }}
    {%- endif -%}
    {{ pipemon_date_add(pipemon_as_of_date(), 1 - days) }}
{%- endmacro %}

{#- The ET dates of open incidents (var `monitor_open_dates`, a list of 'YYYY-MM-DD' the runner
    passes): judged again on every run until their incident is fixed or closed, even after they
    have left the lookback window. -#}
{% macro pipemon_open_dates() -%}
    {%- set dates = pipemon_run_var('monitor_open_dates', []) -%}
    {%- if dates is string -%}{%- set dates = [dates] if dates else [] -%}{%- endif -%}
    {%- set out = [] -%}
    {%- for d in dates -%}
        {%- do out.append(pipemon_checked_date('monitor_open_dates', d)) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- A predicate: the date expression falls inside the judged window (the last
    `monitor_lookback_days` ET dates, plus the dates of open incidents). -#}
{% macro pipemon_is_judged(date_expression) -%}
    {%- set open_dates = pipemon_open_dates() -%}
    ({{ date_expression }} between {{ pipemon_judged_start_date() }} and {{ pipemon_as_of_date() }}
    {%- if open_dates %}
        or ({{ date_expression }} <= {{ pipemon_as_of_date() }} and {{ date_expression }} in ({{ pipemon_date_literals(open_dates) }}))
    {%- endif -%})
{%- endmacro %}


{#- 'YYYY-MM-DD' strings as a comma-separated list of DATE literals. -#}
{% macro pipemon_date_literals(dates) -%}
    {%- for d in dates %}cast('{{ d }}' as date){% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}


{#- A date var's value as 'YYYY-MM-DD', or a compile error naming the var (the runner refuses a bad
    value before dbt runs; this is the guard for dbt run by hand). -#}
{% macro pipemon_checked_date(var_name, value) -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must hold dates 'YYYY-MM-DD', got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value | string) }}
{%- endmacro %}
