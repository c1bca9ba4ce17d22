import Foundation
import LunaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// What identifies one file's content for the run history: its path, size,
/// modification and change time, inode and SHA-256.
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
  /// Status change time, nanoseconds since the epoch (0 when a history
  /// from before it was kept recorded none): a file rewritten in place with
  /// its modification time put back (`rsync --inplace -t`) is still
  /// noticed.
  public var ctimeNs: Int64
  /// The SHA-256 of the file's content, 64 lowercase hex digits.
  public var sha256: String

  /// A fingerprint of these values (as the history stores them).
  public init(path: String, size: Int64, mtimeNs: Int64, inode: Int64, ctimeNs: Int64 = 0, sha256: String) {
    self.path = path
    self.size = size
    self.mtimeNs = mtimeNs
    self.inode = inode
    self.ctimeNs = ctimeNs
    self.sha256 = sha256
  }

  private enum CodingKeys: String, CodingKey { case path, size, mtimeNs, inode, ctimeNs, sha256 }

  /// Decodes a fingerprint; one written before the change time was kept
  /// has 0 there.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    path = try c.decode(String.self, forKey: .path)
    size = try c.decode(Int64.self, forKey: .size)
    mtimeNs = try c.decode(Int64.self, forKey: .mtimeNs)
    inode = try c.decode(Int64.self, forKey: .inode)
    ctimeNs = try c.decodeIfPresent(Int64.self, forKey: .ctimeNs) ?? 0
    sha256 = try c.decode(String.self, forKey: .sha256)
  }

  /// Fingerprints `path`, opening it in `files` (a regular file only; the
  /// run then reads that same open file) and hashing the bytes of that
  /// open file. When `known` holds a fingerprint of the same path with the
  /// same size, modification time, change time and inode, its SHA-256 is
  /// reused instead of reading the file again (as `git` trusts its index):
  /// a nightly re-run over unchanged extracts costs a `stat` per file.
  ///
  /// - Throws: `PipelineError.input` when the file is missing, not a
  ///   regular file or cannot be read; `InputChanged` when it changed while
  ///   it was hashed.
  public static func of(
    _ path: String, in files: InputFiles, known: [String: FileFingerprint] = [:]
  ) throws -> FileFingerprint {
    let absolute = InputFiles.key(path)
    let id = try files.pin(absolute)
    var f = FileFingerprint(
      path: absolute, size: id.size, mtimeNs: id.mtimeNs, inode: Int64(bitPattern: id.inode), ctimeNs: id.ctimeNs,
      sha256: "")
    if let k = known[absolute], k.size == f.size, k.mtimeNs == f.mtimeNs, k.inode == f.inode, k.ctimeNs != 0,
      k.ctimeNs == f.ctimeNs, !k.sha256.isEmpty
    {
      f.sha256 = k.sha256
    } else {
      let fd = try files.open(absolute)
      defer { close(fd) }
      f.sha256 = try SHA256Digest.hex(ofDescriptor: fd, path: absolute)
    }
    try files.verify(absolute)
    return f
  }

  /// Fingerprints `path` on its own (`of(_:in:known:)` with files of its
  /// own, closed when done).
  public static func of(_ path: String, known: [String: FileFingerprint] = [:]) throws -> FileFingerprint {
    try of(path, in: InputFiles(), known: known)
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
