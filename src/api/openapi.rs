//! The OpenAPI document at `/api/openapi.json`, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Skillboard API", description = "Scoring server for vocational skills competitions. Errors are application/problem+json with a stable `code`."),
    paths(
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::auth::list_tokens,
        super::auth::create_token,
        super::auth::revoke_token,
        super::accounts::list_organizations,
        super::accounts::create_organization,
        super::accounts::list_users,
        super::accounts::create_user,
        super::contests::list_contests,
        super::contests::create_contest,
        super::contests::get_contest,
        super::contests::update_contest,
        super::contests::change_state,
        super::contests::set_hosts,
        super::schemes::get_scheme,
        super::schemes::put_scheme,
        super::schemes::export_xlsx,
        super::schemes::import_xlsx,
        super::schemes::reopen,
        super::boards::public_board,
        super::boards::live_board,
        super::boards::reveal,
    ),
    tags(
        (name = "auth", description = "Signing in, sessions and API tokens"),
        (name = "accounts", description = "Organizations and organizer accounts"),
        (name = "contests", description = "Contests, co-hosts and the contest state machine"),
        (name = "schemes", description = "Marking schemes: modules and criteria"),
        (name = "boards", description = "Leaderboards: public, live, per module; the reveal"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
