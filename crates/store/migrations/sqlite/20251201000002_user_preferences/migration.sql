-- Per-user preferences of the web app: the time zone pages show and take times in.
CREATE TABLE "user_preferences" (
    "userId" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    CONSTRAINT "user_preferences_pkey" PRIMARY KEY ("userId"),
    CONSTRAINT "user_preferences_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
