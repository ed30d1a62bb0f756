//! What goes over the wire for accounts. Built from store models with `From`, so a field that
//! must stay private (a password hash) has no way into a response.

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::accounts::{Organization, User};

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: String,
    pub name: String,
    /// `school`, `enterprise` or `other`.
    pub kind: String,
}

impl From<Organization> for OrganizationView {
    fn from(org: Organization) -> Self {
        Self {
            id: org.id,
            name: org.name,
            kind: org.kind,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub organization_id: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            organization_id: user.organization_id,
            is_admin: user.is_admin,
            disabled: user.disabled,
        }
    }
}
