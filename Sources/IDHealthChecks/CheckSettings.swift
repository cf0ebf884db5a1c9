import Foundation
import IDHealthMaterialize

/// What the checks read from the configuration: how many samples to take, the settings they
/// judge freshness and rebuild by, where custom checks live, and each check's parameters.
///
/// The configuration file is parsed a layer above (IDHealthKit's `Configuration`), which
/// hands the checks this value: the checks never see YAML.
public struct CheckSettings: Sendable {
    /// Offending rows shown per check.
    public var sampleSize: Int
    /// Hours an incremental run re-reads; `freshness` compares the tables' spread with it.
    public var etlOverlapHours: Double
    /// How `materialization_drift` rebuilds `profile_traits`.
    public var traitNulls: TraitNulls
    /// The folder of custom checks (`*.sql`), absolute; nil for none.
    public var checksFolder: URL?
    /// The folder was named on purpose: its absence is an error, not "no custom checks".
    public var checksFolderRequired: Bool
    /// Per check id: `enabled` and the check's own parameters.
    public var checks: [String: [String: ConfigValue]]

    public init(sampleSize: Int = 20, etlOverlapHours: Double = 2, traitNulls: TraitNulls = .keepLastValue,
                checksFolder: URL? = nil, checksFolderRequired: Bool = false, checks: [String: [String: ConfigValue]] = [:]) {
        self.sampleSize = sampleSize
        self.etlOverlapHours = etlOverlapHours
        self.traitNulls = traitNulls
        self.checksFolder = checksFolder
        self.checksFolderRequired = checksFolderRequired
        self.checks = checks
    }

    /// The value of a check's parameter: the configuration's, else the check's default.
    public func parameter(_ name: String, of check: CheckDefinition) -> ConfigValue {
        if let value = checks[check.id]?[name] { return value }
        return check.parameters.first(where: { $0.name == name })?.defaultValue ?? .string("")
    }

    /// Whether a check is enabled (all are by default).
    public func isEnabled(_ check: CheckDefinition) -> Bool {
        if case .bool(let enabled)? = checks[check.id]?["enabled"] { return enabled }
        return true
    }
}

/// The names of the built-in checks' parameters (`-- param NAME …` in checks/*.sql): looked up
/// by case, not by text, so a typo (`.wran`) does not compile where a string (`"wran"`) would
/// silently find nothing and judge by `never` (CheckCatalogTests keeps the list and the files
/// in step).
public enum CheckParameterName: String, Sendable, CaseIterable {
    case defaultLimit = "default_limit"
    case extraPatterns = "extra_patterns"
    case extraValues = "extra_values"
    case factor
    case fail
    case failSegmentIDs = "fail_segment_ids"
    case limits
    case minMerges = "min_merges"
    case sample
    case sampleProfiles = "sample_profiles"
    case top
    case uniqueIDTypes = "unique_id_types"
    case warn
    case windowDays = "window_days"
}

/// A check's parameters as the kind its header declares, for its run and its compiled SQL alike.
extension CheckSettings {
    /// The value of a built-in check's parameter: the configuration's, else the default.
    public func parameter(_ name: CheckParameterName, of check: CheckDefinition) -> ConfigValue {
        parameter(name.rawValue, of: check)
    }

    /// A threshold setting of a check, resolved from the config file or its default.
    /// A threshold the check does not define is never crossed.
    func threshold(_ name: CheckParameterName, of check: CheckDefinition) -> Threshold {
        if case .threshold(let value) = parameter(name, of: check) { return value }
        return .never
    }

    func integer(_ name: CheckParameterName, of check: CheckDefinition) -> Int {
        if case .integer(let value) = parameter(name, of: check) { return value }
        return 0
    }

    func number(_ name: CheckParameterName, of check: CheckDefinition) -> Double {
        switch parameter(name, of: check) {
        case .number(let value): return value
        case .integer(let value): return Double(value)
        default: return 0
        }
    }

    func strings(_ name: CheckParameterName, of check: CheckDefinition) -> [String] {
        if case .strings(let values) = parameter(name, of: check) { return values }
        return []
    }

    func limits(_ name: CheckParameterName, of check: CheckDefinition) -> [String: Int] {
        if case .limits(let values) = parameter(name, of: check) { return values }
        return [:]
    }
}
