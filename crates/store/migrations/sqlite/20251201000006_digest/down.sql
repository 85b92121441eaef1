DROP TABLE IF EXISTS "digest_drafts";
DROP TABLE IF EXISTS "digests";
ALTER TABLE "contacts" DROP COLUMN "stayInTouchDefault";
CREATE TABLE "user_preferences_old" (
    "userId" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    CONSTRAINT "user_preferences_pkey" PRIMARY KEY ("userId"),
    CONSTRAINT "user_preferences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "user_preferences_old" ("userId", "timeZone", "updatedAt")
    SELECT "userId", "timeZone", "updatedAt" FROM "user_preferences" WHERE "timeZone" IS NOT NULL;
DROP TABLE "user_preferences";
ALTER TABLE "user_preferences_old" RENAME TO "user_preferences";
