// One schema for both backends: text UUIDs, naive UTC timestamps, integer marks.
// Keep it in step with migrations/sqlite and migrations/postgres.

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organization_id -> Nullable<Text>,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> organizations (organization_id));

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contests (id) {
        id -> Text,
        slug -> Text,
        title_zh -> Text,
        title_en -> Text,
        venue -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        state -> Text,
        visibility -> Text,
        freeze_at -> Nullable<Timestamp>,
        tie_break -> Text,
        award_tiers -> Text,
        team_size_min -> Integer,
        team_size_max -> Integer,
        scheme_reopened -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        appeal_window_minutes -> Integer,
        self_registration -> Bool,
        board_version -> BigInt,
        reveal_mode -> Text,
        revealed_positions -> Integer,
    }
}

diesel::table! {
    contest_hosts (contest_id, organization_id) {
        contest_id -> Text,
        organization_id -> Text,
        is_lead -> Bool,
    }
}

diesel::table! {
    modules (id) {
        id -> Text,
        contest_id -> Text,
        code -> Text,
        title_zh -> Text,
        title_en -> Text,
        position -> Integer,
        weight -> Nullable<BigInt>,
        aggregation -> Text,
        discrepancy_threshold -> Integer,
        state -> Text,
        ends_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    criteria (id) {
        id -> Text,
        module_id -> Text,
        code -> Text,
        text_zh -> Text,
        text_en -> Text,
        kind -> Text,
        max_mark -> BigInt,
        step -> Nullable<BigInt>,
        descriptors -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        chain -> Text,
        seq -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        reason -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(contest_hosts -> contests (contest_id));
diesel::joinable!(contest_hosts -> organizations (organization_id));
diesel::joinable!(modules -> contests (contest_id));
diesel::joinable!(criteria -> modules (module_id));

diesel::table! {
    teams (id) {
        id -> Text,
        contest_id -> Text,
        name -> Text,
        school -> Text,
        region -> Text,
        coach -> Nullable<Text>,
        status -> Text,
        checked_in_at -> Nullable<Timestamp>,
        station -> Nullable<Integer>,
        code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    contestants (id) {
        id -> Text,
        team_id -> Text,
        contest_id -> Text,
        name -> Text,
        school -> Text,
        region -> Text,
        phone -> Nullable<Text>,
        id_number -> Nullable<Text>,
        role -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    judges (id) {
        id -> Text,
        contest_id -> Text,
        name -> Text,
        organization -> Text,
        is_chief -> Bool,
        token_hash -> Nullable<Text>,
        pin_hash -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    judge_sessions (token_hash) {
        token_hash -> Text,
        judge_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    panels (module_id, judge_id) {
        module_id -> Text,
        judge_id -> Text,
    }
}

diesel::table! {
    score_sheets (id) {
        id -> Text,
        client_id -> Text,
        contest_id -> Text,
        module_id -> Text,
        team_id -> Text,
        judge_id -> Text,
        status -> Text,
        version -> Integer,
        marks -> Text,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    imported_marks (team_id, criterion_id) {
        team_id -> Text,
        criterion_id -> Text,
        points -> BigInt,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    discrepancy_resolutions (id) {
        id -> Text,
        module_id -> Text,
        team_id -> Text,
        criterion_code -> Text,
        levels -> Text,
        resolution -> Text,
        reason -> Text,
        resolved_by -> Text,
        resolved_at -> Timestamp,
    }
}

diesel::table! {
    appeals (id) {
        id -> Text,
        contest_id -> Text,
        team_id -> Text,
        module_id -> Nullable<Text>,
        text -> Text,
        status -> Text,
        filed_by -> Text,
        filed_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(teams -> contests (contest_id));
diesel::joinable!(contestants -> teams (team_id));
diesel::joinable!(judges -> contests (contest_id));
diesel::joinable!(judge_sessions -> judges (judge_id));
diesel::joinable!(panels -> judges (judge_id));
diesel::joinable!(panels -> modules (module_id));
diesel::joinable!(score_sheets -> teams (team_id));
diesel::joinable!(score_sheets -> judges (judge_id));
diesel::joinable!(score_sheets -> modules (module_id));
diesel::joinable!(imported_marks -> teams (team_id));
diesel::joinable!(imported_marks -> criteria (criterion_id));

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    users,
    sessions,
    api_tokens,
    contests,
    contest_hosts,
    modules,
    criteria,
    audit_events,
    teams,
    contestants,
    judges,
    judge_sessions,
    panels,
    score_sheets,
    imported_marks,
    discrepancy_resolutions,
    appeals,
);
