CREATE TABLE "conversation_history" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "direction" TEXT NOT NULL CHECK ("direction" IN ('SENT', 'RECEIVED')),
    "timestamp" DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    "metadata" TEXT CHECK ("metadata" IS NULL OR json_valid("metadata")),

    CONSTRAINT "conversation_history_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "conversation_history_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE,
    CONSTRAINT "conversation_history_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE CASCADE
);

CREATE INDEX "conversation_history_userId_idx" ON "conversation_history"("userId");
CREATE INDEX "conversation_history_contactId_idx" ON "conversation_history"("contactId");
CREATE INDEX "conversation_history_timestamp_idx" ON "conversation_history"("timestamp");
