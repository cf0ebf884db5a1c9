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
    /// Whether the connection can hold a file alone (exclusive locking mode): not through the
    /// SQLite ODBC driver, which then waits on a lock of its own.
    var holdsFileAlone: Bool { get }
}

extension SQLiteSession {
    /// What every connection sets before its first statement: WAL, so a reader never blocks
    /// on a writer; and memory that stays bounded whatever the graph's size: a 64 MiB page
    /// cache, and sorts and temporary tables that outgrow it spill to files beside the
    /// database (its disk has room for the data) unless SQLITE_TMPDIR names a folder.
    ///
    /// A file with more than one name (hard links) is held alone: SQLite keeps the WAL and
    /// its index beside each *name*, so two processes writing through two names do not see
    /// each other and corrupt the file (https://www.sqlite.org/howtocorrupt.html, "multiple
    /// links to the same file"). Its locks on the file itself, though, are the inode's: in
    /// exclusive locking mode the connection takes the file's exclusive lock at once and keeps
    /// it, with the WAL index in its own memory, so a second process through any name waits
    /// for the first to finish (or gives up after the busy timeout, exit 3) instead.
    func prepareSession() throws {
        let names = path == ":memory:" ? 1 : Self.linkCount(resolvedPath)
        if names > 1 {
            guard holdsFileAlone else {
                throw ConfigError("\(path) has \(names) names (hard links): SQLite keeps a write-ahead log beside each name, and two names written at once corrupt the database (https://www.sqlite.org/howtocorrupt.html). Through ODBC idhealth cannot hold such a file alone: give it as sqlite:\(path), or make the other names symbolic links")
            }
            do {
                try execute("PRAGMA locking_mode = EXCLUSIVE")
                try execute("PRAGMA journal_mode = WAL")
                try execute("BEGIN EXCLUSIVE")
                try execute("COMMIT")
            } catch let error as DatabaseError where Int(error.code).map({ $0 & 0xFF == 5 }) == true {
                throw DatabaseError(engine: .sqlite, code: error.code, message: """
                    \(path) has \(names) names (hard links) and another process has it open through one of them: \
                    idhealth holds such a file alone while it runs, because SQLite keeps a write-ahead log beside each name \
                    and two names written at once corrupt the database (https://www.sqlite.org/howtocorrupt.html); \
                    try again when the other process is done, or give every process the file by one name (a symbolic link is fine)
                    """)
            }
        }
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA synchronous = NORMAL")
        try execute("PRAGMA cache_size = -\(literal: .integer(SQLiteDatabase.cacheKibibytes))")
        try execute("PRAGMA temp_store = FILE")
        if ProcessInfo.processInfo.environment["SQLITE_TMPDIR"].map(\.isEmpty) ?? true {
            let folder = URL(fileURLWithPath: resolvedPath).deletingLastPathComponent().path
            try execute("PRAGMA temp_store_directory = \(literal: .text(folder))")
        }
    }

    var holdsFileAlone: Bool { true }

    /// How many names (hard links) the file has; 1 when it cannot be read (a new file).
    static func linkCount(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_nlink) : 1
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
