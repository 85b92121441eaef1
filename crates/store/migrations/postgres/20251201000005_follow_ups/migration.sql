-- Follow-up sequences (issue 12): steps sent after an email when the contact does not reply.
-- A sequence belongs to the email that starts it; each step waits "afterSeconds" from the send
-- of the previous message ("previousEmailId"), then is drafted (and maybe sent) by a leased
-- worker. Any RECEIVED entry for the contact stops the pending steps (the store does it in the
-- transaction that inserts the entry). The contact and the emails are kept as SET NULL links so
-- a stopped sequence stays readable after they are deleted.
CREATE TABLE "follow_up_sequences" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "contactId" TEXT,
    "firstEmailId" TEXT,
    "stoppedAt" TIMESTAMP(3),
    "stoppedReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "follow_up_sequences_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "follow_up_sequences_stoppedReason_check"
        CHECK ("stoppedReason" IS NULL OR "stoppedReason" IN ('REPLIED', 'STOPPED_BY_USER', 'CONTACT_DELETED', 'EMAIL_DELETED')),
    CONSTRAINT "follow_up_sequences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "follow_up_sequences_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "follow_up_sequences_firstEmailId_fkey" FOREIGN KEY ("firstEmailId") REFERENCES "emails"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "follow_up_sequences_firstEmailId_key" ON "follow_up_sequences"("firstEmailId");
CREATE INDEX "follow_up_sequences_userId_contactId_idx" ON "follow_up_sequences"("userId", "contactId") WHERE "stoppedAt" IS NULL;

CREATE TABLE "follow_up_steps" (
    "id" TEXT NOT NULL,
    "sequenceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "afterSeconds" BIGINT NOT NULL,
    "instructions" TEXT,
    "templateId" TEXT,
    "autoSend" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "previousEmailId" TEXT,
    "dueAt" TIMESTAMP(3),
    "emailId" TEXT,
    "inReplyTo" TEXT,
    "references" TEXT,
    "lastError" TEXT,
    "lockedBy" TEXT,
    "lockedUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "follow_up_steps_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "follow_up_steps_status_check" CHECK ("status" IN ('PENDING', 'DRAFTED', 'SENT', 'STOPPED', 'FAILED')),
    CONSTRAINT "follow_up_steps_afterSeconds_check" CHECK ("afterSeconds" >= 1),
    CONSTRAINT "follow_up_steps_sequenceId_fkey" FOREIGN KEY ("sequenceId") REFERENCES "follow_up_sequences"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "follow_up_steps_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "follow_up_steps_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "email_templates"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "follow_up_steps_previousEmailId_fkey" FOREIGN KEY ("previousEmailId") REFERENCES "emails"("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "follow_up_steps_emailId_fkey" FOREIGN KEY ("emailId") REFERENCES "emails"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "follow_up_steps_sequenceId_index_key" ON "follow_up_steps"("sequenceId", "index");
CREATE UNIQUE INDEX "follow_up_steps_emailId_key" ON "follow_up_steps"("emailId");
CREATE INDEX "follow_up_steps_previousEmailId_idx" ON "follow_up_steps"("previousEmailId");
-- The worker's due scan: pending steps by due time only.
CREATE INDEX "follow_up_steps_due_idx" ON "follow_up_steps"("dueAt") WHERE "status" = 'PENDING';
