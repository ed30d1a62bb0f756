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
        super::teams::list_teams,
        super::teams::create_team,
        super::teams::get_team,
        super::teams::update_team,
        super::teams::withdraw_team,
        super::teams::check_in,
        super::teams::undo_check_in,
        super::teams::approve_team,
        super::teams::reject_team,
        super::registration::import_registration,
        super::registration::registration_form,
        super::registration::self_register,
        super::draw::get_draw,
        super::draw::run_draw,
        super::draw::station_cards,
        super::draw::mapping_sheet,
        super::judges::list_judges,
        super::judges::create_judge,
        super::judges::reissue_link,
        super::judges::revoke,
        super::judges::set_panel,
        super::judge_auth::sign_in,
        super::sheets::me,
        super::sheets::teams_to_mark,
        super::sheets::get_sheet,
        super::sheets::put_sheet,
        super::review::review,
        super::review::resolve,
        super::review::lock,
        super::review::unlock,
        super::imported_marks::import,
        super::appeals::list,
        super::appeals::file,
        super::appeals::decide,
        super::audit::verify,
        super::audit::export,
    ),
    tags(
        (name = "auth", description = "Signing in, sessions and API tokens"),
        (name = "accounts", description = "Organizations and organizer accounts"),
        (name = "contests", description = "Contests, co-hosts and the contest state machine"),
        (name = "schemes", description = "Marking schemes: modules and criteria"),
        (name = "registration", description = "Teams and contestants, spreadsheet import, self-registration, check-in and the draw"),
        (name = "judging", description = "Judges, panels, score sheets, review and locks"),
        (name = "audit", description = "The tamper-evident audit chain"),
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
