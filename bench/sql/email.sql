-- email(id): store::emails::email.
SELECT "id", "userId", "contactId", "subject", "body", "bodyHtml", "status", "templateType", "providerId", "tokensUsed", "generatedAt", "sentAt", "openedAt", "repliedAt", "createdAt", "updatedAt", "scheduledAt", "sendAttempts", "lastError", "messageId"
FROM "emails" WHERE "id" = :email_id AND "userId" = :user_id;
