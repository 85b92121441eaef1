//! Access tokens — sessions and personal API tokens — stored only as SHA-256 hashes of their
//! secrets, so a database leak does not leak usable tokens.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::page::{self, KeyKind, Page, PageRequest, SortKey, SortSpec};
use crate::sql::{Arg, Sql};
use crate::ts::{self, Ts};
use crate::users::UserRow;
use domain::{ApiToken, TokenKind, User};

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
    last_used_at: Option<Ts>,
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
            last_used_at: ts::opt(r.last_used_at),
        })
    }
}

macro_rules! token_cols {
    () => {
        r#""id", "userId", "kind", "name", "expiresAt", "revokedAt", "createdAt", "lastUsedAt""#
    };
}

/// Newest first, as `apiTokens` lists them (index `api_tokens_userId_createdAt_idx`).
const ORDER: SortSpec = SortSpec { tag: "k.cd", expr: r#""createdAt""#, desc: true, kind: KeyKind::Ts };

/// How stale `lastUsedAt` may get before a request refreshes it: one write per token per minute
/// at most, so authenticating stays a read on the hot path.
pub const LAST_USED_RESOLUTION: chrono::Duration = chrono::Duration::minutes(1);

impl Store {
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
    /// Answered from the [token cache](crate::token_cache) while it holds a fresh entry.
    pub async fn authenticate_token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>> {
        if let Some(hit) = self.tokens.get(token_hash) {
            return Ok(Some(hit));
        }
        let ticket = self.tokens.ticket();
        let found = self.lookup_token(token_hash).await?;
        if let Some((user, token)) = &found {
            self.tokens.put(ticket, token_hash, user, token);
        }
        Ok(found)
    }

    async fn lookup_token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>> {
        const SQL: &str = r#"
            SELECT t."id" AS "tid", t."kind", t."name" AS "tname", t."expiresAt", t."revokedAt",
                   t."createdAt" AS "tcreatedAt", t."lastUsedAt",
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
            last_used_at: Option<Ts>,
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
            last_used_at: j.last_used_at,
        })?;
        Ok(Some((j.user.into(), token)))
    }

    /// Records that a token was used now (callers skip this while `lastUsedAt` is fresher than
    /// [`LAST_USED_RESOLUTION`]).
    pub async fn touch_token(&self, token_id: &str) -> Result<()> {
        let now = Ts::now();
        on_db!(&self.db, p => sqlx::query(r#"UPDATE "api_tokens" SET "lastUsedAt" = $1 WHERE "id" = $2"#)
            .bind(now).bind(token_id).execute(p).await.map(|_| ()))?;
        self.tokens.touched(token_id, now.0);
        Ok(())
    }

    /// Revokes the token with this hash; true when a live token was revoked.
    pub async fn revoke_token_by_hash(&self, token_hash: &str) -> Result<bool> {
        let owner = on_db!(&self.db, p => sqlx::query_scalar::<_, String>(
            r#"UPDATE "api_tokens" SET "revokedAt" = $1 WHERE "tokenHash" = $2 AND "revokedAt" IS NULL
               RETURNING "userId""#)
            .bind(Ts::now()).bind(token_hash).fetch_optional(p).await)?;
        let Some(owner) = owner else { return Ok(false) };
        self.tokens_changed(&owner).await;
        Ok(true)
    }

    /// Revokes one of the user's live tokens by id; a missing, foreign, revoked or expired token
    /// is `NotFound` (it is not listed either).
    pub async fn revoke_token(&self, user_id: &str, token_id: &str) -> Result<()> {
        let done = on_db!(&self.db, p => sqlx::query(
            r#"UPDATE "api_tokens" SET "revokedAt" = $1
               WHERE "id" = $2 AND "userId" = $3 AND "revokedAt" IS NULL
                 AND ("expiresAt" IS NULL OR "expiresAt" > $1)"#)
            .bind(Ts::now()).bind(token_id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.tokens_changed(user_id).await;
        Ok(())
    }

    /// Revokes every live session of the user except the one with `keep_hash`; returns how many.
    pub async fn revoke_other_sessions(&self, user_id: &str, keep_hash: Option<&str>) -> Result<u64> {
        let done = on_db!(&self.db, p => sqlx::query(
            r#"UPDATE "api_tokens" SET "revokedAt" = $1
               WHERE "userId" = $2 AND "kind" = 'SESSION' AND "revokedAt" IS NULL AND "tokenHash" <> $3"#)
            .bind(Ts::now()).bind(user_id).bind(keep_hash.unwrap_or("")).execute(p).await
            .map(|r| r.rows_affected()))?;
        if done > 0 {
            self.tokens_changed(user_id).await;
        }
        Ok(done)
    }

    /// The user's tokens, newest first, revoked and expired ones included (admin tooling).
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

    /// A page of the user's live tokens (not revoked, not expired), newest first.
    pub async fn live_tokens_page(&self, user_id: &str, req: &PageRequest) -> Result<Page<ApiToken>> {
        let mut sql = Sql::new(concat!("SELECT ", token_cols!(), r#" FROM "api_tokens" WHERE "userId" = "#));
        sql.bind(Arg::Text(user_id.to_owned()));
        sql.push(r#" AND "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > "#)
            .bind(Arg::Ts(Ts::now()))
            .push(")");
        page::push_after(&mut sql, &ORDER, req.after.as_deref())?;
        page::push_order_limit(&mut sql, &ORDER, req.first);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, TokenRow>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        let items = rows.into_iter().map(ApiToken::try_from).collect::<Result<Vec<_>>>()?;
        Ok(page::into_page(items, req, &ORDER, |t| (SortKey::Ts(Ts(t.created_at)), t.id.as_str())))
    }

    /// How many live tokens the user has.
    pub async fn count_live_tokens(&self, user_id: &str) -> Result<i64> {
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(
            r#"SELECT COUNT(*) FROM "api_tokens" WHERE "userId" = $1 AND "revokedAt" IS NULL
               AND ("expiresAt" IS NULL OR "expiresAt" > $2)"#)
            .bind(user_id).bind(Ts::now()).fetch_one(p).await)?;
        Ok(n)
    }
}
