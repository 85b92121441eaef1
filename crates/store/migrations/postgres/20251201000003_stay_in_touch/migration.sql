-- Stay in touch: a cadence per contact, the latest real contact, and the stored instant the
-- contact becomes due, so the due list is one range scan of ("userId", "nextTouchAt").
ALTER TABLE "contacts" ADD COLUMN "stayInTouchDays" INTEGER;
ALTER TABLE "contacts" ADD COLUMN "lastTouchAt" TIMESTAMP(3);
ALTER TABLE "contacts" ADD COLUMN "nextTouchAt" TIMESTAMP(3);
ALTER TABLE "contacts" ADD COLUMN "snoozedUntil" TIMESTAMP(3);
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_stayInTouchDays_check"
    CHECK ("stayInTouchDays" IS NULL OR "stayInTouchDays" BETWEEN 1 AND 3650);

-- Existing contacts get the default cadence of their priority and their latest real contact.
UPDATE "contacts" c SET
    "stayInTouchDays" = CASE c."priority" WHEN 'HIGH' THEN 30 WHEN 'MEDIUM' THEN 60 ELSE 180 END,
    "lastTouchAt" = (SELECT MAX(h."timestamp") FROM "conversation_history" h WHERE h."contactId" = c."id");
UPDATE "contacts" SET "lastTouchAt" = "lastContactedAt"
    WHERE "lastContactedAt" IS NOT NULL AND ("lastTouchAt" IS NULL OR "lastTouchAt" < "lastContactedAt");
UPDATE "contacts" SET "nextTouchAt" =
    COALESCE("lastTouchAt", "createdAt") + make_interval(days => "stayInTouchDays")
    WHERE "email" IS NOT NULL;

CREATE INDEX "contacts_userId_nextTouchAt_idx" ON "contacts"("userId", "nextTouchAt");
