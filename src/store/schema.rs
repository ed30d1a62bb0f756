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
);
