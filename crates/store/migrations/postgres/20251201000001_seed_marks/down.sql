DROP TABLE IF EXISTS "seed_marks";
