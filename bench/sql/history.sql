-- conversationHistory(contactId, first: 10): store::history::list_history, newest first.
SELECT "id", "userId", "contactId", "content", "direction", "timestamp", "metadata"
FROM "conversation_history" WHERE "userId" = :user_id AND "contactId" = :contact_id
ORDER BY "timestamp" DESC, "id" ASC LIMIT :limit11;
