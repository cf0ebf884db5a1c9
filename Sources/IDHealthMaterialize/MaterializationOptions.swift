import IDHealthSQL

/// How `materialize` builds the current-state tables.
public enum MaterializationMode: String, Sendable, CaseIterable {
    /// Full rebuild into staging tables, swapped in atomically.
    case table
    /// Only what rows landed since the last run touch, rewritten in one transaction; equals a
    /// full rebuild. The first run rebuilds.
    case incremental
    /// Plain view definitions over the raw tables.
    case view
}

/// How a trait that a newer snapshot leaves NULL is treated.
public enum TraitNulls: String, Sendable, CaseIterable {
    /// The latest non-NULL value wins, as the dbt package's `LAST_VALUE … IGNORE NULLS`.
    case keepLastValue = "keep_last_value"
    /// The latest snapshot is taken as it is: an explicit NULL clears the trait.
    case propagate
}
