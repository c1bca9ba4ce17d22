import Foundation
import LunaPipeCore
import TestSupport
import Testing

/// Small files read whole (the provider register, the population): the
/// same record boundaries and encoding decisions as the claims scan.
@Suite struct TextRecordsTests {
  func read(_ bytes: [UInt8]) throws -> (TextRecords, RunContext, OutputDirectory) {
    let dir = makeTempDir("text-records")
    let path = writeFile(dir, "small.csv", bytes)
    let out = try OutputDirectory(target: dir + "/out")
    let context = RunContext(maxRejectShare: 1, output: out)
    return (try context.readTextRecords(path), context, out)
  }

  /// A stray quote costs its own line: the records after it are read.
  @Test func aStrayQuoteCostsItsLineOnly() throws {
    let text = "Navn;Antal\nA;1\n\"B;2\nC;3\nD;4\n"
    let (file, context, out) = try read(Array(text.utf8))
    defer { out.discard() }
    #expect(file.records.map { $0[0] } == ["A", "C", "D"])
    #expect(file.damaged.map(\.number) == [3])
    try context.finishTextRecords(file, accepted: 3, rejectsByRule: [:])
    #expect(context.report.totals.rejected == 1)
    #expect(context.report.rejectsByRule == ["unterminated-quote": 1])
    let rejects = try String(contentsOfFile: out.staging.path + "/rejects.csv", encoding: .utf8)
    #expect(rejects.contains(",3,") && rejects.contains("unterminated-quote,\"\"\"B;2\""))
  }

  /// A quote inside an unquoted field is text (`5'11"`): the record ends at
  /// its line end, not at the next quote.
  @Test func aQuoteInsideAnUnquotedFieldIsText() throws {
    let text = "Navn;Hoejde\nBob;5'11\"\nAnn;6'0\"\nEve;5\n"
    let (file, _, out) = try read(Array(text.utf8))
    defer { out.discard() }
    #expect(file.records.map { $0[0] } == ["Bob", "Ann", "Eve"])
    #expect(file.records.map { $0[1] } == ["5'11\"", "6'0\"", "5"])
  }

  /// A quoted line break stays inside its record.
  @Test func aQuotedLineBreakStaysInItsRecord() throws {
    let text = "Navn;Note\nA;\"x\ny\"\nB;z\n"
    let (file, _, out) = try read(Array(text.utf8))
    defer { out.discard() }
    #expect(file.records.map { $0[1] } == ["x\ny", "z"])
    #expect(file.records.map(\.number) == [2, 3])
  }

  /// A Windows-1252 `ø` after the first MiB: the whole file is Windows-1252,
  /// so it reads as `ø`, not as a replacement character.
  @Test func theEncodingIsDecidedOnTheWholeFile() throws {
    var bytes = Array("Navn;Antal\n".utf8)
    while bytes.count < 1_200_000 { bytes += Array("Aalborg;1\n".utf8) }
    bytes += Array("Br".utf8) + [0xF8] + Array("nderslev;2\n".utf8)
    let (file, _, out) = try read(bytes)
    defer { out.discard() }
    #expect(file.dialect.encoding == .windows1252)
    #expect(file.records.last?[0] == "Brønderslev")
  }
}
