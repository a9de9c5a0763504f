// Package sql holds the transform's models, one SQL SELECT per file, and the audits. The
// transform runs them in dependency order (a model depends on the models it names as
// schema.table), each materialised as a table named after its file:
//
//	10_staging/       staging.*       one per raw source: typed, de-duplicated, this run only
//	20_intermediate/  intermediate.*  identity matches and the sync rules
//	30_changes/       changes.*       one row per Runn write the load will send, with its rule
//	40_reports/       report.*        what the run explains but does not send: exclusions, etc.
//	50_views/         analytics.*     views for analysts over every run's plan.* and raw.*
//	90_audits/        audits          queries that must return no rows
//
// changes.* and report.* are kept per run in plan.* (same names, with run_id).
package sql

import "embed"

// Files are the models and audits.
//
//go:embed */*.sql
var Files embed.FS
