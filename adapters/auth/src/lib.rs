//! Identity adapters: bcrypt password hashing and HS256 JWT access tokens.

mod jwt;
mod password;

pub use jwt::JwtIssuer;
pub use password::BcryptHasher;
