//! The diesel schema, shared by both backends (see the migrations for the DDL of each dialect).

diesel::table! {
    tenants (id) {
        id -> Text,
        name -> Text,
        tier -> Text,
        product_type -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used -> Nullable<Timestamp>,
        revoked -> Bool,
    }
}

diesel::table! {
    agents (id) {
        id -> Text,
        tenant_id -> Text,
        name -> Text,
        agent_type -> Text,
        config -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    agent_templates (name) {
        name -> Text,
        product_type -> Text,
        agent_type -> Text,
        config -> Text,
        position -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    runs (id) {
        id -> Text,
        tenant_id -> Text,
        agent_name -> Text,
        status -> Text,
        input -> Text,
        output -> Nullable<Text>,
        error -> Nullable<Text>,
        model -> Nullable<Text>,
        provider -> Nullable<Text>,
        tokens_in -> BigInt,
        tokens_out -> BigInt,
        started_at -> Timestamp,
        duration_ms -> Nullable<BigInt>,
        tool_calls -> Text,
    }
}

diesel::table! {
    providers (name) {
        name -> Text,
        kind -> Text,
        base_url -> Nullable<Text>,
        api_key_env -> Nullable<Text>,
        api_key -> Nullable<Text>,
        models -> Text,
        requests_per_day -> Nullable<BigInt>,
        tokens_per_minute -> Nullable<BigInt>,
        connect_timeout_ms -> BigInt,
        request_timeout_ms -> BigInt,
        max_retries -> Integer,
        max_idle_per_host -> Integer,
        idle_timeout_ms -> BigInt,
        enabled -> Bool,
        source -> Text,
        position -> Integer,
        discovered_models -> Text,
        models_refreshed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tenant_quotas (tenant_id) {
        tenant_id -> Text,
        day_key -> Text,
        day_requests -> BigInt,
        month_key -> Text,
        month_requests -> BigInt,
        month_reserved -> BigInt,
    }
}

diesel::table! {
    reservations (id) {
        id -> Text,
        tenant_id -> Text,
        month_key -> Text,
        tokens -> BigInt,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    usage_daily (tenant_id, day_key) {
        tenant_id -> Text,
        day_key -> Text,
        api_calls -> BigInt,
        runs -> BigInt,
        tokens -> BigInt,
        released -> BigInt,
        cost_nanos -> BigInt,
    }
}

diesel::table! {
    usage_events (id) {
        id -> Text,
        tenant_id -> Text,
        api_key_id -> Nullable<Text>,
        endpoint -> Text,
        agent -> Nullable<Text>,
        model -> Nullable<Text>,
        provider -> Nullable<Text>,
        tokens_in -> BigInt,
        tokens_out -> BigInt,
        estimated -> Bool,
        latency_ms -> BigInt,
        status -> Integer,
        created_at -> Timestamp,
        day_key -> Text,
        runs -> Integer,
        reserved_tokens -> BigInt,
        reservation_month -> Text,
        cost_nanos -> BigInt,
    }
}

diesel::table! {
    alerts (id) {
        id -> Text,
        severity -> Text,
        kind -> Text,
        message -> Text,
        tenant_id -> Nullable<Text>,
        dedup_key -> Text,
        created_at -> Timestamp,
        resolved -> Bool,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        action -> Text,
        actor -> Text,
        tenant_id -> Nullable<Text>,
        target -> Nullable<Text>,
        details -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        tier -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (hash) {
        hash -> Text,
        user_id -> Text,
        family -> Text,
        expires_at -> Timestamp,
        spent -> Bool,
        revoked -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conversations (id) {
        id -> Text,
        owner -> Text,
        title -> Text,
        agent -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    messages (id) {
        id -> BigInt,
        conversation_id -> Text,
        role -> Text,
        content -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    memories (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        content -> Text,
        source -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_agents (user_id, name) {
        user_id -> Text,
        name -> Text,
        agent_type -> Nullable<Text>,
        config -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(api_keys -> tenants (tenant_id));
diesel::joinable!(agents -> tenants (tenant_id));
diesel::joinable!(runs -> tenants (tenant_id));
diesel::joinable!(messages -> conversations (conversation_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    api_keys,
    agents,
    agent_templates,
    runs,
    providers,
    tenant_quotas,
    reservations,
    usage_daily,
    usage_events,
    alerts,
    audit_log,
    users,
    refresh_tokens,
    conversations,
    messages,
    memories,
    user_agents
);
