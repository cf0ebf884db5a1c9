import CODBC
import Foundation

/// The unixODBC driver manager, loaded with `dlopen` the first time an `odbc:` database is
/// used, so that idhealth builds and starts without unixODBC (`apt install unixodbc` when an
/// ODBC connection is wanted). The functions below have the ODBC API's names and signatures
/// and call into the loaded library, so ``ODBCConnection`` reads as plain ODBC.
final class ODBCLibrary: @unchecked Sendable {
    // @unchecked Sendable: set once in init, only read after.
    let allocHandle: idh_SQLAllocHandle
    let bindParameter: idh_SQLBindParameter
    let cancel: idh_SQLCancel
    let colAttribute: idh_SQLColAttribute
    let describeCol: idh_SQLDescribeCol
    let disconnect: idh_SQLDisconnect
    let driverConnect: idh_SQLDriverConnect
    let endTran: idh_SQLEndTran
    let execute: idh_SQLExecute
    let fetch: idh_SQLFetch
    let freeHandle: idh_SQLFreeHandle
    let getData: idh_SQLGetData
    let getDiagRec: idh_SQLGetDiagRec
    let getInfo: idh_SQLGetInfo
    let numResultCols: idh_SQLNumResultCols
    let prepare: idh_SQLPrepare
    let rowCount: idh_SQLRowCount
    let setConnectAttr: idh_SQLSetConnectAttr
    let setEnvAttr: idh_SQLSetEnvAttr

    /// The names unixODBC's driver manager goes by: its soname, the development link, macOS's.
    static let libraryNames = ["libodbc.so.2", "libodbc.so", "libodbc.2.dylib", "libodbc.dylib"]

    private static let loaded: Result<ODBCLibrary, ConfigError> = DynamicLibrary.once { try ODBCLibrary() }

    /// The library, loaded once; exit 2 saying what to install when it is not there.
    static func load() throws -> ODBCLibrary {
        try loaded.get()
    }

    /// The loaded library, for the forwarding functions: ``ODBC/connect`` loads it before any
    /// of them runs.
    static var shared: ODBCLibrary {
        guard case .success(let library) = loaded else { preconditionFailure("ODBC used before ODBCLibrary.load() succeeded") }
        return library
    }

    private init() throws {
        // RTLD_GLOBAL: the drivers the manager loads may look up its symbols.
        let library = try DynamicLibrary(names: Self.libraryNames, label: "the ODBC driver manager", global: true,
                                         missing: "unixODBC is not installed: odbc: databases need its driver manager; on Debian or Ubuntu `apt install unixodbc`, then the driver the connection string names")
        allocHandle = try library.function("SQLAllocHandle", as: idh_SQLAllocHandle.self)
        bindParameter = try library.function("SQLBindParameter", as: idh_SQLBindParameter.self)
        cancel = try library.function("SQLCancel", as: idh_SQLCancel.self)
        colAttribute = try library.function("SQLColAttribute", as: idh_SQLColAttribute.self)
        describeCol = try library.function("SQLDescribeCol", as: idh_SQLDescribeCol.self)
        disconnect = try library.function("SQLDisconnect", as: idh_SQLDisconnect.self)
        driverConnect = try library.function("SQLDriverConnect", as: idh_SQLDriverConnect.self)
        endTran = try library.function("SQLEndTran", as: idh_SQLEndTran.self)
        execute = try library.function("SQLExecute", as: idh_SQLExecute.self)
        fetch = try library.function("SQLFetch", as: idh_SQLFetch.self)
        freeHandle = try library.function("SQLFreeHandle", as: idh_SQLFreeHandle.self)
        getData = try library.function("SQLGetData", as: idh_SQLGetData.self)
        getDiagRec = try library.function("SQLGetDiagRec", as: idh_SQLGetDiagRec.self)
        getInfo = try library.function("SQLGetInfo", as: idh_SQLGetInfo.self)
        numResultCols = try library.function("SQLNumResultCols", as: idh_SQLNumResultCols.self)
        prepare = try library.function("SQLPrepare", as: idh_SQLPrepare.self)
        rowCount = try library.function("SQLRowCount", as: idh_SQLRowCount.self)
        setConnectAttr = try library.function("SQLSetConnectAttr", as: idh_SQLSetConnectAttr.self)
        setEnvAttr = try library.function("SQLSetEnvAttr", as: idh_SQLSetEnvAttr.self)
    }
}

// The ODBC API as ODBCConnection calls it, through the loaded driver manager.
@discardableResult func SQLAllocHandle(_ type: SQLSMALLINT, _ input: SQLHANDLE?, _ output: UnsafeMutablePointer<SQLHANDLE?>?) -> SQLRETURN {
    ODBCLibrary.shared.allocHandle(type, input, output)
}
@discardableResult func SQLBindParameter(_ statement: SQLHSTMT?, _ number: SQLUSMALLINT, _ direction: SQLSMALLINT, _ cType: SQLSMALLINT, _ sqlType: SQLSMALLINT,
                                         _ size: SQLULEN, _ digits: SQLSMALLINT, _ value: SQLPOINTER?, _ length: SQLLEN, _ indicator: UnsafeMutablePointer<SQLLEN>?) -> SQLRETURN {
    ODBCLibrary.shared.bindParameter(statement, number, direction, cType, sqlType, size, digits, value, length, indicator)
}
@discardableResult func SQLCancel(_ statement: SQLHSTMT?) -> SQLRETURN { ODBCLibrary.shared.cancel(statement) }
@discardableResult func SQLColAttribute(_ statement: SQLHSTMT?, _ column: SQLUSMALLINT, _ field: SQLUSMALLINT, _ text: SQLPOINTER?, _ length: SQLSMALLINT,
                                        _ written: UnsafeMutablePointer<SQLSMALLINT>?, _ number: UnsafeMutablePointer<SQLLEN>?) -> SQLRETURN {
    ODBCLibrary.shared.colAttribute(statement, column, field, text, length, written, number)
}
@discardableResult func SQLDescribeCol(_ statement: SQLHSTMT?, _ column: SQLUSMALLINT, _ name: UnsafeMutablePointer<SQLCHAR>?, _ length: SQLSMALLINT,
                                       _ written: UnsafeMutablePointer<SQLSMALLINT>?, _ type: UnsafeMutablePointer<SQLSMALLINT>?, _ size: UnsafeMutablePointer<SQLULEN>?,
                                       _ digits: UnsafeMutablePointer<SQLSMALLINT>?, _ nullable: UnsafeMutablePointer<SQLSMALLINT>?) -> SQLRETURN {
    ODBCLibrary.shared.describeCol(statement, column, name, length, written, type, size, digits, nullable)
}
@discardableResult func SQLDisconnect(_ connection: SQLHDBC?) -> SQLRETURN { ODBCLibrary.shared.disconnect(connection) }
@discardableResult func SQLDriverConnect(_ connection: SQLHDBC?, _ window: SQLHWND?, _ text: UnsafeMutablePointer<SQLCHAR>?, _ length: SQLSMALLINT,
                                         _ out: UnsafeMutablePointer<SQLCHAR>?, _ outLength: SQLSMALLINT, _ written: UnsafeMutablePointer<SQLSMALLINT>?,
                                         _ completion: SQLUSMALLINT) -> SQLRETURN {
    ODBCLibrary.shared.driverConnect(connection, window, text, length, out, outLength, written, completion)
}
@discardableResult func SQLEndTran(_ type: SQLSMALLINT, _ handle: SQLHANDLE?, _ completion: SQLSMALLINT) -> SQLRETURN {
    ODBCLibrary.shared.endTran(type, handle, completion)
}
@discardableResult func SQLExecute(_ statement: SQLHSTMT?) -> SQLRETURN { ODBCLibrary.shared.execute(statement) }
@discardableResult func SQLFetch(_ statement: SQLHSTMT?) -> SQLRETURN { ODBCLibrary.shared.fetch(statement) }
@discardableResult func SQLFreeHandle(_ type: SQLSMALLINT, _ handle: SQLHANDLE?) -> SQLRETURN { ODBCLibrary.shared.freeHandle(type, handle) }
@discardableResult func SQLGetData(_ statement: SQLHSTMT?, _ column: SQLUSMALLINT, _ type: SQLSMALLINT, _ value: SQLPOINTER?, _ length: SQLLEN,
                                   _ indicator: UnsafeMutablePointer<SQLLEN>?) -> SQLRETURN {
    ODBCLibrary.shared.getData(statement, column, type, value, length, indicator)
}
@discardableResult func SQLGetDiagRec(_ type: SQLSMALLINT, _ handle: SQLHANDLE?, _ record: SQLSMALLINT, _ state: UnsafeMutablePointer<SQLCHAR>?,
                                      _ native: UnsafeMutablePointer<SQLINTEGER>?, _ message: UnsafeMutablePointer<SQLCHAR>?, _ length: SQLSMALLINT,
                                      _ written: UnsafeMutablePointer<SQLSMALLINT>?) -> SQLRETURN {
    ODBCLibrary.shared.getDiagRec(type, handle, record, state, native, message, length, written)
}
@discardableResult func SQLGetInfo(_ connection: SQLHDBC?, _ type: SQLUSMALLINT, _ value: SQLPOINTER?, _ length: SQLSMALLINT,
                                   _ written: UnsafeMutablePointer<SQLSMALLINT>?) -> SQLRETURN {
    ODBCLibrary.shared.getInfo(connection, type, value, length, written)
}
@discardableResult func SQLNumResultCols(_ statement: SQLHSTMT?, _ count: UnsafeMutablePointer<SQLSMALLINT>?) -> SQLRETURN {
    ODBCLibrary.shared.numResultCols(statement, count)
}
@discardableResult func SQLPrepare(_ statement: SQLHSTMT?, _ text: UnsafeMutablePointer<SQLCHAR>?, _ length: SQLINTEGER) -> SQLRETURN {
    ODBCLibrary.shared.prepare(statement, text, length)
}
@discardableResult func SQLRowCount(_ statement: SQLHSTMT?, _ count: UnsafeMutablePointer<SQLLEN>?) -> SQLRETURN { ODBCLibrary.shared.rowCount(statement, count) }
@discardableResult func SQLSetConnectAttr(_ connection: SQLHDBC?, _ attribute: SQLINTEGER, _ value: SQLPOINTER?, _ length: SQLINTEGER) -> SQLRETURN {
    ODBCLibrary.shared.setConnectAttr(connection, attribute, value, length)
}
@discardableResult func SQLSetEnvAttr(_ environment: SQLHENV?, _ attribute: SQLINTEGER, _ value: SQLPOINTER?, _ length: SQLINTEGER) -> SQLRETURN {
    ODBCLibrary.shared.setEnvAttr(environment, attribute, value, length)
}
