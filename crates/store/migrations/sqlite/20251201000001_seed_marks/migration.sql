-- Accounts created by `relationhub db seed --scale`: `--replace` deletes only these, never a real
-- account that happens to be called bench-NNN@example.com. The mark goes with its account.
CREATE TABLE "seed_marks" (
    "userId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),

    CONSTRAINT "seed_marks_pkey" PRIMARY KEY ("userId"),
    CONSTRAINT "seed_marks_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
