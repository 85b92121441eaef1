DROP TABLE IF EXISTS "user_mail_aliases";
ALTER TABLE "mailbox_folders" DROP COLUMN "backfillUid";
