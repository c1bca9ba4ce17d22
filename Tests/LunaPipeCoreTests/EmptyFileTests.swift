import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// An empty (0-byte) file is an empty input on the small-file path too: no
/// header, no records, a note in the run report; nothing thrown.
@Suite struct EmptyFileTests {
  @Test func textRecordsReadsAnEmptyFileAsNoRecords() throws {
    let path = writeFile(makeTempDir(), "empty.csv", [UInt8]())
    let file = try TextRecords.read(path)
    #expect(file.header.isEmpty)
    #expect(file.records.isEmpty)
    #expect(file.bytes == 0)
  }

  @Test func theRunReportNotesTheEmptyFile() throws {
    let dir = makeTempDir()
    let path = writeFile(dir, "empty.csv", [UInt8]())
    let out = try OutputDirectory(target: dir + "/out")
    defer { out.discard() }
    let context = RunContext(options: ScanOptions(threads: 1), output: out)
    let file = try context.readTextRecords(path)
    try context.finishTextRecords(file, accepted: 0, rejectsByRule: [:])
    #expect(context.report.notes == ["\(path): the file is empty (0 bytes): read as an empty input, 0 records"])
    #expect(context.report.inputs.map(\.read) == [0])
  }
}
