-- Which tests flip between pass and fail? Over each test's last `flaky_window_runs` results:
-- runs, failures, status changes; flaky = at least `flaky_min_changes` changes.
{%- set window_runs = var('flaky_window_runs', 20) -%}
{%- set min_changes = var('flaky_min_changes', 3) %}

with

results as (

    select * from {{ ref('fct_test_results') }}

),

recent as (

    select
        *,
        row_number() over (
            partition by test_unique_id
            order by completed_at desc
        ) as recency_rank
    from results

),

per_test as (

    select
        test_unique_id,
        min(test_name) as test_name,
        min(owner) as owner,
        count(*) as run_count,
        sum(case when is_failure then 1 else 0 end) as failure_count,
        sum(case when is_error then 1 else 0 end) as error_count,
        sum(case when is_status_change and recency_rank < {{ window_runs }} then 1 else 0 end)
            as status_change_count,
        max(completed_at) as last_run_at
    from recent
    where recency_rank <= {{ window_runs }}
    group by test_unique_id

),

final as (

    select
        test_unique_id,
        test_name,
        owner,
        run_count,
        failure_count,
        error_count,
        status_change_count,
        1.0 * failure_count / run_count as failure_rate,
        status_change_count >= {{ min_changes }} as is_flaky,
        last_run_at
    from per_test

)

select * from final
