import Foundation
import LunaPipeCore

/// A fresh directory under the system's temporary folder.
public func makeTempDir(_ name: String = "lunapipe-test") -> String {
  let path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString.prefix(8))"
  try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// Writes `bytes` to `dir/name` and returns the path.
@discardableResult
public func writeFile(_ dir: String, _ name: String, _ bytes: [UInt8]) -> String {
  let path = dir + "/" + name
  let written = FileManager.default.createFile(atPath: path, contents: Data(bytes))
  precondition(written, "cannot write \(path)")
  return path
}

@discardableResult
public func writeFile(_ dir: String, _ name: String, _ text: String) -> String {
  writeFile(dir, name, Array(text.utf8))
}

/// The repository's root (tests run from anywhere).
public let repositoryRoot: String = {
  var url = URL(fileURLWithPath: #filePath)
  for _ in 0..<3 { url.deleteLastPathComponent() }
  return url.path
}()

/// The published tables as transcribed from the plan, one CSV file each:
/// the sample generator's resource (`Samples/Generator/Published`), read
/// here straight from the repository.
public let publishedDirectory = repositoryRoot + "/Samples/Generator/Published"

/// A published table from `publishedDirectory`, as rows of cells (header
/// first).
public func publishedTable(_ name: String) throws -> [[String]] {
  try readCSV(publishedDirectory + "/\(name).csv")
}

/// A small CSV reader for test expectations (comma, `"` quoting).
public func readCSV(_ path: String) throws -> [[String]] {
  let text = try String(contentsOfFile: path, encoding: .utf8)
  var rows: [[String]] = []
  var row: [String] = []
  var field = ""
  var inQuote = false
  var chars = Array(text)
  if chars.first == "\u{FEFF}" { chars.removeFirst() }
  var i = 0
  while i < chars.count {
    let c = chars[i]
    if inQuote {
      if c == "\"" {
        if i + 1 < chars.count && chars[i + 1] == "\"" {
          field.append("\"")
          i += 1
        } else {
          inQuote = false
        }
      } else {
        field.append(c)
      }
    } else if c == "\"" {
      inQuote = true
    } else if c == "," {
      row.append(field)
      field = ""
    } else if c == "\n" || c == "\r\n" {
      row.append(field)
      rows.append(row)
      row = []
      field = ""
    } else {
      field.append(c)
    }
    i += 1
  }
  if !field.isEmpty || !row.isEmpty {
    row.append(field)
    rows.append(row)
  }
  return rows
}

/// What a scan of some files gave: the aggregate, the report, the rejects.
public struct ScanOutcome {
  public var result: AggregateResult
  public var report: RunReport
  public var rejects: [[String]]
}

/// Runs read → validate → aggregate over `paths`, writing into a temporary
/// output directory (not published), and returns what came out.
public func scan(
  _ paths: [String], schema: Schema, aggregation: Aggregation, threads: Int = 2, chunkSize: Int = 8 << 20,
  maxRejectShare: Double = 1
) throws -> ScanOutcome {
  let out = try OutputDirectory(target: makeTempDir("lunapipe-out") + "/out")
  defer { out.discard() }
  let context = RunContext(
    options: ScanOptions(threads: threads, chunkSize: chunkSize), maxRejectShare: maxRejectShare, output: out)
  let result = try Pipeline("test").readCSV(paths).validate(schema).aggregate(aggregation).run(in: context)
  let rejects = try readCSV(out.staging.path + "/rejects.csv")
  return ScanOutcome(result: result, report: context.report, rejects: rejects)
}

/// A seeded random number generator (SplitMix64): tests that pick random
/// moments or inputs replay the same ones on every run.
public struct SeededGenerator: RandomNumberGenerator {
  private var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
