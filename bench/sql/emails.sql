-- emails(first: 20): store::emails::list_emails_reading(…, EmailColumns::WithoutBodies), newest
-- first, one extra row for hasNextPage. The selection shows no body, so none is read.
SELECT "id", "userId", "contactId", "subject", '' AS "body", NULL AS "bodyHtml", "status", "templateType", "providerId", "tokensUsed", "generatedAt", "sentAt", "openedAt", "repliedAt", "createdAt", "updatedAt", "scheduledAt", "sendAttempts", "lastError", "messageId"
FROM "emails" WHERE "userId" = :user_id ORDER BY "createdAt" DESC, "id" ASC LIMIT :limit21;
