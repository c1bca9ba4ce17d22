import Foundation
import LunaDomain
import LunaPipeCore
import LunaPipelines
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

// How the hostile-input tests run an extract: the `validate` pipeline
// (read, parse with libcsv, check every rule of `LunaClaims.schema`), in
// process, with the rejects written to a staging directory and read back.

/// The folder of the committed corpus.
let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/corpus"

/// The path of a committed corpus file.
func corpus(_ name: String) -> String { corpusDirectory + "/" + name }

/// The claims header, in the contract's spelling and order.
let claimsHeader =
  "Aar;Maaned;Ydernummer;Speciale;Ydelseskode;Antal;Bruttohonorar;PatientId;PatientKommune;YderKommune;PatientAlder;Holdtraening;Diagnosegruppe;Progressiv"

/// A valid speciale-51 claims line (as in the small sample).
let line51 = "2019;10;804989;51;0111;1;127,73;91793beb18804751;825;825;63;N;;"
/// A valid speciale-62 claims line (Diagnosegruppe and Progressiv set).
let line62 = "2019;9;804989;62;0111;1;303,40;c15f0d1c7936acb4;825;825;13;N;2;N"

/// A speciale-51 line with some columns replaced, e.g. `line(Maaned: "13")`.
func line(_ changes: KeyValuePairs<String, String>) -> String {
  let names = claimsHeader.split(separator: ";").map(String.init)
  var values = line51.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
  for (name, value) in changes { values[names.firstIndex(of: name)!] = value }
  return values.joined(separator: ";")
}

/// UTF-8 bytes of `s`.
func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }

/// What a `validate` run of some files gave.
struct Outcome {
  var report: RunReport
  /// The rows of `rejects.csv` after its header:
  /// `file,record,byte_offset,column,rule,raw,line,length` (empty when the run was
  /// asked not to read them back).
  var rejects: [[String]]
  /// Rows of `rejects.csv` after its header, counted by line ends outside
  /// quotes.
  var rejectRows: Int

  /// The report of the only (or first) file.
  var file: FileReport { report.inputs[0] }

  /// (column, rule) of each reject, in file order.
  var columnsAndRules: [[String]] { rejects.map { [$0[3], $0[4]] } }
}

/// A consumer that calls `onFirst` on its first record: lets a test act
/// (truncate, replace a file) while the scan is under way.
final class HookConsumer: ChunkConsumer {
  private let onFirst: () -> Void
  private var fired = false
  init(_ onFirst: @escaping () -> Void) { self.onFirst = onFirst }
  func consume(_ record: Record) {
    if !fired {
      fired = true
      onFirst()
    }
  }
  func endChunk() {}
}

/// Runs the `validate` pipeline over `patterns` with no reject threshold
/// (every reject is counted, none stops the run).
///
/// - Parameters:
///   - afterExpansion: runs between glob expansion and the scan, with the
///     expanded paths (to remove or replace a file at that moment).
///   - onFirstRecord: runs on a worker when the first valid record is
///     consumed, while the reader may still be reading.
func validate(
  _ patterns: [String], threads: Int = 2, chunkSize: Int = 8 << 20,
  afterExpansion: (([String]) throws -> Void)? = nil, onFirstRecord: (() -> Void)? = nil,
  readRejects: Bool = true
) throws -> Outcome {
  let out = try OutputDirectory(target: makeTempDir("hostile-out") + "/out")
  defer { out.discard() }
  let context = RunContext(
    options: ScanOptions(threads: threads, chunkSize: chunkSize), maxRejectShare: 1, output: out,
    pipeline: ValidateClaims.name)
  if afterExpansion == nil && onFirstRecord == nil {
    _ = try ValidateClaims.pipeline(claims: patterns).run(in: context)
  } else {
    let hook = onFirstRecord
    _ = try Pipeline(ValidateClaims.name).readCSV(patterns)
      .map("hook") { files, _ in
        try afterExpansion?(files.paths)
        return files
      }
      .validate(LunaClaims.schema)
      .map("check") { input, ctx in
        if let hook {
          try ctx.scan(input) { HookConsumer(hook) }
        } else {
          try ctx.scan(input) { HookConsumer({}) }
        }
      }
      .run(in: context)
  }
  let rejectsPath = out.staging.path + "/rejects.csv"
  let data = try Data(contentsOf: URL(fileURLWithPath: rejectsPath))
  #expect(data.starts(with: Array("file,record,byte_offset,column,rule,raw,line,length\n".utf8)))
  var rows = 0
  var inQuote = false
  data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
    for b in buf {
      if b == UInt8(ascii: "\"") { inQuote.toggle() } else if b == 10 && !inQuote { rows += 1 }
    }
  }
  let rejects = readRejects ? Array(try readCSV(rejectsPath).dropFirst()) : []
  return Outcome(report: context.report, rejects: rejects, rejectRows: rows - 1)
}

/// Validates one file, written from `bytes` into a fresh temporary folder
/// as `name` and removed afterwards (some are tens of megabytes).
func validate(
  bytes: [UInt8], name: String = "claims.csv", threads: Int = 2, chunkSize: Int = 8 << 20, readRejects: Bool = true
) throws -> (Outcome, path: String) {
  let dir = makeTempDir("hostile")
  defer { try? FileManager.default.removeItem(atPath: dir) }
  let path = writeFile(dir, name, bytes)
  return (try validate([path], threads: threads, chunkSize: chunkSize, readRejects: readRejects), path)
}

/// The `PipelineError` a run failed with (unwrapped from the `StageError`
/// that names the stage), or nil if it did not fail or failed otherwise.
func pipelineError(_ body: () throws -> Void) -> PipelineError? {
  do {
    try body()
    return nil
  } catch let e as StageError {
    return e.underlying as? PipelineError
  } catch let e as PipelineError {
    return e
  } catch {
    return nil
  }
}

/// Expects the run to fail with `InputChanged` (an input changed between
/// its open and the end of its read) whose message holds every one of
/// `fragments`.
func expectInputChanged(
  _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
  var changed: InputChanged?
  do {
    try body()
  } catch let e as StageError {
    changed = e.underlying as? InputChanged
  } catch let e as InputChanged {
    changed = e
  } catch {}
  guard let changed else {
    Issue.record("expected InputChanged", sourceLocation: sourceLocation)
    return
  }
  for f in fragments {
    #expect(changed.description.contains(f), "message \"\(changed)\" lacks \"\(f)\"", sourceLocation: sourceLocation)
  }
}

/// Expects the run to fail with `PipelineError.input` whose message holds
/// every one of `fragments` (the file's path among them, as a rule).
func expectInputError(
  _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
  let error = pipelineError(body)
  guard case .input(let message)? = error else {
    Issue.record("expected PipelineError.input, got \(String(describing: error))", sourceLocation: sourceLocation)
    return
  }
  for f in fragments {
    let holds = message.contains(f)
    #expect(holds, "message \"\(message.prefix(600))\" lacks \"\(f)\"", sourceLocation: sourceLocation)
  }
  // A message is read by people: short, and free of raw control bytes.
  let length = message.count
  #expect(length < 2_000, "message is \(length) characters long", sourceLocation: sourceLocation)
  let controls = message.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
  #expect(!controls, "message holds control characters: \(message.debugDescription.prefix(300))", sourceLocation: sourceLocation)
}

/// Expects read = accepted + rejected + skippedEmpty for every file, the
/// rejects per rule to add up to the rejected count, the totals to be the
/// sums over files, and `rejects.csv` to hold one row per rejected record.
func expectBalanced(_ o: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
  var totals = [0, 0, 0, 0]
  for f in o.report.inputs {
    #expect(
      f.read == f.accepted + f.rejected + f.skippedEmpty,
      "\(f.path): read \(f.read) != \(f.accepted) + \(f.rejected) + \(f.skippedEmpty)", sourceLocation: sourceLocation)
    #expect(f.rejected == f.rejectsByRule.values.reduce(0, +), "\(f.path): \(f.rejectsByRule)", sourceLocation: sourceLocation)
    #expect(f.read >= 0 && f.accepted >= 0 && f.rejected >= 0 && f.skippedEmpty >= 0, sourceLocation: sourceLocation)
    totals[0] += f.read
    totals[1] += f.accepted
    totals[2] += f.rejected
    totals[3] += f.skippedEmpty
  }
  let t = o.report.totals
  #expect([t.read, t.accepted, t.rejected, t.skippedEmpty] == totals, "totals", sourceLocation: sourceLocation)
  #expect(o.rejectRows == o.report.totals.rejected, "rows in rejects.csv", sourceLocation: sourceLocation)
}

/// Expects the file's counts to be exactly these, and balanced.
func expectCounts(
  _ o: Outcome, read: Int, accepted: Int, rejected: Int, skippedEmpty: Int,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  expectBalanced(o, sourceLocation: sourceLocation)
  let f = o.file
  let got: [Int] = [f.read, f.accepted, f.rejected, f.skippedEmpty]
  let want: [Int] = [read, accepted, rejected, skippedEmpty]
  #expect(got == want, "read, accepted, rejected, skippedEmpty", sourceLocation: sourceLocation)
}

/// A deterministic byte generator (xorshift64*), for "random" files that
/// are the same on every run.
struct SeededBytes {
  private var state: UInt64
  init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
  mutating func next() -> UInt8 {
    state ^= state >> 12
    state ^= state << 25
    state ^= state >> 27
    return UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
  }
  mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in next() } }
}

/// Seconds taken by `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
  let t0 = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}
