-- Issue 12, daily digest and per-user cadence defaults.
--
-- Preferences gain the cadence defaults by priority (0 = no cadence by default), the digest
-- switches, the local digest time and the next instant a daily pass is due (indexed, so finding
-- users whose pass is due is a range scan, not a scan of every user). A preferences row may now
-- exist before a time zone is chosen.
ALTER TABLE "user_preferences" ALTER COLUMN "timeZone" DROP NOT NULL;
ALTER TABLE "user_preferences" ADD COLUMN "cadenceHighDays" INTEGER NOT NULL DEFAULT 30;
ALTER TABLE "user_preferences" ADD COLUMN "cadenceMediumDays" INTEGER NOT NULL DEFAULT 60;
ALTER TABLE "user_preferences" ADD COLUMN "cadenceLowDays" INTEGER NOT NULL DEFAULT 180;
ALTER TABLE "user_preferences" ADD COLUMN "dailyDigest" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "user_preferences" ADD COLUMN "autoDraft" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "user_preferences" ADD COLUMN "digestTime" TEXT NOT NULL DEFAULT '08:00';
ALTER TABLE "user_preferences" ADD COLUMN "nextDigestAt" TIMESTAMP(3);
ALTER TABLE "user_preferences" ADD COLUMN "lastPassAt" TIMESTAMP(3);
ALTER TABLE "user_preferences" ADD COLUMN "lastDigestAt" TIMESTAMP(3);
ALTER TABLE "user_preferences" ADD CONSTRAINT "user_preferences_cadence_check" CHECK (
    "cadenceHighDays" BETWEEN 0 AND 3650 AND "cadenceMediumDays" BETWEEN 0 AND 3650 AND "cadenceLowDays" BETWEEN 0 AND 3650);
CREATE INDEX "user_preferences_nextDigestAt_idx" ON "user_preferences"("nextDigestAt");

-- A contact whose cadence is "the default of its priority" follows that default when it changes
-- (or when the contact's priority changes); a cadence set by hand (or "none") stays.
ALTER TABLE "contacts" ADD COLUMN "stayInTouchDefault" BOOLEAN NOT NULL DEFAULT true;
UPDATE "contacts" SET "stayInTouchDefault" = false
    WHERE "stayInTouchDays" IS DISTINCT FROM (CASE "priority" WHEN 'HIGH' THEN 30 WHEN 'MEDIUM' THEN 60 ELSE 180 END);

-- One row per user and local day: the claim (worker + lease) of that day's pass, then its outcome.
-- The unique key makes "exactly once per user per day" hold across processes and restarts.
CREATE TABLE "digests" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "worker" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "dueCount" INTEGER NOT NULL DEFAULT 0,
    "draftCount" INTEGER NOT NULL DEFAULT 0,
    "messageId" TEXT,
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "digests_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "digests_status_check" CHECK ("status" IN ('RUNNING', 'SENT', 'SKIPPED')),
    CONSTRAINT "digests_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "digests_userId_day_key" ON "digests"("userId", "day");

-- Which contacts were auto-drafted on which day: written in the transaction that stores the
-- draft, so a pass resumed after a crash never drafts a contact twice.
CREATE TABLE "digest_drafts" (
    "userId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "emailId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "digest_drafts_pkey" PRIMARY KEY ("userId", "day", "contactId"),
    CONSTRAINT "digest_drafts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "digest_drafts_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "digest_drafts_emailId_fkey" FOREIGN KEY ("emailId") REFERENCES "emails"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE INDEX "digest_drafts_contactId_idx" ON "digest_drafts"("contactId");
CREATE INDEX "digest_drafts_emailId_idx" ON "digest_drafts"("emailId");
