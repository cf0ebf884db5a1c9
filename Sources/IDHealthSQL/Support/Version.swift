/// The tool's version, reported in every report and run record.
public enum IDHealthVersion {
    public static let current = "0.1.0"
}
