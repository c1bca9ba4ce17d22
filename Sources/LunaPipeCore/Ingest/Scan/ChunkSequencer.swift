/// Puts the results of a scan's chunks back in file order. Chunks are issued
/// in file order, each with the next sequence number; their results arrive
/// in any order (whichever worker ends first) and are released in the order
/// of those numbers, each once. At most `window` chunks are in flight:
/// issued and not yet released.
///
/// A pure state machine, after swift-async-algorithms' `MergeStateMachine`:
/// no threads, no locks; whoever drives it (`ChunkScheduler`) holds the lock
/// and does the waiting. A result that is an error is released in its place
/// like any other: what a released error means is the driver's decision.
struct ChunkSequencer<Element> {
  /// How many chunks may be in flight at once (at least 1).
  let window: Int
  /// The sequence number the next issued chunk gets: the chunks issued.
  private(set) var issued = 0
  /// The sequence number released next: the chunks released.
  private(set) var released = 0
  /// Results arrived ahead of their turn, by sequence number.
  private var arrived: [Int: Element] = [:]
  /// No chunk is issued any more (`end()`).
  private(set) var ended = false

  /// A sequencer that lets at most `window` chunks be in flight.
  init(window: Int) {
    precondition(window >= 1, "a window of \(window) chunks lets none be issued")
    self.window = window
  }

  /// Chunks issued and not yet released.
  var inFlight: Int { issued - released }

  /// Whether a chunk may be issued now: not ended, and room in the window.
  var canIssue: Bool { !ended && inFlight < window }

  /// Issues the next chunk (only when `canIssue`): its sequence number.
  mutating func issue() -> Int {
    precondition(canIssue, "chunk issued with \(inFlight) of \(window) in flight, or after the end")
    issued += 1
    return issued - 1
  }

  /// The result of the chunk issued as `seq`, which has none yet.
  mutating func receive(_ element: Element, for seq: Int) {
    precondition(seq >= released && seq < issued, "result of chunk \(seq), not in flight")
    precondition(arrived[seq] == nil, "second result of chunk \(seq)")
    arrived[seq] = element
  }

  /// The next result in file order if it has arrived (it then leaves the
  /// window), else nil: those after it wait for it.
  mutating func release() -> Element? {
    guard let element = arrived.removeValue(forKey: released) else { return nil }
    released += 1
    return element
  }

  /// No more chunks will be issued; those in flight are still released.
  mutating func end() {
    ended = true
  }

  /// Ended, and every issued chunk released: nothing more will come.
  var isFinished: Bool { ended && released == issued }
}
