import Foundation

/// Finds a driver the way ADBC's own driver manager does
/// (https://arrow.apache.org/adbc/current/format/driver_manifests.html#manifest-location-and-discovery):
/// a path to a `.so` or a `.toml` is used as it is; a bare name is looked up as `NAME.toml`
/// in each directory of `ADBC_DRIVER_PATH`, then `$VIRTUAL_ENV/etc/adbc/drivers`, then the
/// user's folder (`$XDG_CONFIG_HOME/adbc/drivers`, else `~/.config/adbc/drivers`), then the
/// system's (`/etc/adbc/drivers`).
struct ADBCDriverLocator {
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// What a user installs for each driver idhealth knows, for the message when it is missing.
    static let packages: [String: String] = [
        "snowflake": "adbc-driver-snowflake",
        "bigquery": "adbc-driver-bigquery",
        "spark": "adbc-driver-spark",
        "postgresql": "adbc-driver-postgresql",
        "sqlite": "adbc-driver-sqlite",
    ]

    /// The folders searched for `NAME.toml`, in order.
    var searchPath: [String] {
        var folders: [String] = []
        if let path = environment["ADBC_DRIVER_PATH"] {
            folders += path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let venv = environment["VIRTUAL_ENV"], !venv.isEmpty { folders.append(venv + "/etc/adbc/drivers") }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            folders.append(config + "/adbc/drivers")
        } else if let home = environment["HOME"], !home.isEmpty {
            folders.append(home + "/.config/adbc/drivers")
        }
        folders.append("/etc/adbc/drivers")
        return folders
    }

    /// The library and entry point for `name`: a manifest's, or a library path's own.
    func locate(_ name: String) throws -> ADBCDriverManifest {
        if name.contains("/") {
            guard FileManager.default.fileExists(atPath: name) else {
                throw ConfigError("the ADBC driver \(name) does not exist")
            }
            if name.hasSuffix(".toml") { return try manifest(at: name) }
            return ADBCDriverManifest(library: name, entrypoint: nil)
        }
        for folder in searchPath {
            let candidate = folder + "/" + name + ".toml"
            if FileManager.default.fileExists(atPath: candidate) { return try manifest(at: candidate) }
        }
        let package = Self.packages[name].map { "`pip install \($0)` and a manifest \(name).toml pointing at its shared library, or " } ?? ""
        throw ConfigError("no ADBC driver named \(name): idhealth looked for \(name).toml in \(searchPath.joined(separator: ", ")). Install one (\(package)the ADBC driver installer), or set ADBC_DRIVER_PATH to the folder of its manifest")
    }

    private func manifest(at path: String) throws -> ADBCDriverManifest {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("cannot read the ADBC driver manifest \(path)")
        }
        let manifest = try ADBCDriverManifest(text: text, path: path)
        // A relative library path is relative to the manifest.
        guard !manifest.library.hasPrefix("/") else { return manifest }
        let folder = (path as NSString).deletingLastPathComponent
        return ADBCDriverManifest(library: folder + "/" + manifest.library, entrypoint: manifest.entrypoint)
    }
}
