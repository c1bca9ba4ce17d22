internal import CSQLite
import Foundation

/// A thin, typed wrapper over one SQLite connection: prepared statements,
/// bound values, rows, transactions. Enough for the run history; nothing
/// more.
final class SQLiteDatabase {
  enum Value: Equatable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
  }

  struct Row {
    fileprivate var values: [String: Value]
    func int(_ c: String) -> Int64? { if case .int(let v) = values[c] { return v } else { return nil } }
    func real(_ c: String) -> Double? {
      switch values[c] {
      case .real(let v): return v
      case .int(let v): return Double(v)
      default: return nil
      }
    }
    func text(_ c: String) -> String? { if case .text(let v) = values[c] { return v } else { return nil } }
    func blob(_ c: String) -> [UInt8]? {
      switch values[c] {
      case .blob(let v): return v
      case .text(let v): return Array(v.utf8)
      default: return nil
      }
    }
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private var handle: OpaquePointer?
  let path: String

  /// Opens `path`, creating it unless `readOnly`. Read-only, it needs no
  /// write access to the file or its folder: when SQLite cannot share the
  /// WAL index there, the file is opened as immutable (a snapshot).
  init(path: String, readOnly: Bool = false, busyMilliseconds: Int32 = 10_000) throws {
    self.path = path
    if readOnly {
      let plain = SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX
      if sqlite3_open_v2(path, &handle, plain, nil) == SQLITE_OK,
        sqlite3_exec(handle, "SELECT count(*) FROM sqlite_master", nil, nil, nil) == SQLITE_OK
      {
        sqlite3_busy_timeout(handle, 10_000)
        return
      }
      sqlite3_close(handle)
      handle = nil
      let uri = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?immutable=1"
      guard sqlite3_open_v2(uri, &handle, plain | SQLITE_OPEN_URI, nil) == SQLITE_OK else {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
        sqlite3_close(handle)
        throw Failure(description: "cannot open \(path) for reading: \(message)")
      }
      return
    }
    let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
    guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK else {
      let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(handle)
      throw Failure(description: "cannot open \(path): \(message)")
    }
    // Another run (another output directory, same state directory) may
    // hold the write lock for a moment.
    sqlite3_busy_timeout(handle, busyMilliseconds)
  }

  deinit { sqlite3_close(handle) }

  func execute(_ sql: String) throws {
    var err: UnsafeMutablePointer<CChar>?
    if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
      let message = err.map { String(cString: $0) } ?? "unknown error"
      sqlite3_free(err)
      throw Failure(description: "\(path): \(message)")
    }
  }

  /// Runs `sql` with `bindings` (`?` placeholders, in order); returns the rows.
  @discardableResult
  func query(_ sql: String, _ bindings: [Value] = []) throws -> [Row] {
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK else { throw error() }
    defer { sqlite3_finalize(stmt) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    for (i, v) in bindings.enumerated() {
      let idx = Int32(i + 1)
      let rc: Int32
      switch v {
      case .null: rc = sqlite3_bind_null(stmt, idx)
      case .int(let x): rc = sqlite3_bind_int64(stmt, idx, x)
      case .real(let x): rc = sqlite3_bind_double(stmt, idx, x)
      case .text(let s): rc = sqlite3_bind_text(stmt, idx, s, -1, transient)
      case .blob(let b):
        rc = b.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32(b.count), transient) }
      }
      guard rc == SQLITE_OK else { throw error() }
    }
    var rows: [Row] = []
    while true {
      let rc = sqlite3_step(stmt)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else { throw error() }
      var values: [String: Value] = [:]
      for c in 0..<sqlite3_column_count(stmt) {
        let name = String(cString: sqlite3_column_name(stmt, c))
        switch sqlite3_column_type(stmt, c) {
        case SQLITE_INTEGER: values[name] = .int(sqlite3_column_int64(stmt, c))
        case SQLITE_FLOAT: values[name] = .real(sqlite3_column_double(stmt, c))
        case SQLITE_TEXT: values[name] = .text(String(cString: sqlite3_column_text(stmt, c)))
        case SQLITE_BLOB:
          let n = Int(sqlite3_column_bytes(stmt, c))
          if n == 0 {
            values[name] = .blob([])
          } else {
            let p = sqlite3_column_blob(stmt, c)!
            values[name] = .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
          }
        default: values[name] = .null
        }
      }
      rows.append(Row(values: values))
    }
    return rows
  }

  var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Runs `body` in one transaction: all of it lands, or none of it.
  func transaction<T>(_ body: () throws -> T) throws -> T {
    try execute("BEGIN IMMEDIATE")
    do {
      let r = try body()
      try execute("COMMIT")
      return r
    } catch {
      try? execute("ROLLBACK")
      throw error
    }
  }

  private func error() -> Failure {
    Failure(description: "\(path): \(String(cString: sqlite3_errmsg(handle)))")
  }
}
