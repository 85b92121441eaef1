DROP TABLE IF EXISTS "follow_up_steps";
DROP TABLE IF EXISTS "follow_up_sequences";
