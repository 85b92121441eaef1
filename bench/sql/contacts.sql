-- contacts(first: 20, filter: {search}): store::contacts::list_contacts, by name.
SELECT "id", "userId", "name", "email", "phone", "company", "role", "industry", "linkedInUrl", "priority", "birthday", "notes", "lastContactedAt", "createdAt", "updatedAt"
FROM "contacts" WHERE "userId" = :user_id
  AND (LOWER("name") LIKE :pattern ESCAPE '\' OR LOWER(COALESCE("email", '')) LIKE :pattern ESCAPE '\' OR LOWER(COALESCE("company", '')) LIKE :pattern ESCAPE '\')
ORDER BY "name" ASC, "id" ASC LIMIT :limit21;
