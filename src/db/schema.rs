//! The diesel table definitions (`users`, `sessions`, `videos`, ...), shared by both
//! backends.
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
        caption_size -> Integer,
        caption_color -> Text,
        caption_background -> Text,
        caption_opacity -> Integer,
        caption_font -> Text,
        caption_edge -> Text,
        caption_position -> Text,
        sign_layout -> Text,
        sign_corner -> Text,
        sign_size -> Text,
        keyboard_shortcuts -> Bool,
        role -> Text,
        suspended_at -> Nullable<Timestamp>,
        suspended_reason -> Nullable<Text>,
        sessions_revoked_at -> Nullable<Timestamp>,
        video_quota_mb -> Nullable<Integer>,
        uploads_per_day -> Nullable<Integer>,
        session_epoch -> Integer,
        email_verified_at -> Nullable<Timestamp>,
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
    videos (id) {
        id -> Integer,
        owner_id -> Integer,
        title -> Text,
        description -> Text,
        sign_language -> Text,
        visibility -> Text,
        status -> Text,
        progress -> Integer,
        original_filename -> Text,
        source_key -> Text,
        source_size -> BigInt,
        output_key -> Nullable<Text>,
        poster_key -> Nullable<Text>,
        duration_seconds -> Nullable<Double>,
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        video_codec -> Nullable<Text>,
        audio_codec -> Nullable<Text>,
        edition_group -> Nullable<Text>,
        attempts -> Integer,
        lease_until -> Nullable<Timestamp>,
        lease_token -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        processed_at -> Nullable<Timestamp>,
        frame_rate -> Nullable<Double>,
        hidden_at -> Nullable<Timestamp>,
        hidden_reason -> Nullable<Text>,
    }
}

diesel::table! {
    captions (id) {
        id -> Integer,
        video_id -> Integer,
        language -> Text,
        label -> Text,
        kind -> Text,
        storage_key -> Text,
        cue_count -> Integer,
        created_at -> Timestamp,
        transcript -> Nullable<Text>,
    }
}

diesel::table! {
    caption_revisions (id) {
        id -> Integer,
        caption_id -> Integer,
        user_id -> Nullable<Integer>,
        body -> Text,
        cue_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    video_feedback (id) {
        id -> Integer,
        video_id -> Integer,
        user_id -> Integer,
        rating -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        state -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (account) {
        account -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        occurred_at -> Timestamp,
        event -> Text,
        user_id -> Nullable<Integer>,
        origin -> Text,
        details -> Text,
    }
}

diesel::table! {
    video_reports (id) {
        id -> Integer,
        video_id -> Integer,
        reporter_id -> Integer,
        reason -> Text,
        details -> Text,
        status -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Integer>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Integer,
        message_id -> Text,
        kind -> Text,
        user_id -> Nullable<Integer>,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        lease_token -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> Integer,
        token_hash -> Text,
        purpose -> Text,
        user_id -> Integer,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sign_ins (id) {
        id -> Text,
        user_id -> Integer,
        kind -> Text,
        family_id -> Nullable<Text>,
        device -> Text,
        place -> Text,
        signed_in_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(account_tokens -> users (user_id));
diesel::joinable!(sign_ins -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(video_reports -> videos (video_id));
diesel::joinable!(revoked_tokens -> users (user_id));
diesel::joinable!(videos -> users (owner_id));
diesel::joinable!(captions -> videos (video_id));
diesel::joinable!(caption_revisions -> captions (caption_id));
diesel::joinable!(caption_revisions -> users (user_id));
diesel::joinable!(video_feedback -> videos (video_id));
diesel::joinable!(video_feedback -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    revoked_tokens,
    videos,
    captions,
    caption_revisions,
    video_feedback,
    login_throttle,
    sessions,
    audit_log,
    video_reports,
    sign_ins
);
