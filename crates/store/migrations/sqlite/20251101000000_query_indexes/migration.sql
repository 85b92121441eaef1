-- Integrity the guide states only in words: at most one default template per user.
CREATE UNIQUE INDEX "email_templates_userId_isDefault_key" ON "email_templates"("userId") WHERE "isDefault";

-- Indexes matching the real query shapes (keyset pagination, newest first, unique tie-breaker).
-- A user's emails, newest first: first page is an index scan instead of bitmap scan + sort.
CREATE INDEX "emails_userId_createdAt_id_idx" ON "emails"("userId", "createdAt" DESC, "id");
-- A user's emails in one status (drafts, scheduled, sent), newest first.
CREATE INDEX "emails_userId_status_createdAt_id_idx" ON "emails"("userId", "status", "createdAt" DESC, "id");
-- One contact's emails, newest first.
CREATE INDEX "emails_userId_contactId_createdAt_id_idx" ON "emails"("userId", "contactId", "createdAt" DESC, "id");
-- One contact's conversation history, newest first.
CREATE INDEX "conversation_history_userId_contactId_timestamp_id_idx"
    ON "conversation_history"("userId", "contactId", "timestamp" DESC, "id");
-- A user's contacts by name.
CREATE INDEX "contacts_userId_name_id_idx" ON "contacts"("userId", "name", "id");
