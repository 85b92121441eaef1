DROP TABLE IF EXISTS "conversation_history" CASCADE;
DROP TYPE IF EXISTS "Direction";
