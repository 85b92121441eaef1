-- The bearer-token lookup every authenticated request runs first (store::users::authenticate_token).
SELECT t."id" AS "tid", t."kind", t."name" AS "tname", t."expiresAt", t."revokedAt",
       t."createdAt" AS "tcreatedAt",
       u."id", u."email", u."name", u."passwordHash", u."createdAt", u."updatedAt"
FROM "api_tokens" t JOIN "users" u ON u."id" = t."userId"
WHERE t."tokenHash" = :token_hash AND t."revokedAt" IS NULL
  AND (t."expiresAt" IS NULL OR t."expiresAt" > :now);
