DROP TABLE IF EXISTS "conversation_history";
