//! Passwords: argon2id with a per-password salt, PHC string format.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

/// Minimum length we accept for a new password.
pub const MIN_LENGTH: usize = 10;

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that a login
/// for an unknown name takes as long as one for a known name.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash("không-có-người-dùng-này"))
}

/// Why a new password is refused, in Vietnamese.
pub fn check_strength(password: &str, username: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(format!("Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."));
    }
    if password.to_lowercase().contains(&username.to_lowercase()) && !username.is_empty() {
        return Err("Mật khẩu không được chứa tên đăng nhập.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn argon2id_round_trip() {
        let h = super::hash("mật khẩu dài đủ");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("mật khẩu dài đủ", &h));
        assert!(!super::verify("sai", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
