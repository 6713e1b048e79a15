//! End-to-end tests: the real server (bootstrap's wiring, the repository's `ares.toml`) on port 0, over real HTTP,
//! each test on a fresh database of its own. Tests listed in `on_both_backends!` run once on PostgreSQL and once
//! on SQLite.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on any unexpected error")]

#[macro_use]
mod helpers;

mod admin_auth;
mod agents;
mod alerting;
mod analytics;
mod api_keys;
mod audit_walk;
mod client_agents;
mod client_chat;
mod client_keys;
mod contract;
mod docs_page;
mod end_users;
mod fixture;
mod fuzz;
mod hardening;
mod health;
mod insight;
mod memory;
mod metering;
mod openai_sdk;
mod persistence;
mod prometheus;
mod providers;
mod provisioning;
mod requests;
mod routing;
mod seed_examples;
mod templates;
mod tenants;
mod tool_budget;
mod tool_calling;
mod tool_model;
mod user_agents;
mod user_chat;
