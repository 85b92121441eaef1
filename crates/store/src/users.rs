//! Accounts: create, find, delete, change the password.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
use domain::User;
use domain::inputs::NewUser;

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub(crate) struct UserRow {
    pub(crate) id: String,
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
        self.tokens_changed(id).await;
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
            let mut tx = p.begin_write().await?;
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
        })?;
        self.tokens_changed(user_id).await;
        Ok(())
    }
}
