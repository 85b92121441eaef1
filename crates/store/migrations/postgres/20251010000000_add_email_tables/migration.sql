-- Email lifecycle states
CREATE TYPE "EmailStatus" AS ENUM (
    'DRAFT',      -- Being composed
    'SCHEDULED',  -- Queued for sending
    'SENT',       -- Successfully sent
    'FAILED',     -- Send attempt failed
    'CANCELLED'   -- User cancelled
);

-- Email style/source
CREATE TYPE "TemplateType" AS ENUM (
    'FORMAL',          -- Professional tone
    'CASUAL',          -- Friendly tone
    'CUSTOM',          -- User-defined
    'AI_GENERATED',    -- Created by AI
    'TEMPLATE_BASED'   -- From saved template
);

CREATE TABLE "emails" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "contactId" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "bodyHtml" TEXT,
    "status" "EmailStatus" NOT NULL DEFAULT 'DRAFT',
    "templateType" "TemplateType",
    "providerId" TEXT,
    "tokensUsed" INTEGER,
    "generatedAt" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "openedAt" TIMESTAMP(3),
    "repliedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "emails_pkey" PRIMARY KEY ("id")
);

-- Indexes for performance
CREATE INDEX "emails_userId_idx" ON "emails"("userId");
CREATE INDEX "emails_contactId_idx" ON "emails"("contactId");
CREATE INDEX "emails_status_idx" ON "emails"("status");
CREATE INDEX "emails_generatedAt_idx" ON "emails"("generatedAt");

-- Foreign keys
ALTER TABLE "emails" ADD CONSTRAINT "emails_userId_fkey"
    FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE;

ALTER TABLE "emails" ADD CONSTRAINT "emails_contactId_fkey"
    FOREIGN KEY ("contactId") REFERENCES "contacts"("id") ON DELETE CASCADE;
