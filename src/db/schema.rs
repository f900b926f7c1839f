// Written by hand to compile for both PostgreSQL and SQLite; keep in step with migrations/.

diesel::table! {
    users (id) {
        id -> Integer,
        email -> Text,
        username -> Text,
        password_hash -> Text,
        preferred_sign_language -> Text,
        visual_density -> Integer,
        reading_level -> Integer,
        motion_sensitivity -> Bool,
        color_contrast -> Text,
        authorized_modules -> Text,
        module_preferences -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (jti) {
        jti -> Text,
        family_id -> Text,
        user_id -> Integer,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    revoked_tokens (jti) {
        jti -> Text,
        token_type -> Text,
        user_id -> Integer,
        revoked_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(revoked_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    revoked_tokens,
    login_throttle,
    sessions
);

diesel::table! {
    login_throttle (account) {
        account -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
    }
}
