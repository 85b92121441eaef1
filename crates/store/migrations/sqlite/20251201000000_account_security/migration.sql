-- Account security (SQLite): when each token was last used, and sign-in attempts per account.
ALTER TABLE "api_tokens" ADD COLUMN "lastUsedAt" DATETIME;
CREATE INDEX "api_tokens_userId_createdAt_idx" ON "api_tokens"("userId", "createdAt" DESC, "id");

CREATE TABLE "sign_in_attempts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),

    CONSTRAINT "sign_in_attempts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sign_in_attempts_outcome_check" CHECK ("outcome" IN ('PENDING', 'FAILED', 'SUCCEEDED')),
    CONSTRAINT "sign_in_attempts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE
);

CREATE INDEX "sign_in_attempts_userId_createdAt_idx" ON "sign_in_attempts"("userId", "createdAt");
