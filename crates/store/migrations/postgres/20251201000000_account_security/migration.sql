-- Account security: when each token was last used, and sign-in attempts per account, counted in
-- the database so the per-account limit holds across every server process.
ALTER TABLE "api_tokens" ADD COLUMN "lastUsedAt" TIMESTAMP(3);
-- apiTokens(first, after): the user's tokens, newest first.
CREATE INDEX "api_tokens_userId_createdAt_idx" ON "api_tokens"("userId", "createdAt" DESC, "id");

-- One row per credential check of an existing account: PENDING while the password is being
-- verified, then FAILED or SUCCEEDED. A row is written before the check, so parallel attempts
-- each take a slot.
CREATE TABLE "sign_in_attempts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sign_in_attempts_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sign_in_attempts_outcome_check" CHECK ("outcome" IN ('PENDING', 'FAILED', 'SUCCEEDED'))
);

CREATE INDEX "sign_in_attempts_userId_createdAt_idx" ON "sign_in_attempts"("userId", "createdAt");

ALTER TABLE "sign_in_attempts" ADD CONSTRAINT "sign_in_attempts_userId_fkey"
    FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE;
