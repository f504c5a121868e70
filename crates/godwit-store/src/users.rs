//! Users and their credentials, sessions and API tokens.
//!
//! Secrets are never stored in the clear: the server hashes passwords (argon2id),
//! session ids and API tokens (SHA-256) before they reach this module.

use std::collections::{BTreeSet, HashMap, HashSet};

use godwit_domain::Timestamp;
use godwit_domain::marking::Classification;
use godwit_domain::member::MemberCode;
use godwit_domain::user::{Role, Subject, User};
use sea_query::{Expr, ExprTrait, Func, Order, Query};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{self, AuditEvent};
use crate::schema::{ApiTokens, Sessions, Users};
use crate::secret_key::SecretKey;
use crate::{Store, StoreError};

/// A user with what is needed to authenticate them.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    username: String,
    display_name: String,
    email: String,
    member_code: String,
    organisation_id: String,
    roles: String,
    clearance: i64,
    disabled: bool,
    password_hash: String,
    totp_secret: Option<String>,
    totp_enabled: bool,
    failed_logins: i64,
    locked_until: Option<i64>,
}

const USER_COLUMNS: [Users; 14] = [
    Users::Id,
    Users::Username,
    Users::DisplayName,
    Users::Email,
    Users::MemberCode,
    Users::OrganisationId,
    Users::Roles,
    Users::Clearance,
    Users::Disabled,
    Users::PasswordHash,
    Users::TotpSecret,
    Users::TotpEnabled,
    Users::FailedLogins,
    Users::LockedUntil,
];

fn roles_text(roles: &BTreeSet<Role>) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

impl UserRow {
    /// The record, its TOTP secret opened with `key` (left out without one).
    fn into_record(self, key: Option<&SecretKey>) -> Result<UserRecord, StoreError> {
        let totp_secret = match (self.totp_secret, key) {
            (Some(stored), Some(key)) if SecretKey::is_sealed(&stored) => Some(key.open(&self.id, &stored)?),
            // Not sealed yet: the store seals it when it gets the key.
            (Some(stored), Some(_)) => Some(stored),
            _ => None,
        };
        let roles = self
            .roles
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| Role::parse(r).ok_or_else(|| StoreError::Corrupt(format!("role {r}"))))
            .collect::<Result<BTreeSet<_>, _>>()?;
        Ok(UserRecord {
            user: User {
                id: crate::parse_uuid(&self.id)?,
                username: self.username,
                display_name: self.display_name,
                email: self.email,
                member: MemberCode(self.member_code),
                organisation: crate::parse_uuid(&self.organisation_id)?,
                roles,
                clearance: Classification(
                    u8::try_from(self.clearance).map_err(|_| StoreError::Corrupt("clearance".into()))?,
                ),
                disabled: self.disabled,
            },
            password_hash: self.password_hash,
            totp_secret,
            totp_enabled: self.totp_enabled,
            failed_logins: self.failed_logins,
            locked_until: self.locked_until.map(Timestamp),
        })
    }
}

/// A session as stored; the id itself is only known to the client.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
    pub revoked: bool,
    pub user_agent: String,
}

/// An API token for a machine client; `token_hash` is SHA-256 of the secret.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ApiTokenRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    /// Comma-separated scopes, e.g. `read,write`.
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

impl Store {
    /// Creates a user; `audit` records who did it.
    pub async fn create_user(
        &self,
        user: &User,
        password_hash: &str,
        audit_event: AuditEvent,
    ) -> Result<(), StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(
                Query::insert()
                    .into_table(Users::Table)
                    .columns(USER_COLUMNS.into_iter().chain([Users::CreatedAt, Users::UpdatedAt]))
                    .values_panic([
                        user.id.to_string().into(),
                        user.username.as_str().into(),
                        user.display_name.as_str().into(),
                        user.email.as_str().into(),
                        user.member.as_str().into(),
                        user.organisation.to_string().into(),
                        roles_text(&user.roles).into(),
                        i64::from(user.clearance.0).into(),
                        user.disabled.into(),
                        password_hash.into(),
                        None::<String>.into(),
                        false.into(),
                        0i64.into(),
                        None::<i64>.into(),
                        now.0.into(),
                        now.0.into(),
                    ]),
            )
            .await
            .map_err(|e| e.unique_as_conflict("a user with this username"))?;
        audit::append(&mut tx, now, &[audit_event]).await?;
        tx.commit().await
    }

    /// Changes a user's profile, roles, clearance or disabled flag.
    pub async fn update_user(&self, user: &User, audit_event: AuditEvent) -> Result<(), StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(Users::Table)
                    .values([
                        (Users::DisplayName, user.display_name.as_str().into()),
                        (Users::Email, user.email.as_str().into()),
                        (Users::OrganisationId, user.organisation.to_string().into()),
                        (Users::Roles, roles_text(&user.roles).into()),
                        (Users::Clearance, i64::from(user.clearance.0).into()),
                        (Users::Disabled, user.disabled.into()),
                        (Users::UpdatedAt, now.0.into()),
                    ])
                    .and_where(Expr::col(Users::Id).eq(user.id.to_string())),
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound("user"));
        }
        audit::append(&mut tx, now, &[audit_event]).await?;
        tx.commit().await
    }

    async fn user_where(&self, column: Users, value: String) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> = self
            .pool
            .target()
            .fetch_optional(
                Query::select().columns(USER_COLUMNS).from(Users::Table).and_where(Expr::col(column).eq(value)),
            )
            .await?;
        row.map(|r| r.into_record(self.secret_key.as_deref())).transpose()
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        self.user_where(Users::Username, username.to_owned()).await
    }

    pub async fn user(&self, id: Uuid) -> Result<UserRecord, StoreError> {
        self.user_where(Users::Id, id.to_string()).await?.ok_or(StoreError::NotFound("user"))
    }

    /// Users, of one member or of all.
    pub async fn users(&self, member: Option<&MemberCode>) -> Result<Vec<User>, StoreError> {
        let mut query = Query::select();
        query
            .columns(USER_COLUMNS)
            .from(Users::Table)
            .order_by(Users::MemberCode, Order::Asc)
            .order_by(Users::Username, Order::Asc);
        if let Some(member) = member {
            query.and_where(Expr::col(Users::MemberCode).eq(member.as_str()));
        }
        let rows: Vec<UserRow> = self.pool.target().fetch_all(&query).await?;
        rows.into_iter().map(|r| r.into_record(None).map(|r| r.user)).collect()
    }

    /// The subject the access policy judges for this user.
    pub async fn subject_for(&self, user: &User) -> Result<Subject, StoreError> {
        Ok(Subject {
            user: user.id,
            member: user.member.clone(),
            organisation: user.organisation,
            roles: user.roles.clone(),
            clearance: user.clearance,
            member_groups: self.groups_of(&user.member).await?.into_iter().collect(),
        })
    }

    /// Counts a failed sign-in; after `lock_after` in a row the account is locked
    /// until `lock_until`. Returns the new count.
    pub async fn record_login_failure(
        &self,
        user: Uuid,
        lock_after: i64,
        lock_until: Timestamp,
    ) -> Result<i64, StoreError> {
        let record = self.user(user).await?;
        let failures = record.failed_logins + 1;
        let locked = (failures >= lock_after).then_some(lock_until.0);
        self.pool
            .target()
            .execute(
                Query::update()
                    .table(Users::Table)
                    .values([(Users::FailedLogins, failures.into()), (Users::LockedUntil, locked.into())])
                    .and_where(Expr::col(Users::Id).eq(user.to_string())),
            )
            .await?;
        Ok(failures)
    }

    /// Clears the failure count and any lockout.
    pub async fn clear_login_failures(&self, user: Uuid) -> Result<(), StoreError> {
        self.pool
            .target()
            .execute(
                Query::update()
                    .table(Users::Table)
                    .values([(Users::FailedLogins, 0i64.into()), (Users::LockedUntil, None::<i64>.into())])
                    .and_where(Expr::col(Users::Id).eq(user.to_string())),
            )
            .await?;
        Ok(())
    }

    pub async fn set_password_hash(&self, user: Uuid, hash: &str, audit_event: AuditEvent) -> Result<(), StoreError> {
        self.update_credentials(user, [(Users::PasswordHash, hash.into())], audit_event).await
    }

    pub(crate) fn secret_key(&self) -> Result<&SecretKey, StoreError> {
        self.secret_key.as_deref().ok_or_else(|| {
            StoreError::SecretKey("no secret key: TOTP secrets and the node's key are stored only sealed".into())
        })
    }

    /// Seals the TOTP secrets an earlier version stored in the clear, and
    /// checks that the sealed ones open: a wrong key file stops the node here
    /// rather than at its users' next sign-in.
    pub(crate) async fn seal_totp_secrets(&self) -> Result<usize, StoreError> {
        let key = self.secret_key()?;
        let rows: Vec<(String, String)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .columns([Users::Id, Users::TotpSecret])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::TotpSecret).is_not_null()),
            )
            .await?;
        let mut sealed = 0;
        for (id, stored) in rows {
            if SecretKey::is_sealed(&stored) {
                key.open(&id, &stored)?;
                continue;
            }
            let update = Query::update()
                .table(Users::Table)
                .value(Users::TotpSecret, key.seal(&id, &stored)?)
                .and_where(Expr::col(Users::Id).eq(id.as_str()))
                // Another process may have sealed it meanwhile.
                .and_where(Expr::col(Users::TotpSecret).eq(stored.as_str()))
                .to_owned();
            sealed += self.pool.target().execute(&update).await?;
        }
        Ok(sealed as usize)
    }

    /// Rotates the node's secret key: writes a new key to `key_file` (the
    /// old one kept as `key_file.old`), re-seals every TOTP secret and the
    /// node's federation key under it in one transaction with
    /// `audit_event`, then deletes the old key; on
    /// any failure before the commit the old key is put back. Returns the
    /// store sealing with the new key and how many secrets were re-sealed.
    ///
    /// Every other process on the database must be stopped first: they hold
    /// the old key, which opens nothing once this commits.
    pub async fn rotate_secret_key(
        mut self,
        key_file: &std::path::Path,
        audit_event: AuditEvent,
    ) -> Result<(Store, usize), StoreError> {
        let old = self.secret_key()?;
        // The key file must hold the key this store seals with; rotating from
        // another would leave the database sealed under neither.
        let on_disk = SecretKey::load(key_file)?;
        if let Some((id, stored)) = self.first_sealed_secret().await? {
            on_disk.open(&id, &stored)?;
        }
        let (new, swap) = SecretKey::replace_file(key_file)?;
        match self.reseal(old, &new, audit_event).await {
            Ok(resealed) => {
                if let Err(e) = swap.keep() {
                    tracing::warn!(error = %e, "the secret key is rotated, but the old key file is left: delete it");
                }
                self.secret_key = Some(std::sync::Arc::new(new));
                Ok((self, resealed))
            }
            Err(e) => {
                swap.undo()?;
                Err(e)
            }
        }
    }

    async fn first_sealed_secret(&self) -> Result<Option<(String, String)>, StoreError> {
        self.pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns([Users::Id, Users::TotpSecret])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::TotpSecret).is_not_null())
                    .limit(1),
            )
            .await
    }

    /// Re-seals every TOTP secret from `old` to `new` in one transaction.
    async fn reseal(&self, old: &SecretKey, new: &SecretKey, audit_event: AuditEvent) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        // No account may change until the commit, or a secret enrolled
        // meanwhile would stay sealed under the old key. SQLite's write lock
        // does this: a change committed after this transaction's read makes
        // its first write fail.
        if self.backend() == crate::Backend::Postgres {
            tx.target().execute_raw("LOCK TABLE users IN EXCLUSIVE MODE").await?;
        }
        let rows: Vec<(String, String)> = tx
            .target()
            .fetch_all(
                Query::select()
                    .columns([Users::Id, Users::TotpSecret])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::TotpSecret).is_not_null()),
            )
            .await?;
        for (id, stored) in &rows {
            let update = Query::update()
                .table(Users::Table)
                .value(Users::TotpSecret, new.seal(id, &old.open(id, stored)?)?)
                .and_where(Expr::col(Users::Id).eq(id.as_str()))
                .to_owned();
            tx.target().execute(&update).await?;
        }
        let resealed = rows.len() + crate::federation::reseal_node_keys(&mut tx, old, new).await?;
        let mut audit_event = audit_event;
        if let Some(detail) = audit_event.detail.as_object_mut() {
            detail.insert("resealed".into(), resealed.into());
        }
        audit::append(&mut tx, self.clock().now(), &[audit_event]).await?;
        tx.commit().await?;
        Ok(resealed)
    }

    /// Stores a TOTP secret, sealed; `enabled` once the user has proved they hold it.
    pub async fn set_totp(
        &self,
        user: Uuid,
        secret: Option<&str>,
        enabled: bool,
        audit_event: AuditEvent,
    ) -> Result<(), StoreError> {
        let sealed =
            secret.map(|s| self.secret_key()?.seal(&user.to_string(), s).map_err(StoreError::from)).transpose()?;
        self.update_credentials(
            user,
            [(Users::TotpSecret, sealed.into()), (Users::TotpEnabled, enabled.into())],
            audit_event,
        )
        .await
    }

    async fn update_credentials<const N: usize>(
        &self,
        user: Uuid,
        values: [(Users, sea_query::Value); N],
        audit_event: AuditEvent,
    ) -> Result<(), StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let mut update = Query::update();
        update.table(Users::Table).and_where(Expr::col(Users::Id).eq(user.to_string()));
        for (col, value) in values {
            update.value(col, value);
        }
        update.value(Users::UpdatedAt, now.0);
        if tx.target().execute(&update).await? == 0 {
            return Err(StoreError::NotFound("user"));
        }
        audit::append(&mut tx, now, &[audit_event]).await?;
        tx.commit().await
    }

    pub async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        self.pool
            .target()
            .execute(
                Query::insert()
                    .into_table(Sessions::Table)
                    .columns([
                        Sessions::IdHash,
                        Sessions::UserId,
                        Sessions::CsrfToken,
                        Sessions::CreatedAt,
                        Sessions::ExpiresAt,
                        Sessions::LastSeenAt,
                        Sessions::Revoked,
                        Sessions::UserAgent,
                    ])
                    .values_panic([
                        session.id_hash.as_str().into(),
                        session.user_id.as_str().into(),
                        session.csrf_token.as_str().into(),
                        session.created_at.into(),
                        session.expires_at.into(),
                        session.last_seen_at.into(),
                        session.revoked.into(),
                        session.user_agent.as_str().into(),
                    ]),
            )
            .await?;
        Ok(())
    }

    const SESSION_COLUMNS: [Sessions; 8] = [
        Sessions::IdHash,
        Sessions::UserId,
        Sessions::CsrfToken,
        Sessions::CreatedAt,
        Sessions::ExpiresAt,
        Sessions::LastSeenAt,
        Sessions::Revoked,
        Sessions::UserAgent,
    ];

    pub async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(Self::SESSION_COLUMNS)
                    .from(Sessions::Table)
                    .and_where(Expr::col(Sessions::IdHash).eq(id_hash)),
            )
            .await
    }

    /// Live sessions of a user, newest first.
    pub async fn sessions_of(&self, user: Uuid) -> Result<Vec<SessionRecord>, StoreError> {
        self.pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(Self::SESSION_COLUMNS)
                    .from(Sessions::Table)
                    .and_where(Expr::col(Sessions::UserId).eq(user.to_string()))
                    .and_where(Expr::col(Sessions::Revoked).eq(false))
                    .and_where(Expr::col(Sessions::ExpiresAt).gt(self.clock().now().0))
                    .order_by(Sessions::CreatedAt, Order::Desc),
            )
            .await
    }

    /// Users locked out now after failed sign-ins.
    pub async fn locked_users(&self) -> Result<HashSet<Uuid>, StoreError> {
        let rows: Vec<(String,)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(Users::Id)
                    .from(Users::Table)
                    .and_where(Expr::col(Users::LockedUntil).gt(self.clock().now().0)),
            )
            .await?;
        Ok(rows.into_iter().filter_map(|(id,)| Uuid::parse_str(&id).ok()).collect())
    }

    /// When each user was last seen in a session (revoked or not), for the
    /// administrators' account list.
    pub async fn last_seen_by_user(&self) -> Result<HashMap<Uuid, Timestamp>, StoreError> {
        let rows: Vec<(String, i64)> = self
            .pool
            .target()
            .fetch_all(
                Query::select()
                    .column(Sessions::UserId)
                    .expr(Func::max(Expr::col(Sessions::LastSeenAt)))
                    .from(Sessions::Table)
                    .group_by_col(Sessions::UserId),
            )
            .await?;
        Ok(rows.into_iter().filter_map(|(user, at)| Some((Uuid::parse_str(&user).ok()?, Timestamp(at)))).collect())
    }

    /// Slides a session's expiry forward on use.
    pub async fn touch_session(&self, id_hash: &str, expires_at: Timestamp) -> Result<(), StoreError> {
        let now = self.clock().now();
        self.pool
            .target()
            .execute(
                Query::update()
                    .table(Sessions::Table)
                    .values([(Sessions::LastSeenAt, now.0.into()), (Sessions::ExpiresAt, expires_at.0.into())])
                    .and_where(Expr::col(Sessions::IdHash).eq(id_hash)),
            )
            .await?;
        Ok(())
    }

    /// Revokes one session of `user` (the user id guards against revoking others').
    pub async fn revoke_session(&self, user: Uuid, id_hash: &str) -> Result<bool, StoreError> {
        let changed = self
            .pool
            .target()
            .execute(
                Query::update()
                    .table(Sessions::Table)
                    .value(Sessions::Revoked, true)
                    .and_where(Expr::col(Sessions::IdHash).eq(id_hash))
                    .and_where(Expr::col(Sessions::UserId).eq(user.to_string())),
            )
            .await?;
        Ok(changed > 0)
    }

    pub async fn revoke_all_sessions(&self, user: Uuid) -> Result<u64, StoreError> {
        self.pool
            .target()
            .execute(
                Query::update()
                    .table(Sessions::Table)
                    .value(Sessions::Revoked, true)
                    .and_where(Expr::col(Sessions::UserId).eq(user.to_string())),
            )
            .await
    }

    pub async fn create_api_token(&self, token: &ApiTokenRecord, audit_event: AuditEvent) -> Result<(), StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        tx.target()
            .execute(Query::insert().into_table(ApiTokens::Table).columns(Self::TOKEN_COLUMNS).values_panic([
                token.id.as_str().into(),
                token.user_id.as_str().into(),
                token.name.as_str().into(),
                token.token_hash.as_str().into(),
                token.scopes.as_str().into(),
                token.created_at.into(),
                token.expires_at.into(),
                token.last_used_at.into(),
                token.revoked.into(),
            ]))
            .await?;
        audit::append(&mut tx, now, &[audit_event]).await?;
        tx.commit().await
    }

    const TOKEN_COLUMNS: [ApiTokens; 9] = [
        ApiTokens::Id,
        ApiTokens::UserId,
        ApiTokens::Name,
        ApiTokens::TokenHash,
        ApiTokens::Scopes,
        ApiTokens::CreatedAt,
        ApiTokens::ExpiresAt,
        ApiTokens::LastUsedAt,
        ApiTokens::Revoked,
    ];

    pub async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>, StoreError> {
        self.pool
            .target()
            .fetch_optional(
                Query::select()
                    .columns(Self::TOKEN_COLUMNS)
                    .from(ApiTokens::Table)
                    .and_where(Expr::col(ApiTokens::TokenHash).eq(token_hash)),
            )
            .await
    }

    pub async fn api_tokens_of(&self, user: Uuid) -> Result<Vec<ApiTokenRecord>, StoreError> {
        self.pool
            .target()
            .fetch_all(
                Query::select()
                    .columns(Self::TOKEN_COLUMNS)
                    .from(ApiTokens::Table)
                    .and_where(Expr::col(ApiTokens::UserId).eq(user.to_string()))
                    .order_by(ApiTokens::CreatedAt, Order::Desc),
            )
            .await
    }

    pub async fn mark_api_token_used(&self, id: &str) -> Result<(), StoreError> {
        let now = self.clock().now();
        self.pool
            .target()
            .execute(
                Query::update()
                    .table(ApiTokens::Table)
                    .value(ApiTokens::LastUsedAt, now.0)
                    .and_where(Expr::col(ApiTokens::Id).eq(id)),
            )
            .await?;
        Ok(())
    }

    pub async fn revoke_api_token(&self, user: Uuid, id: &str, audit_event: AuditEvent) -> Result<bool, StoreError> {
        let now = self.clock().now();
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .target()
            .execute(
                Query::update()
                    .table(ApiTokens::Table)
                    .value(ApiTokens::Revoked, true)
                    .and_where(Expr::col(ApiTokens::Id).eq(id))
                    .and_where(Expr::col(ApiTokens::UserId).eq(user.to_string())),
            )
            .await?;
        if changed > 0 {
            audit::append(&mut tx, now, &[audit_event]).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }
}
