// libFuzzer target for the ingest and validation stages (`make fuzz`).
//
// Built with `-sanitize=fuzzer,address -DLUNA_FUZZ` (one `-sanitize=` with
// both: of two, the compiler keeps only the last), the entry point runs
// libFuzzer's driver, which calls `LLVMFuzzerTestOneInput` with each input. Built
// normally (as `swift build` and `swift test` do) the executable replays the
// files and directories given as arguments through the same function:
//
//     lunapipe-fuzz Tests/Fuzz/seeds Tests/Fuzz/crashes
//
// An input is two option bytes and the file contents:
//
//   byte 0  bits 0-1  worker threads: 1, 2, 3, 1
//           bits 2-3  delimiter: detected (0), detected with quotes escaped by
//                     a backslash (1, `EscapedScan`), fixed `;` (2), fixed `,` (3)
//           bit 4     numbers in plain form (`1234.50`) rather than Danish
//           bit 5     aggregate (LunaClaims.aggregation) rather than only check
//           bit 6     run again on one thread and compare (when threads > 1)
//           bit 7     reject threshold 1 % rather than none
//   byte 1  chunk size in bytes: 1...240, or 2^(8 + (byte - 240) % 8), 256 B to
//           32 KiB, for 240...255
//   rest    the contents; the separator `\0\u{1}FILE\u{1}\0` splits them
//           into at most three files, scanned in order
//
// Chunk sizes far below the 1 KiB that `ScanOptions.init` allows are set
// through the public `chunkSize` property: they put chunk boundaries
// everywhere, inside quotes, between CR and LF, in the middle of a BOM-less
// multi-byte character.
//
// Invariants checked for every input (a violation aborts, which libFuzzer
// reports as a crash):
//   - no crash, no sanitizer report;
//   - a failed run fails with a `PipelineError` (inside the `StageError`
//     that names the stage), never another error;
//   - per file: read = accepted + rejected + skippedEmpty, rejected = the sum
//     of rejects per rule, no count negative, bytes = the file's size, the
//     BOM reported exactly when the file starts with one, read at most the
//     number of line ends + 1;
//   - totals = the sums over files;
//   - (bit 6) the same reports, and the same aggregate, on one thread;
//   - each file, its quotes read as `'`, gives the same fields and record
//     ends from `PlainSplitter` (the tokenizer of quote-free text) as from
//     libcsv, with each of the three delimiters.

import Foundation
import LunaDomain
@_spi(Testing) import LunaPipeCore

#if canImport(Glibc)
  import Glibc
#endif

/// The bytes that split an input into files.
let fileSeparator: [UInt8] = [0, 1] + Array("FILE".utf8) + [1, 0]

/// Options decoded from the first two bytes.
struct FuzzOptions {
  var threads = 1
  var chunkSize = 64
  var delimiter: UInt8? = nil
  var escape: CSVDialect.Escape?
  var numberFormat = NumberFormat.danish
  var aggregate = false
  var compareOneThread = false
  var maxRejectShare = 1.0

  init(_ b0: UInt8, _ b1: UInt8) {
    threads = [1, 2, 3, 1][Int(b0 & 3)]
    delimiter = [nil, nil, UInt8(ascii: ";"), UInt8(ascii: ",")][Int((b0 >> 2) & 3)]
    escape = (b0 >> 2) & 3 == 1 ? .backslash : nil
    numberFormat = b0 & 0x10 != 0 ? .plain : .danish
    aggregate = b0 & 0x20 != 0
    compareOneThread = b0 & 0x40 != 0 && threads > 1
    maxRejectShare = b0 & 0x80 != 0 ? 0.01 : 1.0
    chunkSize = b1 < 240 ? Int(b1) + 1 : 1 << (8 + Int(b1 - 240) % 8)
  }
}

/// `LUNAPIPE_FUZZ_COMPARE_CHUNKINGS=1`: also compare each input's result with
/// the result in one chunk (an experiment, not an invariant the engine
/// promises for malformed quoting).
let compareChunkings = ProcessInfo.processInfo.environment["LUNAPIPE_FUZZ_COMPARE_CHUNKINGS"] == "1"

/// Where the inputs are written: one directory per process (libFuzzer's
/// `-jobs` runs several), in memory when /dev/shm exists, reused by every
/// input.
let workDirectory: String = {
  let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
  // Those of processes gone (a fuzzer stopped by a signal or a crash
  // leaves its own) are removed.
  for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
  where name.hasPrefix("lunapipe-fuzz-") {
    if let pid = Int32(name.dropFirst("lunapipe-fuzz-".count)), kill(pid, 0) != 0 && errno == ESRCH {
      removeWorkDirectory(base + "/" + name)
    }
  }
  let dir = base + "/lunapipe-fuzz-\(getpid())"
  mkdir(dir, 0o700)
  atexit { removeWorkDirectory(workDirectory) }
  return dir
}()

func removeWorkDirectory(_ dir: String) {
  for i in 0..<3 { unlink(dir + "/f\(i).csv") }
  rmdir(dir)
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("lunapipe-fuzz: invariant broken: \(message)\n".utf8))
  abort()
}

/// Writes `bytes` to `path`, replacing what was there.
func writeWhole(_ path: String, _ bytes: ArraySlice<UInt8>) {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
  guard fd >= 0 else { fail("cannot write \(path): \(String(cString: strerror(errno)))") }
  defer { close(fd) }
  bytes.withUnsafeBytes { raw in
    var done = 0
    while done < raw.count {
      let n = write(fd, raw.baseAddress! + done, raw.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        fail("cannot write \(path): \(String(cString: strerror(errno)))")
      }
      done += n
    }
  }
}

/// `data` split at each `fileSeparator`, at most three parts.
func splitFiles(_ data: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
  var parts: [ArraySlice<UInt8>] = []
  var start = data.startIndex
  var i = data.startIndex
  let n = fileSeparator.count
  while i + n <= data.endIndex && parts.count < 2 {
    if data[i] == 0 && data[i..<(i + n)].elementsEqual(fileSeparator) {
      parts.append(data[start..<i])
      i += n
      start = i
    } else {
      i += 1
    }
  }
  parts.append(data[start..<data.endIndex])
  return parts
}

/// What one run gave: the reports, the aggregate's groups, or the error.
struct Outcome {
  var inputs: [FileReport]
  var totals: RunReport.Totals
  var groups: [[Int64]: GroupMeasures]?
  var error: String?
}

func runOnce(paths: [String], options o: FuzzOptions, threads: Int, chunkSize: Int? = nil) -> Outcome {
  var scan = ScanOptions(threads: threads, delimiter: o.delimiter, numberFormat: o.numberFormat)
  scan.dialect.escape = o.escape
  scan.chunkSize = chunkSize ?? o.chunkSize
  let context = RunContext(options: scan, maxRejectShare: o.maxRejectShare, pipeline: "fuzz")
  let validated = Pipeline("fuzz").readCSV(paths).validate(LunaClaims.schema)
  var groups: [[Int64]: GroupMeasures]?
  var message: String?
  do {
    if o.aggregate {
      let result = try validated.aggregate(LunaClaims.aggregation).run(in: context)
      // Rolled up only to compare (a rollup per input would cost a tenth of
      // the fuzzer's time).
      if o.compareOneThread { groups = result.rollup { $0 } }
    } else {
      _ = try validated.check().run(in: context)
    }
  } catch let e as StageError {
    guard let p = e.underlying as? PipelineError else {
      fail("stage \(e.stage) failed with \(type(of: e.underlying)), not a PipelineError: \(e.underlying)")
    }
    message = "\(e.stage): \(p)"
  } catch {
    fail("a run failed with \(type(of: error)), not a StageError: \(error)")
  }
  return Outcome(inputs: context.report.inputs, totals: context.report.totals, groups: groups, error: message)
}

/// Checks what a run reported against the files it was given.
func checkReports(_ outcome: Outcome, files: [ArraySlice<UInt8>], paths: [String]) {
  let reports = outcome.inputs
  if outcome.error == nil && reports.count != files.count {
    fail("\(files.count) files scanned, \(reports.count) reported")
  }
  if reports.count > files.count { fail("\(reports.count) reports for \(files.count) files") }
  var sum = (read: 0, accepted: 0, rejected: 0, skippedEmpty: 0)
  for (i, f) in reports.enumerated() {
    let bytes = files[i]
    if f.path != paths[i] { fail("report \(i) is for \(f.path), expected \(paths[i])") }
    if f.read != f.accepted + f.rejected + f.skippedEmpty {
      fail("\(f.path): read \(f.read) != accepted \(f.accepted) + rejected \(f.rejected) + skippedEmpty \(f.skippedEmpty)")
    }
    if f.read < 0 || f.accepted < 0 || f.rejected < 0 || f.skippedEmpty < 0 {
      fail("\(f.path): a negative count: \(f)")
    }
    let byRule = f.rejectsByRule.values.reduce(0, +)
    if byRule != f.rejected || f.rejectsByRule.values.contains(where: { $0 <= 0 }) {
      fail("\(f.path): rejected \(f.rejected), rejects by rule \(f.rejectsByRule)")
    }
    if f.bytes != bytes.count { fail("\(f.path): \(f.bytes) bytes reported, \(bytes.count) written") }
    let bom = bytes.starts(with: [0xEF, 0xBB, 0xBF])
    if bom != (f.encoding == .utf8BOM) { fail("\(f.path): BOM \(bom), encoding reported \(f.encoding)") }
    let lineEnds = bytes.reduce(0) { $0 + ($1 == 10 || $1 == 13 ? 1 : 0) }
    if f.read > lineEnds + 1 { fail("\(f.path): read \(f.read) records from \(lineEnds) line ends") }
    if f.lines != f.acceptedLines + f.rejectedLines + f.skippedEmpty || f.lines > lineEnds + 1
      || f.acceptedLines < f.accepted || f.rejectedLines < f.rejected
    {
      fail(
        "\(f.path): lines \(f.lines) != accepted \(f.acceptedLines) + rejected \(f.rejectedLines) + empty \(f.skippedEmpty) (records \(f.accepted), \(f.rejected); \(lineEnds) line ends)"
      )
    }
    sum.read += f.read
    sum.accepted += f.accepted
    sum.rejected += f.rejected
    sum.skippedEmpty += f.skippedEmpty
  }
  let t = outcome.totals
  if sum != (t.read, t.accepted, t.rejected, t.skippedEmpty) { fail("totals \(outcome.totals) != sums over the files \(sum)") }
  if let groups = outcome.groups {
    let records = groups.values.reduce(Int64(0)) { $0 + $1.records }
    if records != Int64(outcome.totals.accepted) {
      fail("aggregate holds \(records) records, \(outcome.totals.accepted) accepted")
    }
  }
}

/// One input through ingest and validation. The entry point of both the
/// fuzzer and the replay.
func fuzzOne(_ input: UnsafeRawBufferPointer) {
  let all = [UInt8](input)
  let options = all.count >= 2 ? FuzzOptions(all[0], all[1]) : FuzzOptions(0, 63)
  let body = all.count >= 2 ? all[2...] : all[...]
  let files = splitFiles(body)
  for f in files {
    for delimiter: UInt8 in [0x3B, 0x2C, 0x09] {
      if let d = TokenizerAgreement.difference(Array(f), delimiter: delimiter) { fail("PlainSplitter and libcsv differ: \(d)") }
    }
  }
  var paths: [String] = []
  for (i, f) in files.enumerated() {
    let path = workDirectory + "/f\(i).csv"
    writeWhole(path, f)
    paths.append(path)
  }
  let outcome = runOnce(paths: paths, options: options, threads: options.threads)
  checkReports(outcome, files: files, paths: paths)
  if compareChunkings {
    // Off by default: the same in one chunk (1 MiB) on one thread.
    var whole = options
    whole.compareOneThread = true
    let one = runOnce(paths: paths, options: whole, threads: 1, chunkSize: 1 << 20)
    let many = options.compareOneThread ? outcome : runOnce(paths: paths, options: whole, threads: options.threads)
    if one.inputs != many.inputs || one.error != many.error || one.groups != many.groups {
      fail(
        "chunks of \(options.chunkSize) bytes and one chunk differ:\n\(many.inputs) \(many.error ?? "ok")\n\(one.inputs) \(one.error ?? "ok")"
      )
    }
  }
  if options.compareOneThread {
    let one = runOnce(paths: paths, options: options, threads: 1)
    if one.inputs != outcome.inputs || one.error != outcome.error || one.groups != outcome.groups {
      fail(
        "\(options.threads) threads and 1 thread differ:\n\(outcome.inputs) \(outcome.error ?? "ok")\n\(one.inputs) \(one.error ?? "ok")"
      )
    }
  }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  fuzzOne(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
  return 0
}

/// The entry point. SwiftPM links every executable with its entry renamed
/// (`lunapipe_fuzz_main`, made `main` by a linker `--defsym`), so libFuzzer's
/// own `main` is never linked; in the fuzz build this entry hands control to
/// libFuzzer's driver instead, which parses the libFuzzer flags.
@main struct FuzzMain {
  static func main() {
    #if LUNA_FUZZ
      var argc = CommandLine.argc
      var argv = CommandLine.unsafeArgv
      exit(LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput))
    #else
      replay(Array(CommandLine.arguments.dropFirst()))
    #endif
  }
}

#if LUNA_FUZZ
  /// libFuzzer's driver (in libclang_rt.fuzzer, linked by `-sanitize=fuzzer`).
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32
#endif

/// Without libFuzzer: replays the files, and the files in the directories,
/// given as arguments.
func replay(_ args: [String]) {
  if args.isEmpty || args.contains("--help") || args.contains("-h") {
    print("usage: lunapipe-fuzz FILE|DIR...  (replays each input through ingest and validation)")
    exit(args.isEmpty ? 64 : 0)
  }
  var inputs: [String] = []
  for a in args {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: a, isDirectory: &isDir) else {
      FileHandle.standardError.write(Data("lunapipe-fuzz: \(a): no such file\n".utf8))
      exit(66)
    }
    if isDir.boolValue {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: a)) ?? []
      inputs += names.sorted().map { a + "/" + $0 }.filter {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue && !$0.hasSuffix(".md")
      }
    } else {
      inputs.append(a)
    }
  }
  for path in inputs {
    guard let data = FileManager.default.contents(atPath: path) else {
      FileHandle.standardError.write(Data("lunapipe-fuzz: \(path): cannot read\n".utf8))
      exit(66)
    }
    data.withUnsafeBytes { fuzzOne($0) }
  }
  print("replayed \(inputs.count) inputs: no invariant broken")
}
