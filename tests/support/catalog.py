"""What a database's schema is made of, read from its catalog, to compare two databases."""

from __future__ import annotations

from sqlalchemy import Connection, text

LOTPROOF_SCHEMAS = ("quality", "audit", "erp", "erp_builtin", "accounts")

QUERIES = {
    "functions": """
        SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
               pg_get_functiondef(p.oid), coalesce(p.proacl::text, ''),
               pg_get_userbyid(p.proowner)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(:schemas)""",
    "triggers": """
        SELECT c.oid::regclass::text, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname = ANY(:schemas)""",
    "columns": """
        SELECT table_schema, table_name, column_name, data_type, is_nullable,
               coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema = ANY(:schemas)""",
    "indexes": """
        SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = ANY(:schemas)""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY(:schemas))""",
    "relations": """
        SELECT c.oid::regclass::text, c.relkind::text, pg_get_userbyid(c.relowner),
               coalesce(c.relacl::text, '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname = ANY(:schemas) OR n.nspname = 'public')
          AND c.relkind IN ('r', 'v', 'm', 'S', 'p')""",
    "schemas": """
        SELECT nspname, pg_get_userbyid(nspowner), coalesce(nspacl::text, '')
        FROM pg_namespace WHERE nspname = ANY(:schemas) OR nspname = 'public'""",
    "default_privileges": """
        SELECT pg_get_userbyid(defaclrole), defaclobjtype::text, coalesce(defaclacl::text, '')
        FROM pg_default_acl""",
}


def snapshot(conn: Connection) -> dict[str, set[tuple[object, ...]]]:
    schemas = list(LOTPROOF_SCHEMAS)
    return {name: {tuple(row) for row in conn.execute(text(q), {"schemas": schemas})}
            for name, q in QUERIES.items()}


def differences(a: dict[str, set[tuple[object, ...]]],
                b: dict[str, set[tuple[object, ...]]]) -> list[str]:
    """What is in one snapshot and not the other, a line each (the first few per kind)."""
    lines: list[str] = []
    for kind in QUERIES:
        for label, only in (("only in the first", a[kind] - b[kind]),
                            ("only in the second", b[kind] - a[kind])):
            for row in sorted(only, key=str)[:5]:
                lines.append(f"{kind} {label}: {str(row)[:300]}")
    return lines
