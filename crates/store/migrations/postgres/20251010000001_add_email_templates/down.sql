DROP TABLE IF EXISTS "email_templates" CASCADE;
