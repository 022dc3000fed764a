{#- Maps a warehouse column type (as the adapter reports it) to the contract's type name
    (STRING, INT64, FLOAT64, NUMERIC, BOOL, DATE, TIMESTAMP, JSON); unknown types come back upper-cased. -#}
{% macro pipemon_normalize_type(dtype) %}
    {%- set name = (dtype | upper).split('(')[0] | trim -%}
    {%- set aliases = {
        'VARCHAR': 'STRING', 'TEXT': 'STRING', 'STRING': 'STRING', 'CHARACTER VARYING': 'STRING',
        'BIGINT': 'INT64', 'INT64': 'INT64', 'INTEGER': 'INT64', 'INT': 'INT64', 'INT8': 'INT64',
        'DOUBLE': 'FLOAT64', 'FLOAT64': 'FLOAT64', 'FLOAT8': 'FLOAT64', 'DOUBLE PRECISION': 'FLOAT64',
        'BOOLEAN': 'BOOL', 'BOOL': 'BOOL',
        'DATE': 'DATE',
        'TIMESTAMP': 'TIMESTAMP', 'TIMESTAMP WITHOUT TIME ZONE': 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP', 'TIMESTAMPTZ': 'TIMESTAMP',
        'JSON': 'JSON',
        'DECIMAL': 'NUMERIC', 'NUMERIC': 'NUMERIC',
    } -%}
    {{ return(aliases.get(name, name)) }}
{% endmacro %}
