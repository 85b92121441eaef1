-- Delivery bookkeeping for scheduling, retries and tracking.
ALTER TABLE "emails" ADD COLUMN "scheduledAt" TIMESTAMP(3);
ALTER TABLE "emails" ADD COLUMN "nextAttemptAt" TIMESTAMP(3);
ALTER TABLE "emails" ADD COLUMN "sendAttempts" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "emails" ADD COLUMN "lastError" TEXT;
ALTER TABLE "emails" ADD COLUMN "lockedBy" TEXT;
ALTER TABLE "emails" ADD COLUMN "lockedUntil" TIMESTAMP(3);
ALTER TABLE "emails" ADD COLUMN "messageId" TEXT;
ALTER TABLE "emails" ADD COLUMN "trackingToken" TEXT;

-- The scheduler's claim query: due SCHEDULED emails in due order. Partial, so it stays tiny.
CREATE INDEX "emails_due_idx" ON "emails"("nextAttemptAt") WHERE "status" = 'SCHEDULED';
-- Open-tracking pixel lookups.
CREATE UNIQUE INDEX "emails_trackingToken_key" ON "emails"("trackingToken");
