-- Issue 12, daily digest and per-user cadence defaults (see the PostgreSQL migration).
-- SQLite cannot drop NOT NULL in place: the preferences table is rebuilt with the new columns.
CREATE TABLE "user_preferences_new" (
    "userId" TEXT NOT NULL,
    "timeZone" TEXT,
    "updatedAt" DATETIME NOT NULL,
    "cadenceHighDays" INTEGER NOT NULL DEFAULT 30,
    "cadenceMediumDays" INTEGER NOT NULL DEFAULT 60,
    "cadenceLowDays" INTEGER NOT NULL DEFAULT 180,
    "dailyDigest" BOOLEAN NOT NULL DEFAULT false,
    "autoDraft" BOOLEAN NOT NULL DEFAULT false,
    "digestTime" TEXT NOT NULL DEFAULT '08:00',
    "nextDigestAt" DATETIME,
    "lastPassAt" DATETIME,
    "lastDigestAt" DATETIME,

    CONSTRAINT "user_preferences_pkey" PRIMARY KEY ("userId"),
    CONSTRAINT "user_preferences_cadence_check" CHECK (
        "cadenceHighDays" BETWEEN 0 AND 3650 AND "cadenceMediumDays" BETWEEN 0 AND 3650 AND "cadenceLowDays" BETWEEN 0 AND 3650),
    CONSTRAINT "user_preferences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "user_preferences_new" ("userId", "timeZone", "updatedAt")
    SELECT "userId", "timeZone", "updatedAt" FROM "user_preferences";
DROP TABLE "user_preferences";
ALTER TABLE "user_preferences_new" RENAME TO "user_preferences";
CREATE INDEX "user_preferences_nextDigestAt_idx" ON "user_preferences"("nextDigestAt");

ALTER TABLE "contacts" ADD COLUMN "stayInTouchDefault" BOOLEAN NOT NULL DEFAULT true;
UPDATE "contacts" SET "stayInTouchDefault" = false
    WHERE "stayInTouchDays" IS NOT (CASE "priority" WHEN 'HIGH' THEN 30 WHEN 'MEDIUM' THEN 60 ELSE 180 END);

CREATE TABLE "digests" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "status" TEXT NOT NULL CHECK ("status" IN ('RUNNING', 'SENT', 'SKIPPED')),
    "worker" TEXT,
    "leaseUntil" DATETIME,
    "dueCount" INTEGER NOT NULL DEFAULT 0,
    "draftCount" INTEGER NOT NULL DEFAULT 0,
    "messageId" TEXT,
    "finishedAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "digests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "digests_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "digests_userId_day_key" ON "digests"("userId", "day");

CREATE TABLE "digest_drafts" (
    "userId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "emailId" TEXT,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "digest_drafts_pkey" PRIMARY KEY ("userId", "day", "contactId"),
    CONSTRAINT "digest_drafts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "digest_drafts_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "digest_drafts_emailId_fkey" FOREIGN KEY ("emailId") REFERENCES "emails"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "digest_drafts_contactId_idx" ON "digest_drafts"("contactId");
CREATE INDEX "digest_drafts_emailId_idx" ON "digest_drafts"("emailId");
