using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Reeltime.Platform.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class CaptionSearch : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Caption search: a generated tsvector ('simple' configuration: no stemming, so every language is
            // treated alike) with a GIN index; prefix queries (term:*) serve type-ahead.
            migrationBuilder.Sql("""
                ALTER TABLE "Videos" ADD COLUMN "SearchVector" tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce("Caption", ''))) STORED;
                """);
            migrationBuilder.Sql("""CREATE INDEX "IX_Videos_SearchVector" ON "Videos" USING GIN ("SearchVector");""");
            migrationBuilder.Sql("""CREATE INDEX "IX_Users_NormalizedUsername_Prefix" ON "Users" ("NormalizedUsername" text_pattern_ops);""");
            migrationBuilder.Sql("""CREATE INDEX "IX_Hashtags_Name_Prefix" ON "Hashtags" ("Name" text_pattern_ops);""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP INDEX IF EXISTS "IX_Hashtags_Name_Prefix";""");
            migrationBuilder.Sql("""DROP INDEX IF EXISTS "IX_Users_NormalizedUsername_Prefix";""");
            migrationBuilder.Sql("""DROP INDEX IF EXISTS "IX_Videos_SearchVector";""");
            migrationBuilder.Sql("""ALTER TABLE "Videos" DROP COLUMN IF EXISTS "SearchVector";""");
        }
    }
}
