-- Inbound mail sync (issue 13): a folder's first import runs newest first, so besides the
-- checkpoint of new mail (UIDVALIDITY + last UID) each folder remembers how far back the
-- initial import has reached ("backfillUid": messages below it, within the configured days,
-- are still to import; 0 when done). Users may name the other addresses they send from
-- (aliases), so mail from them counts as sent by the user.
ALTER TABLE "mailbox_folders" ADD COLUMN "backfillUid" BIGINT NOT NULL DEFAULT 0;

CREATE TABLE "user_mail_aliases" (
    "userId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "user_mail_aliases_pkey" PRIMARY KEY ("userId", "address"),
    CONSTRAINT "user_mail_aliases_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
