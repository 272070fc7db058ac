using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Reeltime.Platform.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class CaptionSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Caption search: an FTS5 index over Videos.Caption, kept current by triggers (external content, so
            // captions are stored once). unicode61 folds case and diacritics; prefix indexes serve type-ahead.
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "VideoSearch" USING fts5("Caption", content='Videos', content_rowid='Id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Videos_SearchInsert" AFTER INSERT ON "Videos" BEGIN
                  INSERT INTO "VideoSearch"(rowid, "Caption") VALUES (new."Id", new."Caption");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Videos_SearchDelete" AFTER DELETE ON "Videos" BEGIN
                  INSERT INTO "VideoSearch"("VideoSearch", rowid, "Caption") VALUES ('delete', old."Id", old."Caption");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Videos_SearchUpdate" AFTER UPDATE OF "Caption" ON "Videos" BEGIN
                  INSERT INTO "VideoSearch"("VideoSearch", rowid, "Caption") VALUES ('delete', old."Id", old."Caption");
                  INSERT INTO "VideoSearch"(rowid, "Caption") VALUES (new."Id", new."Caption");
                END;
                """);
            migrationBuilder.Sql("""INSERT INTO "VideoSearch"("VideoSearch") VALUES ('rebuild');""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Videos_SearchUpdate";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Videos_SearchDelete";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Videos_SearchInsert";""");
            migrationBuilder.Sql("""DROP TABLE IF EXISTS "VideoSearch";""");
        }
    }
}
