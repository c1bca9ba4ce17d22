import CLunaShims
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An output directory published atomically.
///
/// Outputs are written into a staging directory beside the target
/// (`.NAME.staging-PID`). `publish` swaps it with the target in one
/// `renameat2(RENAME_EXCHANGE)`, so a reader, or a run killed at any moment,
/// sees either the whole previous set or the whole new one, never a mix.
/// A failed run calls `discard` and the previous set stays untouched.
public final class OutputDirectory: @unchecked Sendable {
  /// The directory users read.
  public let target: URL
  /// Where this run writes.
  public let staging: URL
  private(set) public var written: [String] = []

  public init(target: String) throws {
    let t = URL(fileURLWithPath: target).standardizedFileURL
    self.target = t
    let parent = t.deletingLastPathComponent()
    staging = parent.appendingPathComponent(".\(t.lastPathComponent).staging-\(getpid())")
    let fm = FileManager.default
    do {
      try fm.createDirectory(at: parent, withIntermediateDirectories: true)
      if fm.fileExists(atPath: staging.path) { try fm.removeItem(at: staging) }
      try fm.createDirectory(at: staging, withIntermediateDirectories: true)
    } catch {
      throw PipelineError.output("cannot create \(staging.path): \(error.localizedDescription)")
    }
    var isDir: ObjCBool = false
    if fm.fileExists(atPath: t.path, isDirectory: &isDir), !isDir.boolValue {
      throw PipelineError.output("\(t.path) exists and is not a directory")
    }
  }

  /// The staging path of `relative`, with its folders created.
  public func path(for relative: String) throws -> String {
    let url = staging.appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    if !written.contains(relative) { written.append(relative) }
    return url.path
  }

  /// Writes `bytes` to `relative` in the staging directory.
  public func write(_ relative: String, _ bytes: [UInt8]) throws {
    let p = try path(for: relative)
    guard FileManager.default.createFile(atPath: p, contents: Data(bytes)) else {
      throw PipelineError.output("cannot write \(p)")
    }
  }

  /// Makes the staged outputs the target's contents, atomically.
  public func publish() throws {
    let fm = FileManager.default
    if fm.fileExists(atPath: target.path) {
      let rc = luna_exchange_paths(staging.path, target.path)
      guard rc == 0 else {
        throw PipelineError.output("cannot publish to \(target.path): \(String(cString: strerror(errno)))")
      }
      // The staging path now holds the previous set.
      try? fm.removeItem(at: staging)
    } else {
      guard rename(staging.path, target.path) == 0 else {
        throw PipelineError.output("cannot publish to \(target.path): \(String(cString: strerror(errno)))")
      }
    }
  }

  /// Removes staging directories of `target` left by runs that were killed
  /// (`.NAME.staging-PID`). Call only while holding the target's run lock,
  /// so that no live run is writing into one of them.
  public static func removeStaleStaging(target: String) -> [String] {
    let t = URL(fileURLWithPath: target).standardizedFileURL
    let parent = t.deletingLastPathComponent()
    let prefix = ".\(t.lastPathComponent).staging-"
    let fm = FileManager.default
    var removed: [String] = []
    for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
      let p = parent.appendingPathComponent(name).path
      if (try? fm.removeItem(atPath: p)) != nil { removed.append(p) }
    }
    return removed.sorted()
  }

  /// Drops the staged outputs; the target stays as it was.
  public func discard() {
    try? FileManager.default.removeItem(at: staging)
  }
}
