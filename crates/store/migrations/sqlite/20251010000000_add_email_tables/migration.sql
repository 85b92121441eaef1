-- emails (SQLite form of the guide's table; EmailStatus and TemplateType as CHECKed TEXT).
CREATE TABLE "emails" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "bodyHtml" TEXT,
    "status" TEXT NOT NULL DEFAULT 'DRAFT'
        CHECK ("status" IN ('DRAFT', 'SCHEDULED', 'SENT', 'FAILED', 'CANCELLED')),
    "templateType" TEXT
        CHECK ("templateType" IN ('FORMAL', 'CASUAL', 'CUSTOM', 'AI_GENERATED', 'TEMPLATE_BASED')),
    "providerId" TEXT,
    "tokensUsed" INTEGER,
    "generatedAt" DATETIME,
    "sentAt" DATETIME,
    "openedAt" DATETIME,
    "repliedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    "updatedAt" DATETIME NOT NULL,

    CONSTRAINT "emails_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "emails_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE,
    CONSTRAINT "emails_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE CASCADE
);

CREATE INDEX "emails_userId_idx" ON "emails"("userId");
CREATE INDEX "emails_contactId_idx" ON "emails"("contactId");
CREATE INDEX "emails_status_idx" ON "emails"("status");
CREATE INDEX "emails_generatedAt_idx" ON "emails"("generatedAt");
