//! Email templates. Setting a default is atomic and leaves exactly one default per user
//! (also enforced by the partial unique index `email_templates_userId_isDefault_key`).

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::page::{self, KeyKind, Page, PageRequest, SortKey, SortSpec};
use crate::sql::{Arg, Sql};
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
use domain::inputs::{NewTemplate, TemplatePatch};
use domain::{EmailTemplate, TemplateType};

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct TemplateRow {
    id: String,
    user_id: String,
    name: String,
    subject: String,
    body: String,
    template_type: TemplateType,
    is_default: bool,
    created_at: Ts,
    updated_at: Ts,
}

impl From<TemplateRow> for EmailTemplate {
    fn from(r: TemplateRow) -> Self {
        EmailTemplate {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            subject: r.subject,
            body: r.body,
            template_type: r.template_type,
            is_default: r.is_default,
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

macro_rules! template_cols {
    () => {
        r#""id", "userId", "name", "subject", "body", "templateType", "isDefault", "createdAt", "updatedAt""#
    };
}

const ORDER: SortSpec = SortSpec { tag: "t.cd", expr: r#""createdAt""#, desc: true, kind: KeyKind::Ts };

/// Serialises default changes per user: a no-op UPDATE takes the user row's lock (PostgreSQL)
/// or the database write lock (SQLite) before we read which template is the default.
const LOCK_USER: &str = r#"UPDATE "users" SET "updatedAt" = "updatedAt" WHERE "id" = $1"#;
const CLEAR_DEFAULT: &str = r#"UPDATE "email_templates" SET "isDefault" = false, "updatedAt" = $1 WHERE "userId" = $2 AND "isDefault""#;

impl Store {
    /// Creates a template; with `is_default` it becomes the only default in one transaction.
    pub async fn create_template(&self, user_id: &str, new: &NewTemplate) -> Result<EmailTemplate> {
        const SQL: &str = concat!(
            r#"INSERT INTO "email_templates" ("id", "userId", "name", "subject", "body", "templateType",
               "isDefault", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING "#,
            template_cols!()
        );
        let now = Ts::now();
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            if new.is_default {
                let locked = sqlx::query(LOCK_USER).bind(user_id).execute(&mut *tx).await?;
                if locked.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query(CLEAR_DEFAULT).bind(now).bind(user_id).execute(&mut *tx).await?;
            }
            let row = sqlx::query_as::<_, TemplateRow>(SQL)
                .bind(domain::new_id())
                .bind(user_id)
                .bind(new.name.as_str())
                .bind(new.subject.as_str())
                .bind(new.body.as_str())
                .bind(new.template_type)
                .bind(new.is_default)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(crate::contacts::fk_to_not_found)?;
            tx.commit().await?;
            row
        });
        Ok(row.into())
    }

    /// One of the user's templates.
    pub async fn template(&self, user_id: &str, id: &str) -> Result<EmailTemplate> {
        const SQL: &str = concat!(
            "SELECT ",
            template_cols!(),
            r#" FROM "email_templates" WHERE "id" = $1 AND "userId" = $2"#
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, TemplateRow>(SQL)
            .bind(id).bind(user_id).fetch_optional(p).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// The user's default template, if any.
    pub async fn default_template(&self, user_id: &str) -> Result<Option<EmailTemplate>> {
        const SQL: &str = concat!(
            "SELECT ",
            template_cols!(),
            r#" FROM "email_templates" WHERE "userId" = $1 AND "isDefault""#
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, TemplateRow>(SQL).bind(user_id).fetch_optional(p).await)?;
        Ok(row.map(Into::into))
    }

    /// Applies a patch; `is_default: Some(true)` clears any other default in the same transaction.
    pub async fn update_template(
        &self,
        user_id: &str,
        id: &str,
        patch: &TemplatePatch,
    ) -> Result<EmailTemplate> {
        let now = Ts::now();
        let mut sql = Sql::new(r#"UPDATE "email_templates" SET "#);
        if let Some(v) = &patch.name {
            sql.set(r#""name""#, Arg::Text(v.as_str().to_owned()));
        }
        if let Some(v) = &patch.subject {
            sql.set(r#""subject""#, Arg::Text(v.as_str().to_owned()));
        }
        if let Some(v) = &patch.body {
            sql.set(r#""body""#, Arg::Text(v.as_str().to_owned()));
        }
        if let Some(v) = patch.template_type {
            sql.set(r#""templateType""#, Arg::TemplateType(v));
        }
        if let Some(v) = patch.is_default {
            sql.set(r#""isDefault""#, Arg::Bool(v));
        }
        sql.set(r#""updatedAt""#, Arg::Ts(now));
        sql.push(r#" WHERE "id" = "#).bind(Arg::Text(id.to_owned()));
        sql.push(r#" AND "userId" = "#).bind(Arg::Text(user_id.to_owned()));
        sql.push(concat!(" RETURNING ", template_cols!()));
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            if patch.is_default == Some(true) {
                sqlx::query(LOCK_USER).bind(user_id).execute(&mut *tx).await?;
                sqlx::query(CLEAR_DEFAULT).bind(now).bind(user_id).execute(&mut *tx).await?;
            }
            let row = bind_all!(sqlx::query_as::<_, TemplateRow>(sql.sql()), &sql.args)
                .fetch_optional(&mut *tx)
                .await?;
            match row {
                Some(row) => {
                    tx.commit().await?;
                    row
                }
                // Dropping the transaction rolls back the cleared default.
                None => return Err(StoreError::NotFound),
            }
        });
        Ok(row.into())
    }

    /// Makes one of the user's templates the default, atomically clearing the previous one.
    pub async fn set_default_template(&self, user_id: &str, id: &str) -> Result<EmailTemplate> {
        self.update_template(user_id, id, &TemplatePatch { is_default: Some(true), ..Default::default() })
            .await
    }

    /// Deletes one of the user's templates.
    pub async fn delete_template(&self, user_id: &str, id: &str) -> Result<()> {
        let done = on_db!(&self.db, p => sqlx::query(
            r#"DELETE FROM "email_templates" WHERE "id" = $1 AND "userId" = $2"#)
            .bind(id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A page of the user's templates, newest first.
    pub async fn list_templates(&self, user_id: &str, req: &PageRequest) -> Result<Page<EmailTemplate>> {
        let mut sql =
            Sql::new(concat!("SELECT ", template_cols!(), r#" FROM "email_templates" WHERE "userId" = "#));
        sql.bind(Arg::Text(user_id.to_owned()));
        page::push_after(&mut sql, &ORDER, req.after.as_deref())?;
        page::push_order_limit(&mut sql, &ORDER, req.first);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, TemplateRow>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        let items: Vec<EmailTemplate> = rows.into_iter().map(Into::into).collect();
        Ok(page::into_page(items, req, &ORDER, |t| (SortKey::Ts(Ts(t.created_at)), t.id.as_str())))
    }

    /// How many templates the user has.
    pub async fn count_templates(&self, user_id: &str) -> Result<i64> {
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(
            r#"SELECT COUNT(*) FROM "email_templates" WHERE "userId" = $1"#)
            .bind(user_id).fetch_one(p).await)?;
        Ok(n)
    }
}
