DROP INDEX IF EXISTS "contacts_userId_nextTouchAt_idx";
ALTER TABLE "contacts" DROP CONSTRAINT IF EXISTS "contacts_stayInTouchDays_check";
ALTER TABLE "contacts" DROP COLUMN IF EXISTS "snoozedUntil";
ALTER TABLE "contacts" DROP COLUMN IF EXISTS "nextTouchAt";
ALTER TABLE "contacts" DROP COLUMN IF EXISTS "lastTouchAt";
ALTER TABLE "contacts" DROP COLUMN IF EXISTS "stayInTouchDays";
