DROP INDEX IF EXISTS "contacts_userId_nextTouchAt_idx";
ALTER TABLE "contacts" DROP COLUMN "snoozedUntil";
ALTER TABLE "contacts" DROP COLUMN "nextTouchAt";
ALTER TABLE "contacts" DROP COLUMN "lastTouchAt";
ALTER TABLE "contacts" DROP COLUMN "stayInTouchDays";
