internal import CLunaShims
import Foundation

#if canImport(Glibc)
  import Glibc
  private let posixWrite = Glibc.write
#elseif canImport(Darwin)
  import Darwin
  private let posixWrite = Darwin.write
#endif

/// An output directory published atomically, and only over what LunaPipe
/// wrote.
///
/// Outputs are written into a staging directory beside the target
/// (`.NAME.staging-PID`). `publish` swaps it with the target in one
/// `renameat2(RENAME_EXCHANGE)`, so a reader, or a run killed at any moment,
/// sees either the whole previous set or the whole new one, never a mix.
/// A failed run calls `discard` and the previous set stays untouched.
///
/// **Ownership.** Every directory LunaPipe writes holds a marker file,
/// `.lunapipe-output`, naming the run and listing every file it wrote. An
/// existing target is replaced only when it is empty, or marked and holding
/// nothing but the files its marker lists (see `ownership(of:)`); anything
/// else — a user's folder, the folder of the extracts, a marked folder into
/// which someone put a file of their own — is refused before anything is
/// read or written. The same rule guards `OUT.failed` and stale staging
/// directories.
public final class OutputDirectory: @unchecked Sendable {
  /// The marker file in every directory LunaPipe writes.
  public static let markerName = ".lunapipe-output"

  /// The directory users read.
  public let target: URL
  /// Where this run writes.
  public let staging: URL
  /// The run that writes, as the marker names it.
  public let runID: Int64?
  /// The files written so far, relative to the directory, in the order first
  /// written (each once): what the marker lists at `publish()`.
  private(set) public var written: [String] = []
  private var writtenSet: Set<String> = []
  /// The staging folders made so far.
  private var folders: Set<String> = []

  /// Creates the staging directory for `target`.
  ///
  /// - Throws: `PipelineError.output` when `target` exists and LunaPipe
  ///   may not replace it, or when the staging directory cannot be made.
  public init(target: String, runID: Int64? = nil) throws {
    let t = URL(fileURLWithPath: target).standardizedFileURL
    self.target = t
    self.runID = runID
    let parent = t.deletingLastPathComponent()
    staging = parent.appendingPathComponent(".\(t.lastPathComponent).staging-\(getpid())")
    try Self.requireReplaceable(t.path)
    let fm = FileManager.default
    if Self.entryExists(staging.path) {
      guard case .lunapipe = Self.ownership(of: staging.path) else {
        throw PipelineError.output(
          "\(staging.path) exists and was not made by LunaPipe; move it away (LunaPipe stages its outputs there)")
      }
      try? Self.removeMarkedLast(staging.path)
    }
    do {
      try fm.createDirectory(at: parent, withIntermediateDirectories: true)
      try fm.createDirectory(at: staging, withIntermediateDirectories: false)
    } catch {
      throw PipelineError.output("cannot create \(staging.path): \(error.localizedDescription)")
    }
    // Marked from the start: a run killed while staging leaves a directory
    // the next run knows as its own.
    try writeMarker(complete: false)
  }

  /// The staging path of `relative`, with its folders created.
  public func path(for relative: String) throws -> String {
    let url = staging.appendingPathComponent(relative)
    let folder = url.deletingLastPathComponent()
    if !folders.contains(folder.path) {
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      folders.insert(folder.path)
    }
    if writtenSet.insert(relative).inserted { written.append(relative) }
    return url.path
  }

  /// Writes `bytes` to `relative` in the staging directory, and to disk
  /// (`fsync`) before it returns. The file is written in place: staging is
  /// the run's own, and `publish()` is what makes it visible, whole.
  public func write(_ relative: String, _ bytes: [UInt8]) throws {
    try Self.writeFile(try path(for: relative), bytes)
  }

  /// Writes `bytes` to the file at `p` (created or emptied first), and to
  /// disk before it returns: `write(_:_:)` for a path `path(for:)` gave.
  /// Safe to call from several threads for different files.
  static func writeFile(_ p: String, _ bytes: [UInt8]) throws {
    let fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
    guard fd >= 0 else { throw PipelineError.output("cannot write \(p): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var done = 0
    try bytes.withUnsafeBytes { b in
      while done < b.count {
        let n = posixWrite(fd, b.baseAddress! + done, b.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw PipelineError.output("cannot write \(p): \(String(cString: strerror(errno)))") }
        done += n
      }
    }
    guard fsync(fd) == 0 else { throw PipelineError.output("cannot write \(p): \(String(cString: strerror(errno)))") }
  }

  /// Makes the staged outputs the target's contents, atomically. The
  /// target is checked once more right before: a file put into it while the
  /// run worked stops the publish, and nothing is replaced.
  public func publish() throws {
    try writeMarker(complete: true)
    try Self.requireReplaceable(target.path)
    if Self.entryExists(target.path) {
      let rc = luna_exchange_paths(staging.path, target.path)
      guard rc == 0 else {
        throw PipelineError.output("cannot publish to \(target.path): \(String(cString: strerror(errno)))")
      }
      // The staging path now holds the previous set, checked above as ours.
      try? Self.removeMarkedLast(staging.path)
    } else {
      guard rename(staging.path, target.path) == 0 else {
        throw PipelineError.output("cannot publish to \(target.path): \(String(cString: strerror(errno)))")
      }
    }
  }

  /// Moves the staged outputs of a failed run to `TARGET.failed` (replacing
  /// an earlier failed run's, never a folder LunaPipe did not write) and
  /// returns that path; nil when they stay in the staging directory, which
  /// the next run removes.
  public func keepAsFailed() -> String? {
    let failed = target.path + ".failed"
    try? writeMarker(complete: true)
    if Self.entryExists(failed) {
      guard case .lunapipe = Self.ownership(of: failed) else { return nil }
      try? Self.removeMarkedLast(failed)
    }
    guard rename(staging.path, failed) == 0 else { return nil }
    return failed
  }

  /// What `removeFailed()` did with `TARGET.failed`.
  public enum FailedRemoval: Equatable, Sendable {
    /// There was none.
    case none
    /// It was LunaPipe's (the rejects and report of the failed run `runID`)
    /// and is gone.
    case removed(path: String, runID: Int64?)
    /// It is not LunaPipe's, or could not be removed: left as it is.
    case leftAlone(path: String, why: String)
  }

  /// Removes `TARGET.failed` once a later run has published: an earlier
  /// failure's rejects and report, superseded. Only a directory LunaPipe
  /// wrote (`ownership(of:)` is `.lunapipe`) is removed, its marker last;
  /// anything else there (an empty folder, a user's) is left alone.
  public func removeFailed() -> FailedRemoval {
    let failed = target.path + ".failed"
    switch Self.ownership(of: failed) {
    case .absent:
      return .none
    case .lunapipe(let runID):
      do {
        try Self.removeMarkedLast(failed)
        return .removed(path: failed, runID: runID)
      } catch {
        return .leftAlone(path: failed, why: "it could not be removed: \(error.localizedDescription)")
      }
    case .empty:
      return .leftAlone(path: failed, why: "it is an empty folder LunaPipe did not write")
    case .foreign(let why):
      return .leftAlone(path: failed, why: "its contents are not LunaPipe's: it \(why)")
    }
  }

  /// Drops the staged outputs; the target stays as it was.
  public func discard() {
    try? Self.removeMarkedLast(staging.path)
  }

  /// Removes a directory LunaPipe wrote, its marker last: a removal cut
  /// short (the process killed) leaves a directory that is still provably
  /// LunaPipe's — its marker and some of the files it lists — so that the
  /// next run removes the rest, rather than a directory of unmarked files
  /// no run may touch.
  static func removeMarkedLast(_ path: String) throws {
    let fm = FileManager.default
    for entry in try fm.contentsOfDirectory(atPath: path) where entry != markerName {
      try fm.removeItem(atPath: (path as NSString).appendingPathComponent(entry))
    }
    try? fm.removeItem(atPath: (path as NSString).appendingPathComponent(markerName))
    try fm.removeItem(atPath: path)
  }

  private func writeMarker(complete: Bool) throws {
    let marker = Marker(runID: runID, files: complete ? written.sorted() : nil)
    let p = staging.appendingPathComponent(Self.markerName).path
    guard FileManager.default.createFile(atPath: p, contents: Data(marker.text.utf8)) else {
      throw PipelineError.output("cannot write \(p)")
    }
  }

  // MARK: Ownership

  /// Whose a path is, as far as replacing it goes.
  public enum Ownership: Equatable, Sendable {
    /// Nothing there.
    case absent
    /// An empty directory.
    case empty
    /// A directory LunaPipe wrote (by run `runID`, when known), holding
    /// nothing but what it wrote.
    case lunapipe(runID: Int64?)
    /// Anything else; the reason says what was found.
    case foreign(String)
  }

  /// The marker's contents: the run, and the files it wrote (nil while the
  /// run is still staging).
  public struct Marker: Equatable, Sendable {
    /// The run (its id in the run history) that wrote the directory, when known.
    public var runID: Int64?
    /// Every file the run wrote, relative to the directory; nil while it was
    /// still staging (an incomplete directory).
    public var files: [String]?

    /// A marker for run `runID` listing `files`.
    public init(runID: Int64?, files: [String]?) {
      self.runID = runID
      self.files = files
    }

    var text: String {
      var s = """
        This directory was written by LunaPipe. Each run into it replaces it whole;
        LunaPipe refuses to replace it while it holds a file not listed below.

        """
      if let runID { s += "run: \(runID)\n" }
      if let files {
        s += "files:\n"
        for f in files { s += f + "\n" }
      } else {
        s += "incomplete\n"
      }
      return s
    }

    /// Reads a marker's text; nil when it is not one.
    public init?(text: String) {
      guard text.hasPrefix("This directory was written by LunaPipe.") else { return nil }
      var files: [String]?
      for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if files != nil {
          if !line.isEmpty { files!.append(String(line)) }
        } else if line.hasPrefix("run: ") {
          runID = Int64(line.dropFirst(5))
        } else if line == "files:" {
          files = []
        }
      }
      self.files = files
    }
  }

  /// Whether LunaPipe may replace what is at `path`: nothing, an empty
  /// directory, or a directory it wrote holding only what it wrote — its
  /// marker's files, or for a directory written before markers existed,
  /// the files its `run-report.json` lists. A symbolic link is never
  /// replaced (the exchange would replace the link, not its target).
  public static func ownership(of path: String) -> Ownership {
    var st = stat()
    guard lstat(path, &st) == 0 else { return errno == ENOENT ? .absent : .foreign("cannot be inspected") }
    switch st.st_mode & S_IFMT {
    case S_IFLNK: return .foreign("is a symbolic link")
    case S_IFDIR: break
    default: return .foreign("is a file, not a directory")
    }
    guard let present = try? filesAndLinks(in: path) else { return .foreign("cannot be listed") }
    if present.isEmpty { return .empty }
    let markerPath = (path as NSString).appendingPathComponent(markerName)
    var listed: Set<String>
    var runID: Int64?
    if let data = FileManager.default.contents(atPath: markerPath) {
      guard let marker = Marker(text: String(decoding: data, as: UTF8.self)) else {
        return .foreign("holds a \(markerName) that is not LunaPipe's")
      }
      runID = marker.runID
      // A marker without a list: a run killed while staging; every file
      // there is its own.
      guard let files = marker.files else { return .lunapipe(runID: runID) }
      listed = Set(files)
      listed.insert(markerName)
    } else if let outputs = legacyOutputs(path) {
      listed = Set(outputs)
    } else {
      let shown = present.prefix(3).joined(separator: ", ") + (present.count > 3 ? ", …" : "")
      return .foreign("holds files LunaPipe did not write (\(shown))")
    }
    let foreign = present.filter { !listed.contains($0) }
    if !foreign.isEmpty {
      let shown = foreign.prefix(3).joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
      return .foreign("holds \(foreign.count) file\(foreign.count == 1 ? "" : "s") LunaPipe did not write (\(shown))")
    }
    return .lunapipe(runID: runID)
  }

  /// The files a directory written before markers existed lists in its
  /// `run-report.json` (with the report itself).
  private static func legacyOutputs(_ path: String) -> [String]? {
    let p = (path as NSString).appendingPathComponent("run-report.json")
    guard let data = FileManager.default.contents(atPath: p),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
      object["pipeline"] is String, object["version"] is String,
      let outputs = object["outputs"] as? [String]
    else { return nil }
    return outputs + ["run-report.json"]
  }

  /// Throws unless `path` may be replaced (see `ownership(of:)`).
  public static func requireReplaceable(_ path: String) throws {
    if case .foreign(let why) = ownership(of: path) {
      throw PipelineError.output(
        "--out \(path) \(why): LunaPipe replaces only an output directory it wrote, an empty one or a new one. Nothing was changed; move those files away, or give the folder LunaPipe writes this plan's outputs to"
      )
    }
  }

  /// Refuses, before anything is read or written, an output directory
  /// whose replacement would take away something that is not LunaPipe's:
  /// one that is not replaceable (`ownership(of:)`), one that is or holds
  /// an input file, the working directory or a folder above it, or a folder
  /// holding the state directory.
  public static func checkTarget(_ target: String, inputs: [String], stateDirectory: String?) throws {
    let t = resolved(target)
    func within(_ p: String) -> Bool { p == t || p.hasPrefix(t == "/" ? "/" : t + "/") }
    let cwd = resolved(FileManager.default.currentDirectoryPath)
    if within(cwd) {
      throw PipelineError.output(
        "--out \(target) is the working directory or a folder above it; replacing it would replace the folder you work in. Give a new folder, e.g. --out lunapipe-out"
      )
    }
    if let i = inputs.first(where: { within(resolved($0)) }) {
      throw PipelineError.output(
        "--out \(target) holds the input \(i); replacing it would remove the input. Give a folder of its own, e.g. --out \(target == "." ? "" : target + "/")lunapipe-out"
      )
    }
    if let s = stateDirectory, within(resolved(s)) {
      throw PipelineError.output(
        "--out \(target) holds the state directory \(s) (the run history); give a folder of its own, or another --state-dir"
      )
    }
    try requireReplaceable(t)
  }

  /// `path` absolute, with symbolic links of its existing part resolved.
  static func resolved(_ path: String) -> String {
    let url = URL(fileURLWithPath: path).standardizedFileURL
    var head = url
    var tail: [String] = []
    while head.path != "/" {
      if let r = realpath(head.path, nil) {
        defer { free(r) }
        var s = String(cString: r)
        for c in tail.reversed() { s = (s as NSString).appendingPathComponent(c) }
        return s
      }
      tail.append(head.lastPathComponent)
      head = head.deletingLastPathComponent()
    }
    return url.path
  }

  /// Relative paths of the files and links under `path` (not directories).
  static func filesAndLinks(in path: String) throws -> [String] {
    var out: [String] = []
    guard let e = FileManager.default.enumerator(atPath: path) else { return [] }
    while let rel = e.nextObject() as? String {
      var st = stat()
      let full = (path as NSString).appendingPathComponent(rel)
      if lstat(full, &st) == 0, st.st_mode & S_IFMT != S_IFDIR { out.append(rel) }
    }
    return out.sorted()
  }

  private static func entryExists(_ path: String) -> Bool {
    var st = stat()
    return lstat(path, &st) == 0
  }

  /// Removes staging directories of `target` left by runs that were killed
  /// (`.NAME.staging-PID`, marked as LunaPipe's). Call only while holding
  /// the target's run lock, so that no live run is writing into one of
  /// them. Returns what it removed, and what it left because it is not
  /// LunaPipe's.
  public static func removeStaleStaging(target: String) -> (removed: [String], leftAlone: [String]) {
    let t = URL(fileURLWithPath: target).standardizedFileURL
    let parent = t.deletingLastPathComponent()
    let prefix = ".\(t.lastPathComponent).staging-"
    let fm = FileManager.default
    var removed: [String] = []
    var left: [String] = []
    for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
      let p = parent.appendingPathComponent(name).path
      guard case .lunapipe = ownership(of: p) else {
        left.append(p)
        continue
      }
      if (try? Self.removeMarkedLast(p)) != nil { removed.append(p) }
    }
    return (removed.sorted(), left.sorted())
  }
}
