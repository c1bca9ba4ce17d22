import Foundation
import LunaPipeCore

/// The files of an output directory, with sizes and SHA-256, as the run
/// history records them (all but the ownership marker, which names the run).
public enum OutputSnapshot {
  /// Every regular file under `directory`, sorted by relative path; the
  /// bytes of those up to `RunHistory.keptContentLimit`, by SHA-256.
  public static func take(_ directory: String) throws -> (outputs: [RunRecord.Output], contents: [String: [UInt8]]) {
    var outputs: [RunRecord.Output] = []
    var contents: [String: [UInt8]] = [:]
    for rel in try files(in: directory) {
      let full = (directory as NSString).appendingPathComponent(rel)
      let attrs = try FileManager.default.attributesOfItem(atPath: full)
      let size = (attrs[.size] as? NSNumber)?.int64Value ?? 0
      if size <= RunHistory.keptContentLimit {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: full)))
        let sha = SHA256Digest.hex(of: bytes)
        contents[sha] = bytes
        outputs.append(.init(path: rel, size: Int64(bytes.count), sha256: sha))
      } else {
        outputs.append(.init(path: rel, size: size, sha256: try SHA256Digest.hex(ofFile: full)))
      }
    }
    return (outputs, contents)
  }

  /// Whether `directory` holds exactly `outputs`, byte for byte.
  public static func matches(_ outputs: [RunRecord.Output], in directory: String) -> Bool {
    guard let present = try? files(in: directory), present == outputs.map(\.path).sorted() else { return false }
    for o in outputs {
      let full = (directory as NSString).appendingPathComponent(o.path)
      guard let attrs = try? FileManager.default.attributesOfItem(atPath: full),
        (attrs[.size] as? NSNumber)?.int64Value == o.size,
        (try? SHA256Digest.hex(ofFile: full)) == o.sha256
      else { return false }
    }
    return true
  }

  /// Relative paths of the regular files under `directory`, sorted.
  static func files(in directory: String) throws -> [String] {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
      throw HistoryError("\(directory) is not a directory")
    }
    var out: [String] = []
    guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
    while let rel = e.nextObject() as? String {
      var d: ObjCBool = false
      let full = (directory as NSString).appendingPathComponent(rel)
      // The ownership marker names the run: not an output to compare.
      if rel == OutputDirectory.markerName { continue }
      if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue { out.append(rel) }
    }
    return out.sorted()
  }
}
