import Testing

@testable import LunaPipeCore

/// `ChunkSequencer`, the state machine that puts a scan's chunk results back
/// in file order, driven by hand: no threads, every arrival order chosen.
struct ChunkSequencerTests {
  struct ChunkFailed: Error, Equatable {
    var chunk: Int
  }

  /// Everything `release()` gives now, in order.
  func drain<E>(_ s: inout ChunkSequencer<E>) -> [E] {
    var out: [E] = []
    while let e = s.release() { out.append(e) }
    return out
  }

  @Test func resultsArrivingOutOfOrderLeaveInFileOrder() {
    var s = ChunkSequencer<String>(window: 4)
    let seqs = (0..<4).map { _ in s.issue() }
    #expect(seqs == [0, 1, 2, 3])
    s.receive("c", for: 2)
    s.receive("b", for: 1)
    // Chunk 0 has not ended: nothing leaves, whatever came after it.
    #expect(s.release() == nil)
    #expect(s.inFlight == 4)
    s.receive("a", for: 0)
    #expect(drain(&s) == ["a", "b", "c"])
    // Chunk 3 is still out.
    #expect(s.release() == nil)
    #expect(s.inFlight == 1)
    s.receive("d", for: 3)
    #expect(drain(&s) == ["d"])
    #expect(s.released == 4)
  }

  @Test(arguments: [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 0, 5, 1, 4, 3], [1, 3, 5, 0, 2, 4]])
  func everyArrivalOrderGivesFileOrder(arrival: [Int]) {
    var s = ChunkSequencer<Int>(window: arrival.count)
    for _ in arrival { _ = s.issue() }
    var out: [Int] = []
    for seq in arrival {
      s.receive(seq * 10, for: seq)
      out += drain(&s)
    }
    #expect(out == [0, 10, 20, 30, 40, 50])
  }

  @Test func theWindowBoundsTheChunksInFlight() {
    var s = ChunkSequencer<Int>(window: 3)
    for _ in 0..<3 {
      #expect(s.canIssue)
      _ = s.issue()
    }
    #expect(!s.canIssue)
    // Chunks 1 and 2 ended, but chunk 0 has not: they are still in flight,
    // and no fourth chunk may be issued.
    s.receive(1, for: 1)
    s.receive(2, for: 2)
    #expect(s.release() == nil)
    #expect(!s.canIssue)
    #expect(s.inFlight == 3)
    s.receive(0, for: 0)
    #expect(s.release() == 0)
    // One released: room for exactly one more.
    #expect(s.canIssue)
    #expect(s.issue() == 3)
    #expect(!s.canIssue)
    #expect(drain(&s) == [1, 2])
    #expect(s.inFlight == 1)
    #expect(s.canIssue)
  }

  @Test func aWindowOfOneIssuesOneChunkAtATime() {
    var s = ChunkSequencer<Int>(window: 1)
    for seq in 0..<5 {
      #expect(s.canIssue)
      #expect(s.issue() == seq)
      #expect(!s.canIssue)
      s.receive(seq, for: seq)
      #expect(!s.canIssue)
      #expect(s.release() == seq)
    }
  }

  @Test func errorsAreReleasedInTheirPlace() {
    var s = ChunkSequencer<Result<Int, ChunkFailed>>(window: 4)
    for _ in 0..<4 { _ = s.issue() }
    // Chunk 2 fails first, and chunk 3 ends after it: the failure waits
    // for chunks 0 and 1, and chunk 3 for the failure.
    s.receive(.failure(ChunkFailed(chunk: 2)), for: 2)
    s.receive(.success(3), for: 3)
    #expect(s.release() == nil)
    s.receive(.success(1), for: 1)
    #expect(s.release() == nil)
    s.receive(.success(0), for: 0)
    #expect(drain(&s) == [.success(0), .success(1), .failure(ChunkFailed(chunk: 2)), .success(3)])
  }

  @Test func theFirstErrorInFileOrderIsTheOneReleasedFirst() {
    var s = ChunkSequencer<Result<Int, ChunkFailed>>(window: 3)
    for _ in 0..<3 { _ = s.issue() }
    // Chunk 2's failure arrives before chunk 1's: chunk 1's leaves first.
    s.receive(.failure(ChunkFailed(chunk: 2)), for: 2)
    s.receive(.success(0), for: 0)
    s.receive(.failure(ChunkFailed(chunk: 1)), for: 1)
    let out = drain(&s)
    let firstFailure = out.compactMap { r -> Int? in
      if case .failure(let f) = r { return f.chunk }
      return nil
    }.first
    #expect(firstFailure == 1)
    #expect(out.count == 3)
  }

  @Test func itFinishesOnlyWhenEndedAndEveryChunkIsReleased() {
    var s = ChunkSequencer<Int>(window: 2)
    #expect(!s.isFinished)
    _ = s.issue()
    _ = s.issue()
    s.end()
    // Ended, but two chunks are in flight: not finished, and no more issued.
    #expect(!s.isFinished)
    #expect(!s.canIssue)
    s.receive(1, for: 1)
    #expect(s.release() == nil)
    #expect(!s.isFinished)
    s.receive(0, for: 0)
    #expect(s.release() == 0)
    #expect(!s.isFinished)
    #expect(s.release() == 1)
    #expect(s.isFinished)
    #expect(s.release() == nil)
  }

  @Test func anEmptyScanFinishesAtItsEnd() {
    var s = ChunkSequencer<Int>(window: 3)
    #expect(!s.isFinished)
    s.end()
    #expect(s.isFinished)
    #expect(!s.canIssue)
    #expect(s.release() == nil)
  }
}
