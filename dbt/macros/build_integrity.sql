{#
    Keeping the warehouse whole while dbt rebuilds a relation.

    dbt builds a table or view under a temporary name, renames the old one to `<name>__dbt_backup`, renames
    the new one into place and, after the commit, drops the backup with CASCADE. Postgres views bind to the
    relation they read, not its name, so that drop takes every view built on the old relation with it:
    rebuilding a staging view or a table alone (`gtm build -s +model`, a build killed half-way, a retry)
    left the views downstream of it missing until a full build recreated them.

    These two hooks (project-wide, inside the model's transaction) avoid that:
    - the pre-hook records the views that depend on the relation, directly or through other views, with
      their definitions, comments, owners and grants (a temporary table dropped at commit);
    - the post-hook drops the backup itself, inside the same transaction, and recreates each recorded view
      the drop removed, in dependency order, now reading the new relation.
    Readers therefore see the old relation and its views or the new ones, never a missing view, and a build
    killed at any moment rolls the model's transaction back whole.
#}
{% macro capture_dependent_views() -%}
    {{ return(adapter.dispatch('capture_dependent_views', 'gtm_warehouse')()) }}
{%- endmacro %}

{% macro default__capture_dependent_views() -%}
    select 1 {#- other warehouses do not drop dependent views with the relation they read #}
{%- endmacro %}

{% macro postgres__capture_dependent_views() -%}
    {%- set relation = adapter.quote(this.schema) ~ '.' ~ adapter.quote(this.identifier) -%}
    {%- set relation = dbt.string_literal(relation) -%}
    drop table if exists pg_temp.gtm_dependent_views;
    create temporary table gtm_dependent_views on commit drop as
    with recursive dependents (view_oid, depth) as (
        select rewrite.ev_class, 1
        from pg_depend as dependency
        inner join pg_rewrite as rewrite on dependency.objid = rewrite.oid
        where
            dependency.classid = 'pg_rewrite'::regclass
            and dependency.refclassid = 'pg_class'::regclass
            and dependency.refobjid = to_regclass({{ relation }})
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

    select
        namespace.nspname as schema_name,
        class.relname as view_name,
        max(dependents.depth) as depth,
        pg_get_viewdef(class.oid) as definition,
        pg_get_userbyid(class.relowner) as owner_name,
        obj_description(class.oid, 'pg_class') as description,
        (
            select
                coalesce(
                    jsonb_agg(jsonb_build_array(attribute.attname, col_description(class.oid, attribute.attnum))),
                    '[]'::jsonb
                )
            from pg_attribute as attribute
            where
                attribute.attrelid = class.oid
                and attribute.attnum > 0
                and col_description(class.oid, attribute.attnum) is not null
        ) as column_descriptions,
        (
            select coalesce(jsonb_agg(jsonb_build_array(acl.privilege_type, acl.grantee)), '[]'::jsonb)
            from aclexplode(class.relacl) as acl
            where acl.grantee <> class.relowner
        ) as grants
    from dependents
    inner join pg_class as class on dependents.view_oid = class.oid
    inner join pg_namespace as namespace on class.relnamespace = namespace.oid
    where class.relkind = 'v'
    group by namespace.nspname, class.relname, class.oid, class.relowner, class.relacl
{%- endmacro %}

{% macro restore_dependent_views() -%}
    {{ return(adapter.dispatch('restore_dependent_views', 'gtm_warehouse')()) }}
{%- endmacro %}

{% macro default__restore_dependent_views() -%}
    select 1
{%- endmacro %}

{% macro postgres__restore_dependent_views() -%}
    {%- set backup = adapter.quote(this.schema) ~ '.' ~ adapter.quote(this.identifier ~ '__dbt_backup') -%}
    do $gtm_restore$
    declare
        backup_kind "char";
        dependent record;
        item jsonb;
        target text;
    begin
        select relkind into backup_kind
        from pg_class where oid = to_regclass({{ dbt.string_literal(backup) }});
        if backup_kind = 'v' then
            execute 'drop view {{ backup }} cascade';
        elsif backup_kind in ('r', 'p') then
            execute 'drop table {{ backup }} cascade';
        end if;
        if to_regclass('pg_temp.gtm_dependent_views') is null then
            return;
        end if;
        for dependent in select * from pg_temp.gtm_dependent_views order by depth, schema_name, view_name loop
            target := format('%I.%I', dependent.schema_name, dependent.view_name);
            continue when to_regclass(target) is not null;
            execute format('create view %s as %s', target, dependent.definition);
            if dependent.owner_name <> current_user then
                execute format('alter view %s owner to %I', target, dependent.owner_name);
            end if;
            if dependent.description is not null then
                execute format('comment on view %s is %L', target, dependent.description);
            end if;
            for item in select * from jsonb_array_elements(dependent.column_descriptions) loop
                execute format('comment on column %s.%I is %L', target, item ->> 0, item ->> 1);
            end loop;
            for item in select * from jsonb_array_elements(dependent.grants) loop
                execute format(
                    'grant %s on %s to %s',
                    item ->> 0,
                    target,
                    case
                        when (item ->> 1)::oid = 0 then 'public'
                        else quote_ident(pg_get_userbyid((item ->> 1)::oid))
                    end
                );
            end loop;
        end loop;
    end
    $gtm_restore$
{%- endmacro %}
