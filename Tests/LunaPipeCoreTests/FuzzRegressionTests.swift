import Foundation
import Testing

/// Inputs with which the fuzzer (`make fuzz`) found a bug, replayed through
/// the fuzz target's own code: `lunapipe-fuzz`, which `swift test` builds
/// beside the tests, run without libFuzzer on the files. Each input goes
/// through ingest and validation of the LUNA claims schema with the options
/// its first two bytes select (threads, chunk size, delimiter, ...), and every
/// invariant the fuzzer checks is checked (read = accepted + rejected +
/// skippedEmpty per file, errors are `PipelineError`s, one thread gives the
/// same as several). Under `make test-sanitize` the replay is built with the
/// sanitizer too, so a leak or memory error in it fails the test.
///
/// `Tests/Fuzz/crashes/`:
/// - `leak-header-without-claims-columns` (`a`): a file whose header lacks
///   the schema's columns made `ParallelScan` keep its first block (1 MiB)
///   for good: LeakSanitizer reported one leaked block per such file.
/// - `lines-cr-space-lf` (`a?`): a record ending `\r\r \n` (a CR, then a
///   line of one space): libcsv drops the space, so the empty lines counted
///   from its records were one short of the lines counted from the bytes,
///   and the line accounting (lines = accepted + rejected + empty) broke.
///   Empty lines are now counted from the bytes.
@Suite struct FuzzRegressionTests {
  static let fuzzFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz").path

  /// The replay binary: `LUNAPIPE_FUZZ_BIN`, or `lunapipe-fuzz` beside the
  /// test runner (the same build folder and configuration).
  static var replayBinary: String {
    if let p = ProcessInfo.processInfo.environment["LUNAPIPE_FUZZ_BIN"] { return p }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("lunapipe-fuzz").path
  }

  func replay(_ folder: String) throws -> (status: Int32, output: String) {
    let binary = Self.replayBinary
    try #require(FileManager.default.isExecutableFile(atPath: binary), "no fuzz replay binary at \(binary)")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = [folder]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
  }

  @Test func crashInputsReplayCleanly() throws {
    let count = try FileManager.default.contentsOfDirectory(atPath: Self.fuzzFolder + "/crashes")
      .filter { !$0.hasSuffix(".md") }.count
    try #require(count > 0)
    let r = try replay(Self.fuzzFolder + "/crashes")
    #expect(r.status == 0, "\(r.output)")
    #expect(r.output.contains("replayed \(count) inputs: no invariant broken"), "\(r.output)")
  }

  @Test func seedsReplayCleanly() throws {
    let r = try replay(Self.fuzzFolder + "/seeds")
    #expect(r.status == 0, "\(r.output)")
    #expect(r.output.contains("no invariant broken"), "\(r.output)")
  }
}
