-- Stay in touch: a cadence per contact, the latest real contact, and the stored instant the
-- contact becomes due, so the due list is one range scan of ("userId", "nextTouchAt").
ALTER TABLE "contacts" ADD COLUMN "stayInTouchDays" INTEGER
    CHECK ("stayInTouchDays" IS NULL OR "stayInTouchDays" BETWEEN 1 AND 3650);
ALTER TABLE "contacts" ADD COLUMN "lastTouchAt" DATETIME;
ALTER TABLE "contacts" ADD COLUMN "nextTouchAt" DATETIME;
ALTER TABLE "contacts" ADD COLUMN "snoozedUntil" DATETIME;

-- Existing contacts get the default cadence of their priority and their latest real contact.
UPDATE "contacts" SET
    "stayInTouchDays" = CASE "priority" WHEN 'HIGH' THEN 30 WHEN 'MEDIUM' THEN 60 ELSE 180 END,
    "lastTouchAt" = (SELECT MAX(h."timestamp") FROM "conversation_history" h WHERE h."contactId" = "contacts"."id");
UPDATE "contacts" SET "lastTouchAt" = "lastContactedAt"
    WHERE "lastContactedAt" IS NOT NULL AND ("lastTouchAt" IS NULL OR "lastTouchAt" < "lastContactedAt");
UPDATE "contacts" SET "nextTouchAt" =
    strftime('%Y-%m-%d %H:%M:%f', COALESCE("lastTouchAt", "createdAt"), '+' || "stayInTouchDays" || ' days')
    WHERE "email" IS NOT NULL;

CREATE INDEX "contacts_userId_nextTouchAt_idx" ON "contacts"("userId", "nextTouchAt");
