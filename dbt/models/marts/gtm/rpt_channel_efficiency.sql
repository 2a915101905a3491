{#- One row per cost-complete month and acquisition channel (from rpt_monthly_unit_economics): the month's
    cost per lead, CAC and lead-to-win rate against the channel's own recent history. Rolling averages take
    the last var('efficiency_rolling_months') cost-complete months including this one; the "prior" averages
    take the same number of months before this one and are the baseline for the alerts, the score and the
    trend. Alerts: CAC or cost per lead more than var('efficiency_alert_cac_increase') /
    var('efficiency_alert_cost_per_lead_increase') above the prior average, lead-to-win rate more than
    var('efficiency_alert_win_rate_drop') below it; alert_level None (0 flags) / Watch (1) / Alert (2 or 3).
    efficiency_score (0..100, 50 = on the prior average): 50% CAC, 25% cost per lead, 25% lead-to-win rate,
    each sub-score 50 + 100 x the relative improvement on the prior average, clamped to 0..100.
    efficiency_trend: rolling averages against the prior ones, Improving when more of the three improved
    than worsened, Declining when more worsened, Stable otherwise; Insufficient Data before 3 months.
    Low-sample months (fewer wins than var unit_economics_min_wins, rpt_monthly_unit_economics.is_low_sample)
    keep their CAC and lead-to-win rate on the row, but those two never enter a rolling or prior average,
    never raise an alert and score a neutral 50; alert_level says Low Sample when nothing else was flagged. -#}
{%- set rolling_months = var('efficiency_rolling_months') -%}
{%- set score_weights = {'cac': 0.5, 'cost_per_lead': 0.25, 'lead_to_win': 0.25} -%}
{%- set trend_min_history_months = 3 -%}
with

monthly as (

    select * from {{ ref('rpt_monthly_unit_economics') }}

),

cost_complete as (

    select
        month_start_date,
        channel,
        leads_count,
        wins_count,
        total_cost_amount,
        cost_per_lead_amount,
        cac_amount,
        cast(wins_count as {{ dbt.type_numeric() }}) / nullif(leads_count, 0) as lead_to_win_rate,
        -- The same rule as rpt_monthly_unit_economics.is_low_sample (one var).
        wins_count < {{ var('unit_economics_min_wins') }} as is_low_sample,
        case when wins_count >= {{ var('unit_economics_min_wins') }} then cac_amount end as sample_cac_amount,
        case
            when wins_count >= {{ var('unit_economics_min_wins') }}
                then cast(wins_count as {{ dbt.type_numeric() }}) / nullif(leads_count, 0)
        end as sample_lead_to_win_rate
    from monthly
    where is_cost_complete

),

windowed as (

    select
        *,
        row_number() over (partition by channel order by month_start_date) as history_months_count,
        avg(cost_per_lead_amount) over (
            partition by channel order by month_start_date
            rows between {{ rolling_months - 1 }} preceding and current row
        ) as rolling_cost_per_lead_amount,
        avg(sample_cac_amount) over (
            partition by channel order by month_start_date
            rows between {{ rolling_months - 1 }} preceding and current row
        ) as rolling_cac_amount,
        avg(sample_lead_to_win_rate) over (
            partition by channel order by month_start_date
            rows between {{ rolling_months - 1 }} preceding and current row
        ) as rolling_lead_to_win_rate,
        avg(cost_per_lead_amount) over (
            partition by channel order by month_start_date
            rows between {{ rolling_months }} preceding and 1 preceding
        ) as prior_cost_per_lead_amount,
        avg(sample_cac_amount) over (
            partition by channel order by month_start_date
            rows between {{ rolling_months }} preceding and 1 preceding
        ) as prior_cac_amount,
        avg(sample_lead_to_win_rate) over (
            partition by channel order by month_start_date
            rows between {{ rolling_months }} preceding and 1 preceding
        ) as prior_lead_to_win_rate,
        lag(cost_per_lead_amount) over (partition by channel order by month_start_date)
            as previous_cost_per_lead_amount,
        lag(cac_amount) over (partition by channel order by month_start_date) as previous_cac_amount,
        lag(lead_to_win_rate) over (partition by channel order by month_start_date) as previous_lead_to_win_rate
    from cost_complete

),

flagged as (

    select
        *,
        coalesce(
            sample_cac_amount > prior_cac_amount * (1 + {{ var('efficiency_alert_cac_increase') }}), false
        ) as is_cac_alert,
        coalesce(
            cost_per_lead_amount
            > prior_cost_per_lead_amount * (1 + {{ var('efficiency_alert_cost_per_lead_increase') }}), false
        ) as is_cost_per_lead_alert,
        coalesce(
            sample_lead_to_win_rate < prior_lead_to_win_rate * (1 - {{ var('efficiency_alert_win_rate_drop') }}),
            false
        ) as is_win_rate_alert,
        {#- Sub-scores: a low-sample month scores 50 on CAC and win rate (no evidence either way); no value this
            month (no leads, or no wins on a cost-complete month above the sample floor) scores 0; no usable
            baseline scores 50. -#}
        case
            when is_low_sample then 50
            when cac_amount is null then 0
            when prior_cac_amount is null or prior_cac_amount = 0 then 50
            else 50 + 100 * (prior_cac_amount - cac_amount) / prior_cac_amount
        end as cac_score_raw,
        case
            when cost_per_lead_amount is null then 0
            when prior_cost_per_lead_amount is null or prior_cost_per_lead_amount = 0 then 50
            else 50 + 100 * (prior_cost_per_lead_amount - cost_per_lead_amount) / prior_cost_per_lead_amount
        end as cost_per_lead_score_raw,
        case
            when is_low_sample then 50
            when lead_to_win_rate is null then 0
            when prior_lead_to_win_rate is null or prior_lead_to_win_rate = 0 then 50
            else 50 + 100 * (lead_to_win_rate - prior_lead_to_win_rate) / prior_lead_to_win_rate
        end as lead_to_win_score_raw,
        case when rolling_cac_amount < prior_cac_amount then 1 else 0 end
        + case when rolling_cost_per_lead_amount < prior_cost_per_lead_amount then 1 else 0 end
        + case when rolling_lead_to_win_rate > prior_lead_to_win_rate then 1 else 0 end as improved_metrics_count,
        case when rolling_cac_amount > prior_cac_amount then 1 else 0 end
        + case when rolling_cost_per_lead_amount > prior_cost_per_lead_amount then 1 else 0 end
        + case when rolling_lead_to_win_rate < prior_lead_to_win_rate then 1 else 0 end as worsened_metrics_count
    from windowed

),

scored as (

    select
        *,
        case when is_cac_alert then 1 else 0 end
        + case when is_cost_per_lead_alert then 1 else 0 end
        + case when is_win_rate_alert then 1 else 0 end as alert_count,
        {{ score_weights['cac'] }} * (case
            when cac_score_raw < 0 then 0 when cac_score_raw > 100 then 100 else cac_score_raw
        end)
        + {{ score_weights['cost_per_lead'] }} * (case
            when cost_per_lead_score_raw < 0 then 0
            when cost_per_lead_score_raw > 100 then 100
            else cost_per_lead_score_raw
        end)
        + {{ score_weights['lead_to_win'] }} * (case
            when lead_to_win_score_raw < 0 then 0 when lead_to_win_score_raw > 100 then 100 else lead_to_win_score_raw
        end) as efficiency_score_raw
    from flagged

),

final as (

    select
        month_start_date,
        channel,
        history_months_count,
        leads_count,
        wins_count,
        total_cost_amount,
        cost_per_lead_amount,
        cac_amount,
        cast(round(lead_to_win_rate, 6) as decimal(10, 6)) as lead_to_win_rate,
        cast(rolling_cost_per_lead_amount as {{ type_money() }}) as rolling_cost_per_lead_amount,
        cast(rolling_cac_amount as {{ type_money() }}) as rolling_cac_amount,
        cast(round(rolling_lead_to_win_rate, 6) as decimal(10, 6)) as rolling_lead_to_win_rate,
        cast(prior_cost_per_lead_amount as {{ type_money() }}) as prior_cost_per_lead_amount,
        cast(prior_cac_amount as {{ type_money() }}) as prior_cac_amount,
        cast(round(prior_lead_to_win_rate, 6) as decimal(10, 6)) as prior_lead_to_win_rate,
        cast(cost_per_lead_amount - previous_cost_per_lead_amount as {{ type_money() }})
            as cost_per_lead_mom_change_amount,
        cast(round(
            (cost_per_lead_amount - previous_cost_per_lead_amount) / nullif(previous_cost_per_lead_amount, 0), 6
        ) as decimal(12, 6)) as cost_per_lead_mom_change_rate,
        cast(cac_amount - previous_cac_amount as {{ type_money() }}) as cac_mom_change_amount,
        cast(round((cac_amount - previous_cac_amount) / nullif(previous_cac_amount, 0), 6) as decimal(12, 6))
            as cac_mom_change_rate,
        cast(round(lead_to_win_rate - previous_lead_to_win_rate, 6) as decimal(10, 6))
            as lead_to_win_rate_mom_change_points,
        cast(round(
            (lead_to_win_rate - previous_lead_to_win_rate) / nullif(previous_lead_to_win_rate, 0), 6
        ) as decimal(12, 6)) as lead_to_win_rate_mom_change_rate,
        is_cac_alert,
        is_cost_per_lead_alert,
        is_win_rate_alert,
        alert_count,
        is_low_sample,
        case
            when alert_count = 0 and is_low_sample then 'Low Sample'
            when alert_count = 0 then 'None'
            when alert_count = 1 then 'Watch'
            else 'Alert'
        end as alert_level,
        cast(case when history_months_count > 1 then round(efficiency_score_raw, 1) end as decimal(5, 1))
            as efficiency_score,
        case
            when history_months_count < {{ trend_min_history_months }} then 'Insufficient Data'
            when improved_metrics_count > worsened_metrics_count then 'Improving'
            when worsened_metrics_count > improved_metrics_count then 'Declining'
            else 'Stable'
        end as efficiency_trend
    from scored

)

select * from final
