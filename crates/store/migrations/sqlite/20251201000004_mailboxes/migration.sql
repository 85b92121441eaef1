-- Inbound mail (issue 13): the user's IMAP mailboxes (password encrypted with
-- RELATIONHUB_SECRET_KEY), a per-folder checkpoint (UIDVALIDITY + last UID), the messages
-- already captured (one per user and Message-ID, whatever the folder or mailbox), the review
-- queue of messages from unknown senders, and senders the user chose to ignore.
CREATE TABLE "mailboxes" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "security" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "passwordEnc" TEXT NOT NULL,
    "folders" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "lastSyncAt" DATETIME,
    "lastError" TEXT,
    "importedCount" INTEGER NOT NULL DEFAULT 0,
    "queuedCount" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "mailboxes_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "mailboxes_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "mailboxes_userId_idx" ON "mailboxes"("userId");

CREATE TABLE "mailbox_folders" (
    "mailboxId" TEXT NOT NULL,
    "folder" TEXT NOT NULL,
    "uidValidity" BIGINT NOT NULL,
    "lastUid" BIGINT NOT NULL,
    CONSTRAINT "mailbox_folders_pkey" PRIMARY KEY ("mailboxId", "folder"),
    CONSTRAINT "mailbox_folders_mailboxId_fkey" FOREIGN KEY ("mailboxId") REFERENCES "mailboxes"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "inbound_messages" (
    "userId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "mailboxId" TEXT,
    "outcome" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "inbound_messages_pkey" PRIMARY KEY ("userId", "messageId"),
    CONSTRAINT "inbound_messages_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "review_items" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "mailboxId" TEXT,
    "messageId" TEXT NOT NULL,
    "fromAddress" TEXT NOT NULL,
    "fromName" TEXT,
    "subject" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "metadata" TEXT NOT NULL,
    "receivedAt" DATETIME NOT NULL,
    CONSTRAINT "review_items_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "review_items_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "review_items_userId_messageId_key" ON "review_items"("userId", "messageId");

CREATE TABLE "ignored_senders" (
    "userId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "ignored_senders_pkey" PRIMARY KEY ("userId", "address"),
    CONSTRAINT "ignored_senders_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
