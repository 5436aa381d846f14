using Microsoft.EntityFrameworkCore.Migrations;

namespace CrmBlazor.Data;

/// <summary>
/// Database triggers that make the audit log append-only below EF too (issue #20): an UPDATE or DELETE on the table
/// fails, whoever sends it (ExecuteUpdate/ExecuteDelete, a SQL console). Used by each provider's AuditLog migration.
/// </summary>
public static class AuditLogTriggers
{
    public const string Message = "The audit log is append-only.";
    public const string SqlServerName = "TR_AuditLog_AppendOnly";

    public static void CreateSqlite(MigrationBuilder b)
    {
        b.Sql($"CREATE TRIGGER \"TR_AuditLog_NoUpdate\" BEFORE UPDATE ON \"AuditLog\" BEGIN SELECT RAISE(ABORT, '{Message}'); END;");
        b.Sql($"CREATE TRIGGER \"TR_AuditLog_NoDelete\" BEFORE DELETE ON \"AuditLog\" BEGIN SELECT RAISE(ABORT, '{Message}'); END;");
    }

    public static void DropSqlite(MigrationBuilder b)
    {
        b.Sql("DROP TRIGGER IF EXISTS \"TR_AuditLog_NoUpdate\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_AuditLog_NoDelete\";");
    }

    public static void CreatePostgres(MigrationBuilder b)
    {
        b.Sql($"""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{Message}';
            END $$;
            """);
        b.Sql("CREATE TRIGGER \"TR_AuditLog_AppendOnly\" BEFORE UPDATE OR DELETE ON \"AuditLog\" FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();");
        b.Sql("CREATE TRIGGER \"TR_AuditLog_NoTruncate\" BEFORE TRUNCATE ON \"AuditLog\" FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();");
    }

    public static void DropPostgres(MigrationBuilder b)
    {
        b.Sql("DROP TRIGGER IF EXISTS \"TR_AuditLog_NoTruncate\" ON \"AuditLog\";");
        b.Sql("DROP TRIGGER IF EXISTS \"TR_AuditLog_AppendOnly\" ON \"AuditLog\";");
        b.Sql("DROP FUNCTION IF EXISTS audit_log_append_only();");
    }

    public static void CreateSqlServer(MigrationBuilder b) =>
        b.Sql($"""
            CREATE TRIGGER [{SqlServerName}] ON [AuditLog] INSTEAD OF UPDATE, DELETE AS
            BEGIN
                THROW 51000, '{Message}', 1;
            END
            """);

    public static void DropSqlServer(MigrationBuilder b) => b.Sql($"DROP TRIGGER IF EXISTS [{SqlServerName}];");
}
