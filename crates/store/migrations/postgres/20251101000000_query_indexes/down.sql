DROP INDEX IF EXISTS "contacts_userId_name_id_idx";
DROP INDEX IF EXISTS "conversation_history_userId_contactId_timestamp_id_idx";
DROP INDEX IF EXISTS "emails_userId_contactId_createdAt_id_idx";
DROP INDEX IF EXISTS "emails_userId_status_createdAt_id_idx";
DROP INDEX IF EXISTS "emails_userId_createdAt_id_idx";
DROP INDEX IF EXISTS "email_templates_userId_isDefault_key";
