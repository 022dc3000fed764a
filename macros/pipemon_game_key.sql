{#- The one game key every table can be joined on: `YYYYMMDD_AWAY_HOME` from the ET game date and
    the two tricodes. It is the box scores' own `game_id` format, and unlike the schedule's 10-digit
    id it stays unique when an id is reused after a postponement. -#}
{% macro pipemon_game_key(date_expression, away_expression, home_expression) -%}
    concat(replace(cast({{ date_expression }} as {{ dbt.type_string() }}), '-', ''), '_', {{ away_expression }}, '_', {{ home_expression }})
{%- endmacro %}

{#- Whether a game id is the date-based `YYYYMMDD_AWAY_HOME` format (else the schedule's 10 digits). -#}
{% macro pipemon_is_date_based_game_id(id_expression) -%}
    (length({{ id_expression }}) = 16 and substr({{ id_expression }}, 9, 1) = '_' and substr({{ id_expression }}, 13, 1) = '_')
{%- endmacro %}
