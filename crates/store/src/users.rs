//! Accounts and their access tokens (sessions and personal API tokens, stored as hashes).

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::{self, Ts};
use domain::inputs::NewUser;
use domain::{ApiToken, TokenKind, User};

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct UserRow {
    id: String,
    email: String,
    name: String,
    password_hash: String,
    created_at: Ts,
    updated_at: Ts,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            email: r.email,
            name: r.name,
            password_hash: r.password_hash,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

macro_rules! user_cols {
    () => {
        r#""id", "email", "name", "passwordHash", "createdAt", "updatedAt""#
    };
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct TokenRow {
    id: String,
    user_id: String,
    kind: String,
    name: Option<String>,
    expires_at: Option<Ts>,
    revoked_at: Option<Ts>,
    created_at: Ts,
}

impl TryFrom<TokenRow> for ApiToken {
    type Error = StoreError;

    fn try_from(r: TokenRow) -> Result<Self> {
        Ok(ApiToken {
            id: r.id,
            user_id: r.user_id,
            kind: r.kind.parse::<TokenKind>().map_err(|e| StoreError::Invalid(e.to_string()))?,
            name: r.name,
            expires_at: ts::opt(r.expires_at),
            revoked_at: ts::opt(r.revoked_at),
            created_at: r.created_at.0,
        })
    }
}

macro_rules! token_cols {
    () => {
        r#""id", "userId", "kind", "name", "expiresAt", "revokedAt", "createdAt""#
    };
}

impl Store {
    /// Creates an account; a taken email address is a `Conflict`.
    pub async fn create_user(&self, new: &NewUser) -> Result<User> {
        const SQL: &str = concat!(
            r#"INSERT INTO "users" ("id", "email", "name", "passwordHash", "createdAt", "updatedAt")
               VALUES ($1, $2, $3, $4, $5, $5) RETURNING "#,
            user_cols!()
        );
        let now = Ts::now();
        let row = on_db!(&self.db, p => sqlx::query_as::<_, UserRow>(SQL)
            .bind(domain::new_id())
            .bind(new.email.as_str())
            .bind(new.name.as_str())
            .bind(&new.password_hash)
            .bind(now)
            .fetch_one(p)
            .await)
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict("an account with this email already exists".into())
            } else {
                e.into()
            }
        })?;
        Ok(row.into())
    }

    /// Finds an account by (normalised, lowercase) email.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        const SQL: &str = concat!("SELECT ", user_cols!(), r#" FROM "users" WHERE "email" = $1"#);
        let row = on_db!(&self.db, p => sqlx::query_as::<_, UserRow>(SQL)
            .bind(email.to_lowercase())
            .fetch_optional(p)
            .await)?;
        Ok(row.map(Into::into))
    }

    /// Finds an account by id.
    pub async fn user_by_id(&self, id: &str) -> Result<Option<User>> {
        const SQL: &str = concat!("SELECT ", user_cols!(), r#" FROM "users" WHERE "id" = $1"#);
        let row = on_db!(&self.db, p => sqlx::query_as::<_, UserRow>(SQL).bind(id).fetch_optional(p).await)?;
        Ok(row.map(Into::into))
    }

    /// Deletes an account and, by cascade, everything it owns.
    pub async fn delete_user(&self, id: &str) -> Result<()> {
        let done = on_db!(&self.db, p => sqlx::query(r#"DELETE FROM "users" WHERE "id" = $1"#)
            .bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The owner of a contact (admin tooling such as `relationhub email generate`).
    pub async fn contact_owner(&self, contact_id: &str) -> Result<Option<String>> {
        let owner = on_db!(&self.db, p => sqlx::query_scalar::<_, String>(
            r#"SELECT "userId" FROM "contacts" WHERE "id" = $1"#).bind(contact_id).fetch_optional(p).await)?;
        Ok(owner)
    }

    /// Replaces an account's password hash and revokes all of its sessions.
    pub async fn set_password_hash(&self, user_id: &str, hash: &str) -> Result<()> {
        let now = Ts::now();
        on_db!(&self.db, p => {
            let mut tx = p.begin().await?;
            let done = sqlx::query(r#"UPDATE "users" SET "passwordHash" = $1, "updatedAt" = $2 WHERE "id" = $3"#)
                .bind(hash).bind(now).bind(user_id)
                .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(r#"UPDATE "api_tokens" SET "revokedAt" = $1
                           WHERE "userId" = $2 AND "kind" = 'SESSION' AND "revokedAt" IS NULL"#)
                .bind(now).bind(user_id)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })
    }

    /// Stores a new token by the SHA-256 hash of its secret.
    pub async fn create_token(
        &self,
        user_id: &str,
        token_hash: &str,
        kind: TokenKind,
        name: Option<&str>,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ApiToken> {
        const SQL: &str = concat!(
            r#"INSERT INTO "api_tokens" ("id", "userId", "tokenHash", "kind", "name", "expiresAt", "createdAt")
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "#,
            token_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, TokenRow>(SQL)
            .bind(domain::new_id())
            .bind(user_id)
            .bind(token_hash)
            .bind(kind.as_str())
            .bind(name)
            .bind(expires_at.map(Ts::new))
            .bind(Ts::now())
            .fetch_one(p)
            .await)
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
            _ => e.into(),
        })?;
        row.try_into()
    }

    /// The user behind a token hash, if the token exists, is not revoked and has not expired.
    pub async fn authenticate_token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>> {
        const SQL: &str = r#"
            SELECT t."id" AS "tid", t."kind", t."name" AS "tname", t."expiresAt", t."revokedAt",
                   t."createdAt" AS "tcreatedAt",
                   u."id", u."email", u."name", u."passwordHash", u."createdAt", u."updatedAt"
            FROM "api_tokens" t JOIN "users" u ON u."id" = t."userId"
            WHERE t."tokenHash" = $1 AND t."revokedAt" IS NULL
              AND (t."expiresAt" IS NULL OR t."expiresAt" > $2)"#;
        #[derive(sqlx::FromRow)]
        #[sqlx(rename_all = "camelCase")]
        struct Joined {
            tid: String,
            kind: String,
            tname: Option<String>,
            expires_at: Option<Ts>,
            revoked_at: Option<Ts>,
            tcreated_at: Ts,
            #[sqlx(flatten)]
            user: UserRow,
        }
        let row = on_db!(&self.db, p => sqlx::query_as::<_, Joined>(SQL)
            .bind(token_hash)
            .bind(Ts::now())
            .fetch_optional(p)
            .await)?;
        let Some(j) = row else { return Ok(None) };
        let token = ApiToken::try_from(TokenRow {
            id: j.tid,
            user_id: j.user.id.clone(),
            kind: j.kind,
            name: j.tname,
            expires_at: j.expires_at,
            revoked_at: j.revoked_at,
            created_at: j.tcreated_at,
        })?;
        Ok(Some((j.user.into(), token)))
    }

    /// Revokes the token with this hash; true when a live token was revoked.
    pub async fn revoke_token_by_hash(&self, token_hash: &str) -> Result<bool> {
        let done = on_db!(&self.db, p => sqlx::query(
            r#"UPDATE "api_tokens" SET "revokedAt" = $1 WHERE "tokenHash" = $2 AND "revokedAt" IS NULL"#)
            .bind(Ts::now()).bind(token_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// Revokes one of the user's tokens by id.
    pub async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<()> {
        let done = on_db!(&self.db, p => sqlx::query(
            r#"UPDATE "api_tokens" SET "revokedAt" = COALESCE("revokedAt", $1) WHERE "id" = $2 AND "userId" = $3"#)
            .bind(Ts::now()).bind(token_id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The user's tokens, newest first (without secrets, which are never stored).
    pub async fn list_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        const SQL: &str = concat!(
            "SELECT ",
            token_cols!(),
            r#" FROM "api_tokens" WHERE "userId" = $1 ORDER BY "createdAt" DESC, "id""#
        );
        let rows =
            on_db!(&self.db, p => sqlx::query_as::<_, TokenRow>(SQL).bind(user_id).fetch_all(p).await)?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
