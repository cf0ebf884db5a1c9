import IDHealthSQL
import IDHealthMaterialize
import IDHealthChecks
import IDHealthReports

/// The commented `idhealth.yml` that `idhealth init` writes: every key with its default.
public enum ConfigTemplate {
    /// The file's text; schemas given are written as settings, the others as commented defaults.
    public static func text(database: String? = nil, sourceSchema: String? = nil, targetSchema: String? = nil) -> String {
        var lines = [
            "# idhealth configuration. Command-line flags override these values.",
            "# Unknown keys and wrong types are errors (exit 2), so a typo never goes unnoticed.",
            "",
            "# A SQLite path (relative to this file) or sqlite:PATH, a postgres:// URI, or a libpq",
            "# keyword string. libpq's PG* variables and ~/.pgpass work; keep passwords out of this file.",
            "database: \(database.map(yamlString) ?? "idhealth.sqlite")",
            "# Or, instead of database:, the connection of a dbt profile (postgres and redshift",
            "# outputs; env_var() resolved), and the dbt package's vars of a dbt project",
            "# (schema_name: the source schema; etl_overlap).",
            "# dbt_profile: analytics",
            "# dbt_target: prod",
            "# profiles_dir: ~/.dbt",
            "# dbt_project: ../analytics",
            "",
            "# Where the raw *_updates tables are (default: main in SQLite, public in PostgreSQL),",
            "# and where the current-state tables go (default: the source schema).",
            sourceSchema.map { "source_schema: \(yamlString($0))" } ?? "# source_schema: public",
            targetSchema.map { "target_schema: \(yamlString($0))" } ?? "# target_schema: identity",
            "",
            "materialization:",
            "  # incremental: rewrite only what rows landed since the last run touch (equals a full rebuild).",
            "  # table: full rebuild every run. view: plain views over the raw tables, nothing stored.",
            "  mode: incremental",
            "  # Hours of already-seen rows an incremental run re-reads, for rows that land late.",
            "  etl_overlap: 2",
            "  # Seconds to wait for a lock readers of the current tables hold (an open transaction",
            "  # on id_graph) before giving up with exit 3 naming them; 0 waits as long as it takes.",
            "  lock_timeout: 30",
            "",
            "traits:",
            "  # keep_last_value: a trait keeps its latest non-NULL value (as the dbt package does).",
            "  # propagate: the latest snapshot wins as it is, so an explicit NULL clears a trait",
            "  #   (use it once Segment's null trait propagation is on for your space).",
            "  nulls: keep_last_value",
            "",
            "# Offending rows shown per check in the reports.",
            "sample_size: 20",
            "",
            "# Report folder, relative to this file.",
            "output: reports",
            "",
            "# Custom checks: every *.sql file in this folder (relative to this file) is a check.",
            "# By default a checks folder beside this file, if there is one; named here, it must exist.",
            "# checks_folder: checks",
            "",
            "# Where each check run's outcome is posted: a Slack incoming webhook or any URL (a JSON",
            "# document). env:NAME reads the URL from the environment: it is a secret, keep it out of",
            "# this file. when: failure (default) | warning | change | always.",
            "# notify:",
            "#   - slack: env:IDHEALTH_SLACK_WEBHOOK",
            "#     when: change",
            "# Where the HTML report is published, linked from the messages.",
            "# report_url: https://ci.example.com/idhealth/identity-health.html",
            "",
            "checks:",
        ]
        for check in CheckCatalog.all {
            lines.append("  \(check.id):  # \(check.summary)")
            lines.append("    enabled: true")
            for parameter in check.parameters {
                lines.append("    \(parameter.name): \(yamlValue(parameter.defaultValue))  # \(parameter.help)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func yamlValue(_ value: ConfigValue) -> String {
        switch value {
        case .threshold(let threshold): return yamlString(threshold.description)
        case .string(let text): return yamlString(text)
        case .strings(let items): return "[" + items.map(yamlString).joined(separator: ", ") + "]"
        case .limits(let limits): return "{" + limits.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        default: return value.description
        }
    }

    static func yamlString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
