{#
    Keeping the warehouse whole across selective, failed and killed builds.

    dbt builds a table or view under a temporary name, renames the old one to `<name>__dbt_backup`, renames
    the new one into place and, after the commit, drops the backup with CASCADE. Postgres views bind to the
    relation they read, not to its name, so that drop takes every view built on the old relation with it:
    rebuilding a staging view or a table alone (`gtm build -s +model`, a retry) left the views downstream of
    it missing until a full build recreated them.

    - on-run-start creates the register `_gtm_dependent_views` in the target's staging schema, and the
      function `_gtm_restore_dependent_views()` beside it;
    - a project-wide pre-hook records, inside the model's transaction, every view that depends on the
      relation about to be replaced (directly or through other views): definition, owner, comments, grants;
    - on-run-end recreates every recorded view that is missing, in dependency order (as many passes as
      progress is made), on the new relations, then forgets the ones that exist.
    A build killed before its end leaves its records behind (they commit with each model): `gtm` runs the
    same restore before it starts any writing dbt command (gtm.transform.dbt_runner), and any later run
    restores them at its end.

    The recreation happens at the end of the run, not inside each model's transaction: doing it there took
    locks on views shared by models that dbt builds in parallel threads, and the threads deadlocked.
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
    {%- set relation = adapter.quote(this.schema) ~ '.' ~ adapter.quote(this.identifier) -%}
    do $gtm_capture$
    declare
        dependent record;
    begin
        for dependent in
            with recursive dependents (view_oid, depth) as (
                select rewrite.ev_class, 1
                from pg_depend as dependency
                inner join pg_rewrite as rewrite on dependency.objid = rewrite.oid
                where
                    dependency.classid = 'pg_rewrite'::regclass
                    and dependency.refclassid = 'pg_class'::regclass
                    and dependency.refobjid = to_regclass({{ dbt.string_literal(relation) }})
                    and rewrite.ev_class <> dependency.refobjid
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
            )

            select view_oid, max(depth) as depth from dependents group by view_oid
        loop
            begin
                insert into {{ dependent_views_register() }} (
                    schema_name, view_name, depth, definition, owner_name, description, column_descriptions,
                    grants
                )
                select
                    namespace.nspname,
                    class.relname,
                    dependent.depth,
                    pg_get_viewdef(class.oid),
                    pg_get_userbyid(class.relowner),
                    obj_description(class.oid, 'pg_class'),
                    (
                        select coalesce(
                            jsonb_agg(
                                jsonb_build_array(attribute.attname, col_description(class.oid, attribute.attnum))
                            ),
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
                from pg_class as class
                inner join pg_namespace as namespace on class.relnamespace = namespace.oid
                where class.oid = dependent.view_oid and class.relkind = 'v';
            exception when others then
                -- Dropped meanwhile by a model another thread builds: that model recreates it itself.
                null;
            end;
        end loop;
    end
    $gtm_capture$
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
