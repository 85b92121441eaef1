-- Communication direction
CREATE TYPE "Direction" AS ENUM (
    'SENT',      -- User sent to contact
    'RECEIVED'   -- User received from contact
);

CREATE TABLE "conversation_history" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "direction" "Direction" NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metadata" JSONB,

    CONSTRAINT "conversation_history_pkey" PRIMARY KEY ("id")
);

-- Indexes for querying recent conversations
CREATE INDEX "conversation_history_userId_idx" ON "conversation_history"("userId");
CREATE INDEX "conversation_history_contactId_idx" ON "conversation_history"("contactId");
CREATE INDEX "conversation_history_timestamp_idx" ON "conversation_history"("timestamp");

-- Foreign keys
ALTER TABLE "conversation_history" ADD CONSTRAINT "conversation_history_userId_fkey"
    FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE;

ALTER TABLE "conversation_history" ADD CONSTRAINT "conversation_history_contactId_fkey"
    FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE CASCADE;
