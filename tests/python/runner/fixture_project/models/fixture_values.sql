{% if var('break_model') %}
select v from a_table_that_does_not_exist
{% else %}
select {{ 'null' if var('null_value') else '1' }} as v
{% endif %}
