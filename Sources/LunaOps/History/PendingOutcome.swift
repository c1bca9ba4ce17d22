import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// How a run ended, kept in a file of the state directory when the history
/// could not take it then (held by another process past the wait, or the
/// disk full); the next run imports it into the history, so no failure is
/// later taken for a run that "did not finish".
///
/// A run that has begun reserves its file (`reserve`) before its work, at
/// full size, so that writing the outcome into it later (`fill`) allocates
/// nothing even on a full disk. A run refused before it began writes its
/// whole record (`write`). The files are `.lunapipe-outcome-*.json`, made
/// only by LunaPipe (`O_EXCL`, never through a link), and removed once
/// imported.
public struct PendingOutcome: Codable, Sendable {
  /// The run's id, when the history had begun it.
  public var run: Int64?
  /// The output directory of that run.
  public var outputDirectory: String
  /// The whole attempt, for a run the history never recorded.
  public var record: RunRecord?
  /// How it ended; nil in a reserved file not filled (the run is still
  /// running, or was killed).
  public var status: RunRecord.Status?
  /// Its exit code.
  public var exitCode: Int?
  /// Why it failed.
  public var message: String?
  /// Its counts.
  public var counts: RunRecord.Counts?

  /// The bytes a reserved file holds: room for the outcome's message.
  static let reservedBytes = 16 << 10
  static let prefix = ".lunapipe-outcome-"

  /// A reserved outcome file of one run.
  public final class Slot {
    /// Its path.
    public let path: String
    private let outputDirectory: String
    private let run: Int64

    fileprivate init(path: String, outputDirectory: String, run: Int64) {
      self.path = path
      self.outputDirectory = outputDirectory
      self.run = run
    }

    /// Writes the outcome into the reserved bytes (the message cut to fit)
    /// and syncs it; false when even that failed.
    @discardableResult
    public func fill(status: RunRecord.Status, exitCode: Int, message: String?, counts: RunRecord.Counts) -> Bool {
      var outcome = PendingOutcome(
        run: run, outputDirectory: outputDirectory, status: status, exitCode: exitCode, message: message,
        counts: counts)
      var bytes = outcome.encoded()
      while bytes.count > PendingOutcome.reservedBytes, let m = outcome.message, !m.isEmpty {
        outcome.message = String(m.prefix(m.count / 2)) + "…"
        bytes = outcome.encoded()
      }
      guard bytes.count <= PendingOutcome.reservedBytes else { return false }
      bytes += [UInt8](repeating: 32, count: PendingOutcome.reservedBytes - bytes.count)
      let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
      guard fd >= 0 else { return false }
      defer { close(fd) }
      let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
      return n == bytes.count && fsync(fd) == 0
    }

    /// Removes the file: the history took the outcome.
    public func remove() { unlink(path) }
  }

  /// Reserves the outcome file of run `run` in `stateDirectory`; nil when it
  /// cannot be made (the run goes on; its outcome then reaches the history
  /// or nowhere, as before).
  public static func reserve(in stateDirectory: String, run: Int64, outputDirectory: String) -> Slot? {
    let path = (stateDirectory as NSString).appendingPathComponent("\(prefix)\(run).json")
    var placeholder = PendingOutcome(run: run, outputDirectory: outputDirectory).encoded()
    guard placeholder.count <= reservedBytes else { return nil }
    placeholder += [UInt8](repeating: 32, count: reservedBytes - placeholder.count)
    guard create(path, placeholder) else { return nil }
    return Slot(path: path, outputDirectory: outputDirectory, run: run)
  }

  /// Writes the whole `record` of an attempt the history could not record
  /// at all (it was refused or failed before the history began it).
  @discardableResult
  public static func write(in stateDirectory: String, record: RunRecord) -> Bool {
    let outcome = PendingOutcome(
      outputDirectory: record.outputDirectory, record: record, status: record.status, exitCode: record.exitCode,
      message: record.message, counts: record.counts)
    let name = "\(prefix)\(getpid())-\(UInt64(Date().timeIntervalSince1970 * 1000)).json"
    return create((stateDirectory as NSString).appendingPathComponent(name), outcome.encoded())
  }

  /// Creates `path` (never over an existing file or through a link) with
  /// `bytes`, synced.
  private static func create(_ path: String, _ bytes: [UInt8]) -> Bool {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    guard n == bytes.count, fsync(fd) == 0 else {
      unlink(path)
      return false
    }
    return true
  }

  /// The outcome files in `stateDirectory`, with their contents, oldest
  /// name first; files that are not readable outcomes are left out (and
  /// left alone).
  public static func pending(in stateDirectory: String) -> [(path: String, outcome: PendingOutcome)] {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? [])
      .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    return names.compactMap { name in
      let p = (stateDirectory as NSString).appendingPathComponent(name)
      var st = stat()
      guard lstat(p, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= 4 * reservedBytes,
        let data = FileManager.default.contents(atPath: p),
        let o = try? JSONDecoder().decode(PendingOutcome.self, from: data)
      else { return nil }
      return (p, o)
    }
  }

  private func encoded() -> [UInt8] {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    return Array((try? enc.encode(self)) ?? Data("{}".utf8))
  }
}

extension RunHistory {
  /// Takes into the history every outcome a run left in the state
  /// directory because the history could not take it then, and removes
  /// those files. A reserved file never filled is removed once its run is
  /// no longer running (its output directory's lock is free): that run was
  /// killed, which `markInterrupted` records; the caller holding the lock
  /// of `holding` knows every such file of that directory to be stale.
  /// Returns the messages to log.
  @discardableResult
  public func importPending(from stateDirectory: String, holding: String? = nil) -> [String] {
    var notes: [String] = []
    for (path, o) in PendingOutcome.pending(in: stateDirectory) {
      do {
        if let record = o.record {
          var r = record
          r.status = o.status ?? .failed
          let id = try begin(r)
          try finish(
            id, status: r.status, exitCode: o.exitCode ?? 70, message: o.message, counts: o.counts ?? .init(),
            outputs: [])
          notes.append("recorded run \(id) (\(r.status.rawValue), exit \(o.exitCode ?? 70)), which the history could not take when it ended")
        } else if let id = o.run, let status = o.status {
          if let r = try run(id), r.status == .running || r.status == .interrupted {
            try finish(
              id, status: status, exitCode: o.exitCode ?? 70, message: o.message, counts: o.counts ?? .init(),
              outputs: [])
            notes.append("recorded how run \(id) ended (\(status.rawValue), exit \(o.exitCode ?? 70)), which the history could not take then")
          }
        } else if o.outputDirectory != holding, RunLock.isHeld(outputDirectory: o.outputDirectory) {
          continue  // reserved by a run still going
        }
        unlink(path)
      } catch {
        notes.append("could not yet record the outcome kept in \(path): \(error)")
      }
    }
    return notes
  }
}

extension RunHistory {
  /// `runs` with the outcome a run left in the state directory shown for
  /// it (what the next run will record), without writing.
  public func withPendingShown(_ runs: [RunRecord]) -> [RunRecord] {
    var byRun: [Int64: PendingOutcome] = [:]
    for (_, o) in PendingOutcome.pending(in: (path as NSString).deletingLastPathComponent) {
      if let id = o.run, o.status != nil { byRun[id] = o }
    }
    return runs.map { r in
      guard let o = byRun[r.id], let status = o.status, r.status == .running || r.status == .interrupted else {
        return r
      }
      var shown = r
      shown.status = status
      shown.exitCode = o.exitCode
      shown.message = o.message
      if let c = o.counts { shown.counts = c }
      return shown
    }
  }
}
