//! Accounts: users, their scoped roles, and login sessions (our own store:
//! the cookie carries a random token; only its SHA-256 is kept).

use crate::audit::record;
use crate::{now, on_pool, on_tx, password, unique_conflict, Result, Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use ocop_domain::auth::{Action, Actor, Capability, Role};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How long a session lives without use.
pub const SESSION_HOURS: i64 = 12;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct RoleRow {
    id: i64,
    role: String,
    province_code: Option<String>,
    commune_code: Option<String>,
    producer_id: Option<i64>,
    council_id: Option<i64>,
    pos_id: Option<i64>,
    producer_province: Option<String>,
    producer_commune: Option<String>,
}

/// A granted role with its row id (to revoke it) and a readable scope.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Grant {
    pub id: i64,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn role_from_row(r: &RoleRow) -> Option<Role> {
    Some(match r.role.as_str() {
        "admin" => Role::Admin,
        "ministry" => Role::Ministry,
        "province_office" => Role::ProvinceOffice {
            province: r.province_code.clone()?,
        },
        "commune_officer" => Role::CommuneOfficer {
            province: r.province_code.clone()?,
            commune: r.commune_code.clone()?,
        },
        "council_member" => Role::CouncilMember {
            council_id: r.council_id?,
        },
        "producer" => Role::Producer {
            province: r.producer_province.clone()?,
            commune: r.producer_commune.clone()?,
            producer_id: r.producer_id?,
        },
        "point_of_sale" => Role::PointOfSale { pos_id: r.pos_id? },
        "buyer" => Role::Buyer,
        _ => return None,
    })
}

impl Store {
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, UserRow>(
            "SELECT * FROM users WHERE username = $1"
        )
        .bind(username.trim().to_lowercase())
        .fetch_optional(c)
        .await)?)
    }

    pub async fn user(&self, id: i64) -> Result<UserRow> {
        on_pool!(self, |c| sqlx::query_as::<_, UserRow>(
            "SELECT * FROM users WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?
        .ok_or(StoreError::NotFound("người dùng"))
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>> {
        Ok(on_pool!(self, |c| sqlx::query_as::<_, UserRow>(
            "SELECT * FROM users ORDER BY username"
        )
        .fetch_all(c)
        .await)?)
    }

    pub async fn user_count(&self) -> Result<i64> {
        Ok(on_pool!(self, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM users"
        )
        .fetch_one(c)
        .await)?)
    }

    pub async fn grants(&self, user_id: i64) -> Result<Vec<Grant>> {
        let rows: Vec<RoleRow> = on_pool!(self, |c| {
            sqlx::query_as::<_, RoleRow>(
            "SELECT r.id, r.role, r.province_code, r.commune_code, r.producer_id, r.council_id, r.pos_id, \
             p.province_code AS producer_province, p.commune_code AS producer_commune \
             FROM user_roles r LEFT JOIN producers p ON p.id = r.producer_id WHERE r.user_id = $1 ORDER BY r.id"
        )
        .bind(user_id)
        .fetch_all(c)
        .await
        })?;
        Ok(rows
            .iter()
            .filter_map(|r| role_from_row(r).map(|role| Grant { id: r.id, role }))
            .collect())
    }

    /// The actor behind a user id, with every role it holds (none if inactive).
    pub async fn actor(&self, user_id: i64) -> Result<Actor> {
        let user = self.user(user_id).await?;
        let roles = if user.active {
            self.grants(user_id)
                .await?
                .into_iter()
                .map(|g| g.role)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Actor {
            user_id,
            username: user.username,
            roles,
        })
    }

    /// Create a user. The password must already satisfy [`password::check_strength`].
    pub async fn create_user(
        &self,
        cap: &Capability,
        username: &str,
        full_name: &str,
        email: Option<&str>,
        password_plain: &str,
    ) -> Result<i64> {
        if cap.action() != Action::CreateUser {
            return Err(StoreError::Forbidden("user.create".into()));
        }
        let username = username.trim().to_lowercase();
        let valid = !username.is_empty()
            && username.len() <= 64
            && username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err(StoreError::conflict(
                "username",
                "Tên đăng nhập chỉ gồm chữ không dấu, số và . _ - (tối đa 64 ký tự).",
                "username may contain ASCII letters, digits and . _ - only.",
            ));
        }
        if let Err(msg) = password::check_strength(password_plain, &username) {
            return Err(StoreError::conflict(
                "password",
                msg,
                "password is too weak.",
            ));
        }
        let hash = password::hash(password_plain);
        let t = now();
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| sqlx::query_scalar(
            "INSERT INTO users (username, full_name, email, password_hash, active, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, TRUE, $5, $5) RETURNING id"
        )
        .bind(&username)
        .bind(ocop_domain::text::clean(full_name))
        .bind(email)
        .bind(&hash)
        .bind(t)
        .fetch_one(&mut *c)
        .await)
        .map_err(|e| {
            unique_conflict(e, |_| {
                StoreError::conflict(
                    "username",
                    "Tên đăng nhập đã có người dùng.",
                    "username is taken.",
                )
            })
        })?;
        record(
            &mut tx,
            cap,
            "user",
            &id.to_string(),
            None,
            Some(&serde_json::json!({ "username": username, "full_name": full_name, "email": email })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn grant_role(&self, cap: &Capability, user_id: i64, role: &Role) -> Result<i64> {
        if cap.action() != Action::GrantRole {
            return Err(StoreError::Forbidden("user.grant_role".into()));
        }
        let (province, commune, producer, council, pos) = match role {
            Role::ProvinceOffice { province } => (Some(province.clone()), None, None, None, None),
            Role::CommuneOfficer { province, commune } => (
                Some(province.clone()),
                Some(commune.clone()),
                None,
                None,
                None,
            ),
            Role::Producer { producer_id, .. } => (None, None, Some(*producer_id), None, None),
            Role::CouncilMember { council_id } => (None, None, None, Some(*council_id), None),
            Role::PointOfSale { pos_id } => (None, None, None, None, Some(*pos_id)),
            Role::Admin | Role::Ministry | Role::Buyer => (None, None, None, None, None),
        };
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, |c| {
            sqlx::query_scalar(
            "INSERT INTO user_roles (user_id, role, province_code, commune_code, producer_id, council_id, pos_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        )
        .bind(user_id)
        .bind(role.code())
        .bind(&province)
        .bind(&commune)
        .bind(producer)
        .bind(council)
        .bind(pos)
        .bind(now())
        .fetch_one(&mut *c)
        .await
        })?;
        record(
            &mut tx,
            cap,
            "user",
            &user_id.to_string(),
            None,
            Some(&serde_json::json!({ "granted": role })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn revoke_role(&self, cap: &Capability, user_id: i64, grant_id: i64) -> Result<()> {
        if cap.action() != Action::GrantRole {
            return Err(StoreError::Forbidden("user.grant_role".into()));
        }
        let grant = self
            .grants(user_id)
            .await?
            .into_iter()
            .find(|g| g.id == grant_id)
            .ok_or(StoreError::NotFound("vai trò"))?;
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM user_roles WHERE id = $1 AND user_id = $2"
        )
        .bind(grant_id)
        .bind(user_id)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        record(
            &mut tx,
            cap,
            "user",
            &user_id.to_string(),
            Some(&serde_json::json!({ "revoked": grant.role })),
            None,
        )
        .await?;
        tx.commit().await
    }

    pub async fn set_user_active(
        &self,
        cap: &Capability,
        user_id: i64,
        active: bool,
    ) -> Result<()> {
        if cap.action() != Action::DeactivateUser {
            return Err(StoreError::Forbidden("user.deactivate".into()));
        }
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                .bind(active)
                .bind(user_id)
                .execute(&mut *c)
                .await?;
            if !active {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *c)
                    .await?;
            }
        });
        record(
            &mut tx,
            cap,
            "user",
            &user_id.to_string(),
            None,
            Some(&serde_json::json!({ "active": active })),
        )
        .await?;
        tx.commit().await
    }

    /// Set a user's password and end all of that user's sessions.
    pub async fn set_password(
        &self,
        cap: &Capability,
        user_id: i64,
        new_password: &str,
    ) -> Result<()> {
        if !matches!(cap.action(), Action::ChangeOwnPassword | Action::CreateUser) {
            return Err(StoreError::Forbidden("user.change_password".into()));
        }
        let user = self.user(user_id).await?;
        if let Err(msg) = password::check_strength(new_password, &user.username) {
            return Err(StoreError::conflict(
                "new_password",
                msg,
                "password is too weak.",
            ));
        }
        let hash = password::hash(new_password);
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query(
                "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
            )
            .bind(&hash)
            .bind(now())
            .bind(user_id)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *c)
                .await?;
        });
        record(
            &mut tx,
            cap,
            "user",
            &user_id.to_string(),
            None,
            Some(&serde_json::json!({ "password_changed": true })),
        )
        .await?;
        tx.commit().await
    }

    /// Check a username and password; `None` when either is wrong or the
    /// account is inactive. Always spends one argon2 verification.
    pub async fn check_login(
        &self,
        username: &str,
        password_plain: &str,
    ) -> Result<Option<UserRow>> {
        let user = self.user_by_username(username).await?;
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.clone())
            .unwrap_or_else(|| password::dummy_hash().to_string());
        let ok = tokio::task::spawn_blocking({
            let p = password_plain.to_string();
            move || password::verify(&p, &hash)
        })
        .await
        .unwrap_or(false);
        Ok(user.filter(|u| ok && u.active))
    }

    /// Start a session; returns the token for the cookie and the CSRF token.
    /// A fresh token on every login prevents session fixation.
    pub async fn create_session(&self, user_id: i64) -> Result<(String, String)> {
        let token = random_token();
        let csrf = random_token();
        let t = now();
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(t)
                .execute(&mut *c)
                .await?;
            sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(token_hash(&token))
                .bind(user_id)
                .bind(&csrf)
                .bind(t)
                .bind(t + Duration::hours(SESSION_HOURS))
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await?;
        Ok((token, csrf))
    }

    pub async fn session(&self, token: &str) -> Result<Option<Session>> {
        let row: Option<(i64, String, DateTime<Utc>)> = on_pool!(self, |c| sqlx::query_as(
            "SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1"
        )
        .bind(token_hash(token))
        .fetch_optional(c)
        .await)?;
        Ok(row
            .filter(|(_, _, exp)| *exp > now())
            .map(|(user_id, csrf_token, expires_at)| Session {
                user_id,
                csrf_token,
                expires_at,
            }))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM sessions WHERE token_hash = $1"
        )
        .bind(token_hash(token))
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await
    }
}
