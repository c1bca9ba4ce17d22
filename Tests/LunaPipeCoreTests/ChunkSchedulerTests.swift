import Foundation
import TestSupport
import Testing

@testable import LunaPipeCore

/// The hand-over of a scan's chunks to its workers (`ChunkScheduler`, with
/// `ChunkSequencer`): whatever the thread count, and with chunks so small
/// that many are in flight at once, every chunk's result is delivered once
/// and in file order.
@Suite struct ChunkSchedulerTests {
  let header = "Aar;Kommune;Antal;Beloeb;PatientId;Hold\n"

  /// A file of `count` records of varied length, some of them with an
  /// unknown Kommune (rejected): its text, and where each reject is as
  /// rejects.csv gives it (record number, byte offset, line; the header is
  /// record and line 1).
  func file(count: Int, seed: UInt64) -> (text: String, rejects: [[String]]) {
    var rng = SeededGenerator(seed: seed)
    var text = header
    var offset = header.utf8.count
    var rejects: [[String]] = []
    for i in 0..<count {
      let bad = Int.random(in: 0..<37, using: &rng) == 0
      let kommune = bad ? 999 : [101, 851, 860][i % 3]
      let id = "p" + String(Int.random(in: 0..<(1 << Int.random(in: 4...20, using: &rng)), using: &rng))
      let line = "20\(19 + i % 5);\(kommune);\(i % 7 + 1);\(i % 1000 + 1),\(i % 100);\(id.prefix(8));N\n"
      if bad { rejects.append([String(i + 2), String(offset), String(i + 2)]) }
      text += line
      offset += line.utf8.count
    }
    return (text, rejects)
  }

  /// The reader cuts a window without a quote at its last line end
  /// (`lastLineEnd`), skipping `lastRecordEnd`'s search for quotes: the
  /// same cut, for every mix of LF, CR, CRLF and a CR at the window's end.
  @Test func aQuoteFreeWindowIsCutWhereLastRecordEndCutsIt() {
    var rng = SeededGenerator(seed: 26)
    let alphabet: [UInt8] = Array("ab;; \r\n\n\r".utf8)
    for _ in 0..<5000 {
      let n = Int.random(in: 0...80, using: &rng)
      let bytes = (0..<n).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
      bytes.withUnsafeBytes { raw in
        var irregular: Int?
        let expected = RecordLocator.lastRecordEnd(in: raw, delimiter: 0x3B, irregular: &irregular)
        #expect(RecordLocator.lastLineEnd(in: raw) == expected, "\(bytes)")
        #expect(irregular == nil)
      }
    }
  }

  @Test(arguments: [1, 2, 4])
  func rejectsOfManySmallChunksComeInFileOrder(threads: Int) throws {
    let dir = makeTempDir()
    let a = file(count: 4000, seed: 1)
    let b = file(count: 3000, seed: 2)
    let pathA = writeFile(dir, "a.csv", Array(a.text.utf8))
    let pathB = writeFile(dir, "b.csv", Array(b.text.utf8))
    // 1 KiB chunks (the least): about a hundred and fifty of them.
    let o = try scan(
      [pathA, pathB], schema: testSchema, aggregation: testAggregation, threads: threads, chunkSize: 1 << 10)
    let expected = a.rejects.map { [pathA] + $0 } + b.rejects.map { [pathB] + $0 }
    #expect(expected.count > 100)
    let got = o.rejects.dropFirst().map { [$0[0], $0[1], $0[2], $0[6]] }
    #expect(got == expected)
    #expect(o.rejects.dropFirst().allSatisfy { $0[4] == "unknown-code" })
    #expect(o.report.inputs.map(\.rejected) == [a.rejects.count, b.rejects.count])
    #expect(o.report.inputs.map(\.accepted) == [4000 - a.rejects.count, 3000 - b.rejects.count])
    #expect(o.report.inputs.map(\.lines) == [4000, 3000])
  }

  /// `threads` is the number of threads that do the work, the reader among
  /// them: at 1 every chunk is processed on the thread that reads (none on
  /// Dispatch), at 2 never more than two chunks at once, the reader's own
  /// included; and every result is delivered once, in file order.
  @Test(arguments: [1, 2, 3])
  func theReaderIsOneOfTheThreadsThatWork(threads: Int) throws {
    final class NoConsumer: ChunkConsumer {
      func consume(_ record: Record) {}
      func endChunk() {}
    }
    /// What the chunks' work saw: how many ran at once at most, and how
    /// many ran on the reader's thread.
    final class Seen: @unchecked Sendable {
      let lock = NSLock()
      var running = 0
      var most = 0
      var onReader = 0
    }
    let compiled = CompiledSchema(testSchema)
    let workers = (0..<threads).map { _ in ParallelScan.Worker(schema: compiled, consumer: NoConsumer()) }
    let seen = Seen()
    let reader = pthread_self()
    let scheduler = ChunkScheduler(workers: workers, chunkSize: 1 << 10) { chunk, _, seq in
      seen.lock.lock()
      seen.running += 1
      seen.most = max(seen.most, seen.running)
      if pthread_equal(pthread_self(), reader) != 0 { seen.onReader += 1 }
      seen.lock.unlock()
      // A little work, longer for some chunks, so that they end out of order.
      var x = UInt64(seq)
      for _ in 0..<(seq % 3 == 0 ? 200_000 : 20_000) { x = x &* 6364136223846793005 &+ 1 }
      seen.lock.lock()
      seen.running -= 1
      seen.lock.unlock()
      var result = ParallelScan.ChunkResult()
      result.records = seq
      result.lines = Int(x & 1)
      return result
    }
    defer { scheduler.close() }
    let layout = FileLayout(
      dialect: Dialect(delimiter: 0x3B, encoding: .utf8, lineEnd: "LF", numberFormat: .danish), header: [],
      dataStart: 0, columnOfField: [])
    var delivered: [Int] = []
    let deliver = { (done: ChunkScheduler.Finished) in delivered.append(done.result.records) }
    let chunks = 200
    for i in 0..<chunks {
      let b = scheduler.takeBuffer(minimum: 1 << 10)
      let chunk = ParallelScan.Chunk(
        file: 0, layout: layout, buffer: b.pointer, capacity: b.capacity, start: 0, count: 0, fileOffset: i << 10)
      try scheduler.dispatch(chunk, deliver: deliver)
      try scheduler.deliverReleased(deliver)
    }
    try scheduler.finish(deliver: deliver)
    #expect(delivered == Array(0..<chunks))
    #expect(seen.most <= threads)
    // The reader reads at once: with the workers busy it processes chunks.
    #expect(seen.onReader > 0)
    if threads == 1 {
      #expect(seen.onReader == chunks)
    }
  }
}
