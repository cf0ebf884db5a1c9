import Foundation

/// What a connection to a SQLite file does in SQL and beside the file, whichever client
/// carries it: libsqlite3 itself (``SQLiteDatabase``) or the SQLite ODBC driver
/// (``ODBCSQLiteDatabase``). Schemas are sibling files attached by SQL, the materialization
/// lock is a file lock beside the database, and SHA-1 and `regexp` are idhealth's own
/// functions (``SQLiteFunctions``), so both connections behave the same.
protocol SQLiteSession: Database {
    /// The main file as named (`:memory:` for none).
    var path: String { get }
    /// The main file with symbolic links resolved: what the lock and the sibling schema
    /// files are named from, so a database reached through a link is still one database.
    var resolvedPath: String { get }
    var lockFiles: SQLiteLockFiles { get }
}

extension SQLiteSession {
    /// What every connection sets before its first statement: WAL, so a reader never blocks
    /// on a writer; and memory that stays bounded whatever the graph's size: a 64 MiB page
    /// cache, and sorts and temporary tables that outgrow it spill to files beside the
    /// database (its disk has room for the data) unless SQLITE_TMPDIR names a folder.
    func prepareSession() throws {
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA cache_size = -\(literal: .integer(SQLiteDatabase.cacheKibibytes))")
        try execute("PRAGMA temp_store = FILE")
        if ProcessInfo.processInfo.environment["SQLITE_TMPDIR"].map(\.isEmpty) ?? true {
            let folder = URL(fileURLWithPath: resolvedPath).deletingLastPathComponent().path
            try execute("PRAGMA temp_store_directory = \(literal: .text(folder))")
        }
    }

    public func sha1Support() throws -> SHA1Support {
        .available(functionSchema: nil)
    }

    public func tryLock(_ name: String, schema: String, holder: String) throws -> LockAttempt {
        try lockFiles.tryLock(database: resolvedPath, name: name, holder: holder)
    }

    public func unlock(_ name: String, schema: String) throws {
        lockFiles.unlock(name: name)
    }

    /// SQLite does not say who holds its write lock.
    public func lockHolders(of tables: [QualifiedName]) throws -> [String] { [] }

    /// Makes `schema` usable as a schema name: `main` and `temp` always are; any other name is
    /// attached as the file `<database>.<schema>.sqlite` beside the main file.
    public func useSchema(_ schema: String, create: Bool) throws {
        if schema == "main" || schema == "temp" { return }
        if try attachedSchemas().contains(schema) { return }
        let file = schemaFile(schema)
        if !create, file != ":memory:", !FileManager.default.fileExists(atPath: file) {
            throw InputError("schema \(schema) not found: in SQLite a schema other than main is the file \(file), which does not exist")
        }
        try execute("ATTACH DATABASE \(bind: .text(file)) AS \(ident: schema)")
    }

    /// The file that holds schema `schema`: `<database>.<schema>.sqlite` beside the main file.
    func schemaFile(_ schema: String) -> String {
        path == ":memory:" ? ":memory:" : resolvedPath + "." + schema.replacingOccurrences(of: "/", with: "_") + ".sqlite"
    }

    func attachedSchemas() throws -> [String] {
        try rows("SELECT name FROM pragma_database_list").compactMap { $0[0].stringValue }
    }

    public func schemaExists(_ schema: String) throws -> Bool {
        if schema == "main" || schema == "temp" { return true }
        return try attachedSchemas().contains(schema) || (path != ":memory:" && FileManager.default.fileExists(atPath: schemaFile(schema)))
    }

    /// `main`, every attached schema, and every sibling schema file (read without attaching it).
    public func schemas(holding table: String) throws -> [String] {
        var found = Set<String>()
        for schema in try attachedSchemas() where schema != "temp" {
            if try tableExists(QualifiedName(schema, table)) { found.insert(schema) }
        }
        if path != ":memory:" {
            let folder = (resolvedPath as NSString).deletingLastPathComponent
            let prefix = (resolvedPath as NSString).lastPathComponent + "."
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where name.hasPrefix(prefix) && name.hasSuffix(".sqlite") && name.count > prefix.count + 7 {
                let schema = String(name.dropFirst(prefix.count).dropLast(7))
                guard !found.contains(schema), let sibling = try? SQLiteDatabase(path: folder + "/" + name, create: false) else { continue }
                if (try? sibling.tableExists(QualifiedName("main", table))) == true { found.insert(schema) }
            }
        }
        return found.sorted()
    }
}
