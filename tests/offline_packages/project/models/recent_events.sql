-- Timestamps relative to build time; a day of margin keeps the checks independent of time zones.
select 'good' as kind, current_timestamp - interval '1 day' as event_at
union all
select 'good' as kind, current_timestamp - interval '10 days' as event_at
union all
select 'bad' as kind, current_timestamp - interval '30 days' as event_at
union all
-- future rows must be ignored, otherwise they would make the stale 'bad' rows look fresh
select 'bad' as kind, current_timestamp + interval '10 days' as event_at
