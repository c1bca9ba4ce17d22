import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What identifies one file's content for the run history: its path, size,
/// modification time, inode and SHA-256.
public struct FileFingerprint: Sendable, Codable, Equatable {
  /// The file's absolute, standardized path.
  public var path: String
  /// The file's size in bytes.
  public var size: Int64
  /// Modification time, nanoseconds since the epoch.
  public var mtimeNs: Int64
  /// The file's inode number: a file replaced by another of the same size
  /// and time (a `mv` over it) is still noticed.
  public var inode: Int64
  /// The SHA-256 of the file's content, 64 lowercase hex digits.
  public var sha256: String

  /// A fingerprint of these values (as the history stores them).
  public init(path: String, size: Int64, mtimeNs: Int64, inode: Int64, sha256: String) {
    self.path = path
    self.size = size
    self.mtimeNs = mtimeNs
    self.inode = inode
    self.sha256 = sha256
  }

  /// Fingerprints `path`. When `known` holds a fingerprint of the same path
  /// with the same size, modification time and inode, its SHA-256 is reused
  /// instead of reading the file again (as `git` trusts its index): a nightly
  /// re-run over unchanged extracts costs a `stat` per file.
  public static func of(_ path: String, known: [String: FileFingerprint] = [:]) throws -> FileFingerprint {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    var st = stat()
    guard stat(absolute, &st) == 0 else {
      throw FingerprintError("\(path): cannot read (\(String(cString: strerror(errno))))")
    }
    let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    var f = FileFingerprint(
      path: absolute, size: Int64(st.st_size), mtimeNs: mtime, inode: Int64(st.st_ino), sha256: "")
    if let k = known[absolute], k.size == f.size, k.mtimeNs == f.mtimeNs, k.inode == f.inode, !k.sha256.isEmpty {
      f.sha256 = k.sha256
    } else {
      f.sha256 = try SHA256Digest.hex(ofFile: absolute)
    }
    return f
  }
}

/// How the inputs of two runs differ, by path and content.
public struct InputChanges: Sendable, Equatable, Codable {
  /// Paths the later run reads that the earlier did not, in the later run's
  /// order.
  public var new: [String] = []
  /// Paths both runs read whose content (SHA-256) differs.
  public var changed: [String] = []
  /// Paths the earlier run read that the later does not.
  public var gone: [String] = []
  /// Whether both runs read the same paths with the same content.
  public var isEmpty: Bool { new.isEmpty && changed.isEmpty && gone.isEmpty }

  /// The changes from the inputs `before` (an earlier run's) to `after`,
  /// compared by path and SHA-256 alone: a file touched but unchanged in
  /// content is not a change.
  public init(before: [FileFingerprint], after: [FileFingerprint]) {
    let old = Dictionary(before.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
    let now = Dictionary(after.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
    for f in after {
      if let sha = old[f.path] {
        if sha != f.sha256 { changed.append(f.path) }
      } else {
        new.append(f.path)
      }
    }
    gone = before.map(\.path).filter { now[$0] == nil }
  }
}
