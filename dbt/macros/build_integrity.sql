{#
    Keeping the warehouse whole across selective, failed and killed builds.

    dbt builds a table or view under a temporary name, renames the old one to `<name>__dbt_backup`, renames
    the new one into place and, after the commit, drops the backup with CASCADE. Postgres views bind to the
    relation they read, not to its name, so that drop takes every view built on the old relation with it:
    rebuilding a staging view or a table alone (`gtm build -s +model`, a retry) left the views downstream of
    it missing until a full build recreated them.

    - on-run-start creates the register `_gtm_dependent_views` in the target's staging schema, and the
      function `_gtm_restore_dependent_views()` beside it (only when there is something to record), and
      records every view that depends (directly
      or through other views) on a relation in the schemas this project builds into: definition, owner,
      comments, grants;
    - on-run-end recreates every recorded view that is missing, in dependency order (as many passes as
      progress is made), on the new relations, then forgets the ones that exist.
    A build killed before its end leaves its records behind (committed at its start): `gtm` runs the same
    restore before it starts any writing dbt command (gtm.transform.dbt_runner), and any later run restores
    them at its end.

    The record is taken once, before any model runs, not in a pre-hook of each model: pg_get_viewdef locks
    every relation a view reads, and inside parallel model transactions that met the drop of another
    thread's old table (drop ... cascade waits for the view, the capture waits for the table) and the
    threads deadlocked. The recreation happens at the end of the run for the same reason.
#}
{% macro dependent_views_register() -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema=generate_schema_name('staging', none),
        identifier='_gtm_dependent_views',
        type='table',
    )) }}
{%- endmacro %}

{% macro create_dependent_views_register() -%}
    {{ return(adapter.dispatch('create_dependent_views_register', 'gtm_warehouse')()) }}
{%- endmacro %}

{% macro default__create_dependent_views_register() -%}
    select 1 {#- other warehouses do not drop dependent views with the relation they read #}
{%- endmacro %}

{% macro postgres__create_dependent_views_register() -%}
    {%- set register = dependent_views_register() -%}
    create schema if not exists {{ adapter.quote(register.schema) }};
    create table if not exists {{ register }} (
        schema_name text not null,
        view_name text not null,
        depth integer not null,
        definition text not null,
        owner_name text not null,
        description text,
        column_descriptions jsonb not null,
        grants jsonb not null,
        captured_at timestamptz not null default clock_timestamp()
    );
    comment on table {{ register }} is
    'Views dropped with a relation dbt replaced, recreated by on-run-end (macros/build_integrity.sql).';
    {{ restore_function_sql(register) }}
{%- endmacro %}

{% macro capture_dependent_views() -%}
    {{ return(adapter.dispatch('capture_dependent_views', 'gtm_warehouse')()) }}
{%- endmacro %}

{% macro default__capture_dependent_views() -%}
    select 1
{%- endmacro %}

{% macro postgres__capture_dependent_views() -%}
    {#- Nothing to record (a first build, a slim CI build into fresh schemas): no register is created. -#}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set schemas = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type in ('model', 'seed', 'snapshot') -%}
        {%- if node.schema not in schemas -%}{%- do schemas.append(node.schema) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not schemas -%}{{ return('select 1') }}{%- endif -%}
    {%- set count_sql = "select count(*) from (" ~ dependent_views_sql(schemas) ~ ") as recorded" -%}
    {%- if run_query(count_sql).columns[0].values()[0] == 0 -%}{{ return('select 1') }}{%- endif -%}
    {%- set register = dependent_views_register() -%}
    {{ create_dependent_views_register() }};
    {#- pg_get_viewdef locks what each view reads. Another process building this target (an Airflow task)
        may be dropping one of those with CASCADE, which waits for the view: the record gives way (a lock
        wait shorter than the deadlock timeout, then a retry) instead of deadlocking that build. -#}
    do $gtm_capture$
    declare
        attempt integer := 0;
    begin
        set local lock_timeout = '200ms';
        loop
            begin
                delete from {{ register }} where to_regclass(format('%I.%I', schema_name, view_name)) is not null;
                insert into {{ register }} (
                    schema_name, view_name, depth, definition, owner_name, description, column_descriptions,
                    grants
                )
                {{ dependent_views_sql(schemas) | indent(16) }};
                exit;
            exception when lock_not_available or deadlock_detected then
                attempt := attempt + 1;
                if attempt >= 100 then
                    raise;
                end if;
                perform pg_sleep(0.05 * least(attempt, 20));
            end;
        end loop;
    end
    $gtm_capture$
{%- endmacro %}

{#- Every view that reads, directly or through other views, a relation in one of `schemas`, with what it
    takes to recreate it. -#}
{% macro dependent_views_sql(schemas) -%}
    with recursive dependents (view_oid, depth) as (
        select rewrite.ev_class, 1
        from pg_depend as dependency
        inner join pg_rewrite as rewrite on dependency.objid = rewrite.oid
        inner join pg_class as parent on dependency.refobjid = parent.oid
        inner join pg_namespace as parent_namespace on parent.relnamespace = parent_namespace.oid
        where
            dependency.classid = 'pg_rewrite'::regclass
            and dependency.refclassid = 'pg_class'::regclass
            and rewrite.ev_class <> dependency.refobjid
            and parent_namespace.nspname in (
                {%- for schema in schemas %}{{ dbt.string_literal(schema) }}{{ ", " if not loop.last }}{% endfor -%}
            )
        union
        select rewrite.ev_class, dependents.depth + 1
        from dependents
        inner join pg_depend as dependency
            on
                dependents.view_oid = dependency.refobjid
                and dependency.classid = 'pg_rewrite'::regclass
                and dependency.refclassid = 'pg_class'::regclass
        inner join pg_rewrite as rewrite on dependency.objid = rewrite.oid
        where rewrite.ev_class <> dependency.refobjid
    ),

    deepest as (
        select
            view_oid,
            max(depth) as depth
        from dependents
        group by view_oid
    )

    select
        namespace.nspname,
        class.relname,
        deepest.depth,
        pg_get_viewdef(class.oid),
        pg_get_userbyid(class.relowner),
        obj_description(class.oid, 'pg_class'),
        (
            select coalesce(
                jsonb_agg(jsonb_build_array(attribute.attname, col_description(class.oid, attribute.attnum))),
                '[]'::jsonb
            )
            from pg_attribute as attribute
            where
                attribute.attrelid = class.oid
                and attribute.attnum > 0
                and col_description(class.oid, attribute.attnum) is not null
        ),
        (
            select coalesce(jsonb_agg(jsonb_build_array(acl.privilege_type, acl.grantee)), '[]'::jsonb)
            from aclexplode(class.relacl) as acl
            where acl.grantee <> class.relowner
        )
    from deepest
    inner join pg_class as class on deepest.view_oid = class.oid
    inner join pg_namespace as namespace on class.relnamespace = namespace.oid
    where class.relkind = 'v'
{%- endmacro %}

{% macro restore_dependent_views() -%}
    {{ return(adapter.dispatch('restore_dependent_views', 'gtm_warehouse')()) }}
{%- endmacro %}

{% macro default__restore_dependent_views() -%}
    select 1
{%- endmacro %}

{% macro postgres__restore_dependent_views() -%}
    {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
    {%- set register = dependent_views_register() -%}
    {%- set function = register.schema ~ '._gtm_restore_dependent_views' -%}
    {%- set exists_sql = "select to_regproc(" ~ dbt.string_literal(function) ~ ") is not null" -%}
    {%- if not run_query(exists_sql).columns[0].values()[0] -%}{{ return('select 1') }}{%- endif -%}
    {%- set left = run_query(
        "select * from " ~ adapter.quote(register.schema) ~ "._gtm_restore_dependent_views()"
    ).columns[0].values() -%}
    {%- if left | length > 0 -%}
        {{ log(
            "Could not recreate " ~ (left | join(", ")) ~ " (dropped with a relation this project replaced);"
            ~ " build them with `gtm build -s <model>`.",
            info=true,
        ) }}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}

{#- A function, so that `gtm` can restore what a killed build left behind before dbt starts (and reads its
    relation cache): it recreates every recorded view that is missing and returns the ones it could not. -#}
{% macro restore_function_sql(register) -%}
    create or replace function {{ adapter.quote(register.schema) }}._gtm_restore_dependent_views()
    returns setof text
    language plpgsql
    -- A view whose parents another build holds is left for a later pass or run, never waited on.
    set lock_timeout = '200ms'
    as $gtm_restore$
    declare
        dependent record;
        item jsonb;
        target_name text;
        progress boolean := true;
    begin
        while progress loop
            progress := false;
            for dependent in
                select distinct on (schema_name, view_name) *
                from {{ register }}
                where to_regclass(format('%I.%I', schema_name, view_name)) is null
                order by schema_name, view_name, captured_at desc
            loop
                target_name := format('%I.%I', dependent.schema_name, dependent.view_name);
                begin
                    execute format('create view %s as %s', target_name, dependent.definition);
                exception when others then
                    -- It reads another missing view (a later pass creates it first) or a column that is
                    -- gone (then it stays in the register and its model must be rebuilt).
                    continue;
                end;
                progress := true;
                if dependent.owner_name <> current_user then
                    execute format('alter view %s owner to %I', target_name, dependent.owner_name);
                end if;
                if dependent.description is not null then
                    execute format('comment on view %s is %L', target_name, dependent.description);
                end if;
                for item in select * from jsonb_array_elements(dependent.column_descriptions) loop
                    execute format('comment on column %s.%I is %L', target_name, item ->> 0, item ->> 1);
                end loop;
                for item in select * from jsonb_array_elements(dependent.grants) loop
                    execute format(
                        'grant %s on %s to %s',
                        item ->> 0,
                        target_name,
                        case
                            when (item ->> 1)::oid = 0 then 'public'
                            else quote_ident(pg_get_userbyid((item ->> 1)::oid))
                        end
                    );
                end loop;
            end loop;
        end loop;
        delete from {{ register }} where to_regclass(format('%I.%I', schema_name, view_name)) is not null;
        return query select distinct format('%I.%I', schema_name, view_name) from {{ register }};
    end
    $gtm_restore$
{%- endmacro %}
