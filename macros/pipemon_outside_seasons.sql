{#- The condition a date lies outside every season of var `seasons` ({label: [first, last]},
    'YYYY-MM-DD', inclusive): true for a date years away from any season (1970-01-01, 2099-...),
    null when the date is null. The windows run from summer to summer, so preseason, playoffs
    and the offseason's reference scrapes are inside their season.
    as_of's date must lie in a season: a monitor past the last season would quarantine every
    row, so the build stops with a compiler error that says which season to add. -#}
{% macro pipemon_outside_seasons(date_expression) -%}
    {%- set windows = pipemon_season_windows() -%}
    not ({% for window in windows %}{{ date_expression }} between cast('{{ window[0] }}' as date) and cast('{{ window[1] }}' as date){{ ' or ' if not loop.last }}{% endfor %})
{%- endmacro %}


{#- The [first, last] windows of var `seasons`, checked: each date 'YYYY-MM-DD', first <= last,
    and as_of's UTC date (the wall clock's when as_of is empty) inside one of them. -#}
{% macro pipemon_season_windows() %}
    {%- set seasons = var('seasons') -%}
    {%- if seasons is not mapping or not seasons -%}
        {{ exceptions.raise_compiler_error("var seasons must map a season label to [first date, last date], got '" ~ seasons ~ "'") }}
    {%- endif -%}
    {%- set windows = [] -%}
    {%- for label, window in seasons.items() -%}
        {%- if window is string or window is not iterable or window | length != 2
            or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', window[0] | string)
            or not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', window[1] | string)
            or (window[0] | string) > (window[1] | string) -%}
            {{ exceptions.raise_compiler_error("var seasons: season '" ~ label ~ "' must be ['YYYY-MM-DD', 'YYYY-MM-DD'] (first <= last), got '" ~ window ~ "'") }}
        {%- endif -%}
        {%- do windows.append([window[0] | string, window[1] | string]) -%}
    {%- endfor -%}
    {%- set as_of = var('as_of', '') | string -%}
    {%- set today = as_of[:10] if as_of else modules.datetime.datetime.utcnow().strftime('%Y-%m-%d') -%}
    {%- set ns = namespace(inside=false) -%}
    {%- for window in windows if window[0] <= today <= window[1] -%}
        {%- set ns.inside = true -%}
    {%- endfor -%}
    {%- if execute and not ns.inside -%}
        {{ exceptions.raise_compiler_error("as_of " ~ today ~ " is in no season of var seasons (" ~ (windows | map('join', '..') | join(', ')) ~ "): add the current season to var seasons in dbt_project.yml, or every row would be quarantined as outside_season") }}
    {%- endif -%}
    {{ return(windows) }}
{% endmacro %}
