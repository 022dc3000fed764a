-- One row per ET date and output declared quiet (a halt the pipeline declared, or a pause), read by
-- `pipemon status` and the report: the checks that skip a date say so here.
select * from {{ ref('int_declared_quiet') }}
