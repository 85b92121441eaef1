DROP TABLE IF EXISTS "ignored_senders";
DROP TABLE IF EXISTS "review_items";
DROP TABLE IF EXISTS "inbound_messages";
DROP TABLE IF EXISTS "mailbox_folders";
DROP TABLE IF EXISTS "mailboxes";
