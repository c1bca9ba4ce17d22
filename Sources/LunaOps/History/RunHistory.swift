import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// The run history: every run's pipeline, arguments, inputs with their
/// SHA-256, counts, outputs and outcome, in `<state-dir>/lunapipe.sqlite`.
///
/// Each write is one SQLite transaction, so a process killed at any moment
/// leaves the history as it was before or after that write. A run is
/// recorded as `running` when it starts; one that never finishes is marked
/// `interrupted` by the next run of the same output directory (which holds
/// that directory's lock, so the earlier one cannot still be alive) or by
/// `lunapipe history`.
///
/// Outputs up to `keptContentLimit` bytes are kept by content (deduplicated
/// by SHA-256) so that `lunapipe diff` can show which cells changed between
/// any two runs.
public final class RunHistory {
  /// The history's file name in the state directory.
  public static let fileName = "lunapipe.sqlite"
  /// The largest output, in bytes (16 MiB), whose content the history keeps
  /// for `lunapipe diff`; a larger one is recorded by size and SHA-256 only.
  public static let keptContentLimit = 16 << 20
  /// The database's path: `STATE/lunapipe.sqlite`.
  public let path: String
  private let db: SQLiteDatabase

  /// Opens the history in `stateDirectory`, creating it if needed; a write
  /// waits up to `busyWait` seconds for another process holding it.
  public init(stateDirectory: String, busyWait: Double = 10) throws {
    do {
      try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    } catch {
      throw HistoryError("cannot create the state directory \(stateDirectory): \(error.localizedDescription)")
    }
    path = URL(fileURLWithPath: stateDirectory).appendingPathComponent(Self.fileName).path
    readOnly = false
    do {
      db = try SQLiteDatabase(path: path, busyMilliseconds: Int32(max(0, min(busyWait, 3600)) * 1000))
      try migrate()
    } catch {
      throw HistoryError("run history \(path): \(error)")
    }
  }

  /// Opens an existing history for reading only (`lunapipe history`,
  /// `diff`): no write access to the state directory is needed, and
  /// nothing is changed. Nil when there is none.
  public static func existing(in stateDirectory: String) throws -> RunHistory? {
    let p = URL(fileURLWithPath: stateDirectory).appendingPathComponent(fileName).path
    guard FileManager.default.fileExists(atPath: p) else { return nil }
    return try RunHistory(readOnlyAt: p)
  }

  /// Whether this history was opened read-only.
  public let readOnly: Bool

  private init(readOnlyAt path: String) throws {
    self.path = path
    readOnly = true
    do {
      db = try SQLiteDatabase(path: path, readOnly: true)
    } catch {
      throw HistoryError("run history \(path): \(error)")
    }
  }

  private func migrate() throws {
    try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
    try db.transaction {
      try db.execute(
        """
        CREATE TABLE IF NOT EXISTS runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          pipeline TEXT NOT NULL,
          version TEXT NOT NULL,
          output_directory TEXT NOT NULL,
          started TEXT NOT NULL,
          finished TEXT,
          host TEXT NOT NULL,
          pid INTEGER NOT NULL,
          arguments TEXT NOT NULL,
          options_key TEXT NOT NULL,
          status TEXT NOT NULL,
          exit_code INTEGER,
          message TEXT,
          read INTEGER NOT NULL DEFAULT 0,
          accepted INTEGER NOT NULL DEFAULT 0,
          rejected INTEGER NOT NULL DEFAULT 0,
          skipped INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS runs_by_directory ON runs(output_directory, id);
        CREATE TABLE IF NOT EXISTS run_inputs (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          ordinal INTEGER NOT NULL,
          path TEXT NOT NULL,
          size INTEGER NOT NULL,
          mtime_ns INTEGER NOT NULL,
          inode INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          PRIMARY KEY (run_id, ordinal)
        );
        CREATE INDEX IF NOT EXISTS run_inputs_by_path ON run_inputs(path, run_id);
        CREATE TABLE IF NOT EXISTS run_rejects (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          rule TEXT NOT NULL,
          count INTEGER NOT NULL,
          PRIMARY KEY (run_id, rule)
        );
        CREATE TABLE IF NOT EXISTS run_outputs (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          path TEXT NOT NULL,
          size INTEGER NOT NULL,
          sha256 TEXT NOT NULL,
          PRIMARY KEY (run_id, path)
        );
        CREATE TABLE IF NOT EXISTS contents (
          sha256 TEXT PRIMARY KEY,
          bytes BLOB NOT NULL
        );
        """)
      // Kept since version 2, in tables of their own (an older LunaPipe
      // writing into this history inserts its rows by position, so the
      // tables it knows keep their columns): each input's change time (a
      // file rewritten in place with its modification time put back is not
      // taken for unchanged), and each run's accepted records per volume
      // cell (the volume guard's baseline, whatever the output directory).
      try db.execute(
        """
        CREATE TABLE IF NOT EXISTS run_input_ctimes (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          ordinal INTEGER NOT NULL,
          ctime_ns INTEGER NOT NULL,
          PRIMARY KEY (run_id, ordinal)
        );
        CREATE TABLE IF NOT EXISTS run_volumes (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          cell TEXT NOT NULL,
          count INTEGER NOT NULL,
          PRIMARY KEY (run_id, cell)
        );
        """)
      try db.execute("PRAGMA user_version = 2")
    }
  }

  // MARK: Writing

  /// Records `record` as started; returns its id.
  public func begin(_ record: RunRecord) throws -> Int64 {
    try db.transaction {
      try db.query(
        """
        INSERT INTO runs (pipeline, version, output_directory, started, finished, host, pid, arguments,
          options_key, status, exit_code, message)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
          .text(record.pipeline), .text(record.version), .text(record.outputDirectory), .text(record.started),
          record.finished.map { .text($0) } ?? .null, .text(record.host), .int(Int64(record.pid)),
          .text(Self.json(record.arguments)), .text(record.optionsKey), .text(record.status.rawValue),
          record.exitCode.map { .int(Int64($0)) } ?? .null, record.message.map { .text($0) } ?? .null,
        ])
      let id = db.lastInsertRowID
      for (i, f) in record.inputs.enumerated() {
        try db.query(
          "INSERT INTO run_inputs (run_id, ordinal, path, size, mtime_ns, inode, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)",
          [.int(id), .int(Int64(i)), .text(f.path), .int(f.size), .int(f.mtimeNs), .int(f.inode), .text(f.sha256)])
        try db.query("INSERT INTO run_input_ctimes VALUES (?, ?, ?)", [.int(id), .int(Int64(i)), .int(f.ctimeNs)])
      }
      return id
    }
  }

  /// Records how run `id` ended: status, exit code, message, counts and
  /// outputs, with the time it finished. `contents` (SHA-256 → bytes, as
  /// `OutputSnapshot.take` gives them) are kept once per content.
  public func finish(
    _ id: Int64, status: RunRecord.Status, exitCode: Int, message: String?, counts: RunRecord.Counts,
    outputs: [RunRecord.Output], contents: [String: [UInt8]] = [:]
  ) throws {
    try db.transaction {
      try db.query(
        """
        UPDATE runs SET status = ?, finished = ?, exit_code = ?, message = ?, read = ?, accepted = ?,
          rejected = ?, skipped = ? WHERE id = ?
        """,
        [
          .text(status.rawValue), .text(Self.now()), .int(Int64(exitCode)), message.map { .text($0) } ?? .null,
          .int(Int64(counts.read)), .int(Int64(counts.accepted)), .int(Int64(counts.rejected)),
          .int(Int64(counts.skipped)), .int(id),
        ])
      for (rule, n) in counts.rejectsByRule.sorted(by: { $0.key < $1.key }) {
        try db.query("INSERT OR REPLACE INTO run_rejects VALUES (?, ?, ?)", [.int(id), .text(rule), .int(Int64(n))])
      }
      for (cell, n) in counts.volumes.sorted(by: { $0.key < $1.key }) {
        try db.query("INSERT OR REPLACE INTO run_volumes VALUES (?, ?, ?)", [.int(id), .text(cell), .int(Int64(n))])
      }
      for o in outputs {
        try db.query(
          "INSERT OR REPLACE INTO run_outputs VALUES (?, ?, ?, ?)",
          [.int(id), .text(o.path), .int(o.size), .text(o.sha256)])
      }
      for (sha, bytes) in contents.sorted(by: { $0.key < $1.key }) {
        try db.query("INSERT OR IGNORE INTO contents VALUES (?, ?)", [.text(sha), .blob(bytes)])
      }
    }
  }

  /// Marks every run of `outputDirectory` still recorded as running as
  /// interrupted. Call only while holding that directory's `RunLock`.
  @discardableResult
  public func markInterrupted(outputDirectory: String) throws -> [Int64] {
    try db.transaction {
      let ids = try db.query(
        "SELECT id FROM runs WHERE status = 'running' AND output_directory = ? ORDER BY id",
        [.text(outputDirectory)]
      ).compactMap { $0.int("id") }
      for id in ids {
        try db.query(
          """
          UPDATE runs SET status = 'interrupted', exit_code = NULL,
            message = 'the process ended before the run finished (killed?)' WHERE id = ?
          """, [.int(id)])
      }
      return ids
    }
  }

  /// Records an attempt that was refused before it started (another run
  /// busy, an input missing, an output directory LunaPipe did not write):
  /// status `refused`, with its exit code and message. Returns its id.
  @discardableResult
  public func recordRefused(_ record: RunRecord, exitCode: Int, message: String) throws -> Int64 {
    var r = record
    r.status = .refused
    let id = try begin(r)
    try finish(id, status: .refused, exitCode: exitCode, message: message, counts: .init(), outputs: [])
    return id
  }

  /// Brings the history in line with what `outputDirectory` holds after a
  /// run was killed: when the directory's marker names run `publishedRun`
  /// and the history has that run `interrupted` or `running` (killed after
  /// its outputs were published, before it recorded them), the run is
  /// recorded `ok` with the outputs found there. Returns whether it changed
  /// anything. Call only while holding the directory's `RunLock`.
  @discardableResult
  public func reconcile(
    outputDirectory: String, publishedRun: Int64, counts: RunRecord.Counts, outputs: [RunRecord.Output],
    contents: [String: [UInt8]]
  ) throws -> Bool {
    guard let r = try run(publishedRun), r.outputDirectory == outputDirectory,
      r.status == .interrupted || r.status == .running
    else { return false }
    try finish(
      publishedRun, status: .ok, exitCode: 0,
      message: "published; the process ended before it recorded its outputs (recorded by the next run)",
      counts: counts, outputs: outputs, contents: contents)
    return true
  }

  /// Runs recorded as running whose output directory's lock is free (so
  /// their process is gone) shown as interrupted, without writing: what
  /// the next run into that directory will record.
  public static func withAbandonedShown(_ runs: [RunRecord]) -> [RunRecord] {
    runs.map { r in
      guard r.status == .running, !RunLock.isHeld(outputDirectory: r.outputDirectory) else { return r }
      var shown = r
      shown.status = .interrupted
      return shown
    }
  }

  /// Marks runs recorded as running whose output directory's lock is free
  /// (so their process is gone) as interrupted.
  public func markAbandoned() throws {
    let dirs = try db.query("SELECT DISTINCT output_directory FROM runs WHERE status = 'running'")
      .compactMap { $0.text("output_directory") }
    for d in dirs where !RunLock.isHeld(outputDirectory: d) {
      try markInterrupted(outputDirectory: d)
    }
  }

  // MARK: Reading

  /// The newest runs first; all when `last` is nil.
  public func runs(last: Int? = nil) throws -> [RunRecord] {
    let limit = last.map { " LIMIT \($0)" } ?? ""
    return try db.query("SELECT * FROM runs ORDER BY id DESC\(limit)").map { try record(from: $0) }
  }

  /// Run `id`, with its inputs, counts and outputs; nil when there is none.
  public func run(_ id: Int64) throws -> RunRecord? {
    try db.query("SELECT * FROM runs WHERE id = ?", [.int(id)]).first.map { try record(from: $0) }
  }

  /// The newest run of `outputDirectory` that ended with `ok`.
  public func lastSuccessful(outputDirectory: String) throws -> RunRecord? {
    try db.query(
      "SELECT * FROM runs WHERE output_directory = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
      [.text(outputDirectory)]
    ).first.map { try record(from: $0) }
  }

  /// The newest successful run of `pipeline` whose options, the reject
  /// share aside, are those of `optionsKey`, into any output directory: the
  /// baseline of the volume guard, which a new `--out` must not reset.
  public func lastSuccessful(pipeline: String, optionsKey: String) throws -> RunRecord? {
    let wanted = Self.optionsWithoutRejectShare(optionsKey)
    for row in try db.query(
      "SELECT id, options_key FROM runs WHERE pipeline = ? AND status = 'ok' ORDER BY id DESC", [.text(pipeline)])
    where Self.optionsWithoutRejectShare(row.text("options_key") ?? "") == wanted {
      return try run(row.int("id") ?? 0)
    }
    return nil
  }

  /// An options key with its reject share left out: raising the share
  /// does not make another plan.
  static func optionsWithoutRejectShare(_ key: String) -> [String: String] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(key.utf8)) as? [String: Any] else {
      return ["": key]
    }
    var out: [String: String] = [:]
    for (k, v) in object where k != "maxRejectShare" { out[k] = "\(v)" }
    return out
  }

  /// The newest fingerprint recorded for each path in `paths`, to skip
  /// hashing files that have not changed.
  public func knownFingerprints(_ paths: [String]) throws -> [String: FileFingerprint] {
    var out: [String: FileFingerprint] = [:]
    for p in paths {
      let rows = try db.query(
        "SELECT \(Self.inputColumns) WHERE i.path = ? ORDER BY i.run_id DESC LIMIT 1", [.text(p)])
      if let r = rows.first { out[p] = fingerprint(from: r) }
    }
    return out
  }

  /// A kept output's bytes.
  public func content(sha256: String) throws -> [UInt8]? {
    try db.query("SELECT bytes FROM contents WHERE sha256 = ?", [.text(sha256)]).first?.blob("bytes")
  }

  private func record(from row: SQLiteDatabase.Row) throws -> RunRecord {
    let id = row.int("id") ?? 0
    var r = RunRecord(
      pipeline: row.text("pipeline") ?? "", version: row.text("version") ?? "",
      outputDirectory: row.text("output_directory") ?? "", started: row.text("started") ?? "",
      host: row.text("host") ?? "", pid: Int32(row.int("pid") ?? 0),
      arguments: (try? JSONDecoder().decode([String].self, from: Data((row.text("arguments") ?? "[]").utf8))) ?? [],
      optionsKey: row.text("options_key") ?? "",
      status: RunRecord.Status(rawValue: row.text("status") ?? "") ?? .failed)
    r.id = id
    r.finished = row.text("finished")
    r.exitCode = row.int("exit_code").map { Int($0) }
    r.message = row.text("message")
    r.counts.read = Int(row.int("read") ?? 0)
    r.counts.accepted = Int(row.int("accepted") ?? 0)
    r.counts.rejected = Int(row.int("rejected") ?? 0)
    r.counts.skipped = Int(row.int("skipped") ?? 0)
    for x in try db.query("SELECT rule, count FROM run_rejects WHERE run_id = ? ORDER BY rule", [.int(id)]) {
      r.counts.rejectsByRule[x.text("rule") ?? ""] = Int(x.int("count") ?? 0)
    }
    for x in try db.query("SELECT cell, count FROM run_volumes WHERE run_id = ?", [.int(id)]) {
      r.counts.volumes[x.text("cell") ?? ""] = Int(x.int("count") ?? 0)
    }
    r.inputs = try db.query("SELECT \(Self.inputColumns) WHERE i.run_id = ? ORDER BY i.ordinal", [.int(id)])
      .map(fingerprint(from:))
    r.outputs = try db.query("SELECT * FROM run_outputs WHERE run_id = ? ORDER BY path", [.int(id)]).map {
      RunRecord.Output(path: $0.text("path") ?? "", size: $0.int("size") ?? 0, sha256: $0.text("sha256") ?? "")
    }
    return r
  }

  private func fingerprint(from r: SQLiteDatabase.Row) -> FileFingerprint {
    FileFingerprint(
      path: r.text("path") ?? "", size: r.int("size") ?? 0, mtimeNs: r.int("mtime_ns") ?? 0,
      inode: r.int("inode") ?? 0, ctimeNs: r.int("input_ctime_ns") ?? 0, sha256: r.text("sha256") ?? "")
  }

  /// An input's columns with its change time (0 for a run recorded before
  /// change times were kept): `SELECT` them, then `WHERE` on `i`.
  private static let inputColumns = """
    i.run_id, i.ordinal, i.path, i.size, i.mtime_ns, i.inode, i.sha256, c.ctime_ns AS input_ctime_ns
    FROM run_inputs i LEFT JOIN run_input_ctimes c ON c.run_id = i.run_id AND c.ordinal = i.ordinal
    """

  static func json(_ strings: [String]) -> String {
    let d = (try? JSONEncoder().encode(strings)) ?? Data("[]".utf8)
    return String(decoding: d, as: UTF8.self)
  }

  /// The current time as the history writes it: ISO 8601 in UTC with
  /// milliseconds (`2026-11-27T02:00:01.395Z`).
  public static func now() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date())
  }
}

/// The run history cannot be opened, migrated, read or written, or an
/// output directory cannot be listed. A run whose history cannot be opened
/// or written fails with exit 73 (`RunExit.output`).
public struct HistoryError: Error, CustomStringConvertible {
  /// What failed, naming the database or directory.
  public var description: String
  /// An error with the message `d`.
  public init(_ d: String) { description = d }
}

extension RunLock {
  /// Whether a live run holds the lock of `outputDirectory` (checked
  /// without taking it).
  public static func isHeld(outputDirectory: String) -> Bool {
    let target = URL(fileURLWithPath: outputDirectory).standardizedFileURL
    let p = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).lock").path
    let fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    if flock(fd, LOCK_SH | LOCK_NB) == 0 {
      flock(fd, LOCK_UN)
      return false
    }
    return true
  }
}
