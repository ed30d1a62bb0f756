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

diesel::allow_tables_to_appear_in_same_query!(organizations, users);
