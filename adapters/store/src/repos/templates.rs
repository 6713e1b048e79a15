//! The agent template repository; `replace_all` makes the stored set match the configuration in one transaction.

use ares_application::ports::{RepoError, TemplateRepository};
use ares_domain::{AgentName, AgentTemplate, AgentType, ProductType};
use async_trait::async_trait;
use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;

use super::agents::{config_text, read_config};
use super::{parse_stored, stored_time};
use crate::db::Db;
use crate::error::query_error;
use crate::schema::agent_templates;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = agent_templates)]
struct TemplateRow {
    name: String,
    product_type: String,
    agent_type: String,
    config: String,
    /// Where the template stands in the configuration: templates list, and are cloned, in that order.
    position: i32,
    updated_at: NaiveDateTime,
}

impl TryFrom<TemplateRow> for AgentTemplate {
    type Error = RepoError;

    fn try_from(row: TemplateRow) -> Result<Self, Self::Error> {
        Ok(AgentTemplate {
            name: parse_stored("template name", AgentName::parse(&row.name))?,
            product_type: parse_stored("template product type", row.product_type.parse::<ProductType>())?,
            agent_type: parse_stored("template agent type", AgentType::parse(&row.agent_type))?,
            config: read_config(&row.config)?,
        })
    }
}

/// Agent templates in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct TemplateStore {
    db: Db,
}

impl TemplateStore {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl TemplateRepository for TemplateStore {
    async fn list(&self, product_type: Option<ProductType>) -> Result<Vec<AgentTemplate>, RepoError> {
        let rows: Vec<TemplateRow> = with_conn!(&self.db, |conn| {
            let mut query = agent_templates::table.select(TemplateRow::as_select()).into_boxed();
            if let Some(product) = product_type {
                query = query.filter(agent_templates::product_type.eq(product.as_str()));
            }
            query
                .order((agent_templates::position.asc(), agent_templates::name.asc()))
                .load(conn)
                .await
                .map_err(query_error)?
        });
        rows.into_iter().map(AgentTemplate::try_from).collect()
    }

    async fn replace_all(&self, templates: &[AgentTemplate]) -> Result<(), RepoError> {
        let now = stored_time(Utc::now());
        let rows = templates
            .iter()
            .zip(0..)
            .map(|(t, position)| {
                Ok(TemplateRow {
                    name: t.name.to_string(),
                    product_type: t.product_type.as_str().to_owned(),
                    agent_type: t.agent_type.to_string(),
                    config: config_text(&t.config)?,
                    position,
                    updated_at: now,
                })
            })
            .collect::<Result<Vec<_>, RepoError>>()?;
        let names: Vec<String> = rows.iter().map(|row| row.name.clone()).collect();
        with_conn!(&self.db, |conn: Conn| {
            in_transaction!(conn: Conn, {
                diesel::delete(agent_templates::table.filter(agent_templates::name.ne_all(&names)))
                    .execute(conn)
                    .await?;
                for row in &rows {
                    diesel::insert_into(agent_templates::table)
                        .values(row)
                        .on_conflict(agent_templates::name)
                        .do_update()
                        .set((
                            agent_templates::product_type.eq(excluded(agent_templates::product_type)),
                            agent_templates::agent_type.eq(excluded(agent_templates::agent_type)),
                            agent_templates::config.eq(excluded(agent_templates::config)),
                            agent_templates::position.eq(excluded(agent_templates::position)),
                            agent_templates::updated_at.eq(excluded(agent_templates::updated_at)),
                        ))
                        .execute(conn)
                        .await?;
                }
                Ok(())
            })
            .map_err(query_error)
        })
    }
}
