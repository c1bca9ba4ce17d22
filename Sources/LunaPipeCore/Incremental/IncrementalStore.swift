internal import CLunaShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where a run keeps, per input file, what its scan gave, so that the next
/// run over the same files scans only the new and changed ones and gives
/// outputs byte-identical to a full run (`AggregateEach`).
///
/// A file's state is keyed by the SHA-256 of its content (`digests`), under
/// the signature of the scan (`StateSignature`): the schema, the
/// aggregations, the options, the lookup tables, the pipeline and the
/// program. A file removed or replaced simply has no part in the next
/// merge; states no run of this signature needs any more are removed, and
/// those of other signatures once a run under a new one succeeds. A state
/// that cannot be read as written (damaged, cut short, of another format)
/// is set aside in `damaged/` and its file scanned again, with a note.
///
/// The runner makes one per run (`RunSettings.incremental`); `full` scans
/// every file and writes the states afresh.
public final class IncrementalStore: @unchecked Sendable {
  /// The folder of the states: one subfolder per signature.
  public let directory: String
  /// Scan every file, reusing nothing (and keep the states anew).
  public let full: Bool
  /// Per input file (`InputFiles.key`), the SHA-256 of its content as the
  /// run fingerprinted it.
  let digests: [String: String]
  /// What the run reused, scanned and kept (`RunReport.incremental`).
  var summary = RunReport.Incremental()
  private let lock = NSLock()

  /// What else shapes the scans, beyond what the signature reads from the
  /// stage itself: a runner gives the job's options (`RunJob.options`:
  /// region, plan, ...), so that a closure whose behaviour depends on one
  /// never reuses a state kept under another.
  public let scope: String

  /// A store in `directory` (made when first written) for inputs of these
  /// content digests, by path. `scope` names whatever a closure of the
  /// pipeline's stages depends on beyond the program (its options): a state
  /// is reused only under the same scope.
  public init(directory: String, digests: [String: String], full: Bool = false, scope: String = "") {
    _ = Self.fixedMallocThreshold
    self.scope = scope
    self.directory = directory
    self.digests = Dictionary(digests.map { (InputFiles.key($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
    self.full = full
    summary.full = full
  }

  /// An incremental run scans its files one by one, each scan taking and
  /// freeing its chunk buffers and tables, and keeps each file's state on
  /// another thread. glibc raises its mmap threshold after the first large
  /// free, and from then on such blocks come from per-thread heaps whose
  /// freed space stays resident: a first run over the national extract's 59
  /// months peaked at 600 MB to 1 GB, against 271 MB for one scan of all.
  /// A fixed threshold (which also stops the raising) gives large blocks
  /// back on free: 260 MB. Once per process.
  private static let fixedMallocThreshold: Bool = {
    luna_fix_mmap_threshold(256 << 10) == 1
  }()

  /// The digest of `path`'s content, if the run fingerprinted it.
  func digest(of path: String) -> String? { digests[InputFiles.key(path)] }

  func folder(_ signature: String) -> String { directory + "/" + signature }

  func statePath(_ signature: String, _ digest: String) -> String { folder(signature) + "/" + digest + ".lpstate" }
  func rejectsPath(_ signature: String, _ digest: String) -> String {
    folder(signature) + "/" + digest + ".lprejects"
  }

  /// Makes the folder of `signature` (and those above it).
  func makeFolder(_ signature: String) throws {
    try FileManager.default.createDirectory(atPath: folder(signature), withIntermediateDirectories: true)
  }

  /// Writes `bytes` to `path` through a temporary file beside it and a
  /// rename: a state is whole or absent.
  static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
      throw PipelineError.output("cannot write \(tmp)")
    }
    guard rename(tmp, path) == 0 else {
      let why = String(cString: strerror(errno))
      unlink(tmp)
      throw PipelineError.output("cannot rename \(tmp) to \(path): \(why)")
    }
  }

  /// Moves a state that could not be read into `damaged/` beside it (never
  /// deleting it: it is evidence), and says so.
  func setAside(_ path: String, rejects: String, why: String) -> String {
    let damaged = directory + "/damaged"
    try? FileManager.default.createDirectory(atPath: damaged, withIntermediateDirectories: true)
    let name = (path as NSString).lastPathComponent
    let stamp = Int(Date().timeIntervalSince1970)
    let target = damaged + "/\(stamp)-\(name)"
    let moved = rename(path, target) == 0
    if !rejects.isEmpty, access(rejects, F_OK) == 0 { rename(rejects, damaged + "/\(stamp)-" + (rejects as NSString).lastPathComponent) }
    let note =
      "the kept state \(name) could not be read (\(why)): \(moved ? "set aside as \(target)" : "left where it is"); its file is scanned again"
    lock.lock()
    summary.setAside.append(note)
    lock.unlock()
    return note
  }

  /// The signatures the run's scans used, each with the digests of the
  /// files it read.
  private var used: [String: Set<String>] = [:]

  /// Notes that a scan under `signature` read files of these digests.
  func use(_ signature: String, digests: Set<String>) {
    lock.lock()
    used[signature, default: []].formUnion(digests)
    lock.unlock()
  }

  /// After a successful run: removes the states of the run's signatures
  /// whose files it did not read, and the folders of other signatures
  /// (earlier schemas, versions, programs): only files LunaPipe names so
  /// (`*.lpstate`, `*.lprejects`, their temporaries), and a folder only
  /// when that leaves it empty. Gives the summary, sizes updated.
  @discardableResult
  public func removeUnused() -> RunReport.Incremental {
    let fm = FileManager.default
    var removed = 0
    var removedBytes = 0
    func removeOurs(in folder: String, keep: (String) -> Bool) {
      for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] {
        guard Self.isStateFile(name), !keep(name) else { continue }
        let path = folder + "/" + name
        var st = stat()
        if lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG, unlink(path) == 0 {
          removed += 1
          removedBytes += Int(st.st_size)
        }
      }
    }
    lock.lock()
    let used = self.used
    lock.unlock()
    guard !used.isEmpty else { return summary }
    for (signature, keep) in used {
      removeOurs(in: folder(signature)) { name in
        guard let dot = name.firstIndex(of: "."), !name.contains(".tmp-") else { return false }
        return keep.contains(String(name[..<dot])) || name == Checkpoint.name
      }
    }
    var others = 0
    for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where used[name] == nil {
      guard name.count == 32, name.allSatisfy(\.isHexDigit) else { continue }
      let other = directory + "/" + name
      removeOurs(in: other) { _ in false }
      rmdir(other)
      others += 1
    }
    let kept = used.keys.reduce(0) { $0 + keptBytes($1) }
    lock.lock()
    defer { lock.unlock() }
    if others > 0 {
      summary.notes.append(
        "states kept under another signature (another pipeline version, plan, schema, options or program) were not used, and are removed"
      )
    }
    summary.removedStates += removed
    summary.removedBytes += removedBytes
    summary.stateBytes = kept
    summary.stateShare =
      summary.inputBytes > 0 ? (Double(kept) / Double(summary.inputBytes) * 10_000).rounded() / 10_000 : 0
    return summary
  }

  static func isStateFile(_ name: String) -> Bool {
    name.hasSuffix(".lpstate") || name.hasSuffix(".lprejects") || name.contains(".lpstate.tmp-")
      || name.contains(".lprejects.tmp-") || name == Checkpoint.name || name.hasPrefix(Checkpoint.name + ".tmp-")
  }

  /// Bytes of the states of `signature` now kept.
  func keptBytes(_ signature: String) -> Int {
    var total = 0
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder(signature))) ?? []
    where Self.isStateFile(name) {
      var st = stat()
      if stat(folder(signature) + "/" + name, &st) == 0 { total += Int(st.st_size) }
    }
    return total
  }

  func update(_ body: (inout RunReport.Incremental) -> Void) {
    lock.lock()
    body(&summary)
    lock.unlock()
  }
}

extension RunReport {
  /// What an incremental run reused and scanned (`IncrementalStore`).
  public struct Incremental: Sendable, Codable, Equatable {
    /// `--full`: every file scanned, no state reused.
    public var full = false
    /// Input files whose kept state was reused, and their bytes.
    public var reusedFiles = 0
    public var reusedBytes = 0
    /// Input files scanned (new, changed, or without a usable state), and
    /// their bytes.
    public var scannedFiles = 0
    public var scannedBytes = 0
    /// The bytes of the files the run's incremental scans read.
    public var inputBytes = 0
    /// Bytes of the states kept after the run, and their share of
    /// `inputBytes`.
    public var stateBytes = 0
    public var stateShare = 0.0
    /// States removed: of files no longer read, or of another signature.
    public var removedStates = 0
    public var removedBytes = 0
    /// Whether the last run's checkpoint was merged in place of the states
    /// of the files it covers (`Checkpoint`).
    public var checkpoint = false
    /// Seconds spent merging the files' states into the run's totals.
    public var mergeSeconds = 0.0
    /// States that could not be read, set aside (one note each).
    public var setAside: [String] = []
    /// Why states were not used or kept, when they were not.
    public var notes: [String] = []

    /// Nothing reused or scanned yet.
    public init() {}
  }
}
