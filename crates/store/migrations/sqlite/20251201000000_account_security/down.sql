DROP TABLE IF EXISTS "sign_in_attempts";
DROP INDEX IF EXISTS "api_tokens_userId_createdAt_idx";
ALTER TABLE "api_tokens" DROP COLUMN "lastUsedAt";
